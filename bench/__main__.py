"""Run the benchmarks: `python -m bench` runs them all, `python -m bench NAME...` the ones named.

Each benchmark is a module `bench/<name>.py` with `main() -> None` that prints its figures and
the ratios against the reference tools it compares with. Benchmarks are never part of the
test suite: timings on a shared 2-core machine are measurements, not assertions.

Each benchmark runs with `sys.argv` set to its own name alone, so one that reads options with
argparse sees none of the runner's arguments (the list of benchmark names).
"""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = (
    "chf",
    "gbcs_decode",
    "gbcs_payload",
    "gsme",
    "headend",
    "hub",
    "mac_codec",
    "medium",
    "meters",
    "nvm",
    "serial",
    "zigbee_codecs",
    "zigbee_han",
    "zigbee_security",
)


def main(argv: list[str] | None = None) -> int:
    names = list(argv if argv is not None else sys.argv[1:]) or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    runner_argv = sys.argv
    for name in names:
        print(f"=== bench.{name} ===", flush=True)
        started = time.perf_counter()
        sys.argv = [f"bench.{name}"]
        try:
            importlib.import_module(f"bench.{name}").main()
        finally:
            sys.argv = runner_argv
        print(f"=== bench.{name} done in {time.perf_counter() - started:.1f} s ===\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
