"""GBCS decode speed over the RTDS corpus, against the TypeScript gbcs-parser's published figures.

Measures, on the 889 RTDS 4.5.0 messages in `$COMMSHUB_SHARED` (or `../shared`):

1. in-process messages per second of `protocols.gbcs.parse`, with full verification
   (key store: MACs, signatures, decryption) and without (no key store); one warm-up
   pass, then the median of 7 passes in one process;
2. whole-process wall time of `commshub decode --json --keystore DIR <all 889 files>`
   (median of 5 runs, and the fastest), and of the same command on one GBZ file (start-up and
   first-use costs), from which the time for the bar's 1,275-message set is extrapolated. One
   untimed run first fills the ZCL table cache (`protocols.gbcs.payload.zcl_table`), as any
   earlier `commshub decode` would have. The runs inherit this shell's environment; when it sets
   PYTHONDONTWRITEBYTECODE (this project's shared machine does, to keep `__pycache__` out of the
   tree) every run compiles our modules from source, so the single-file figure is repeated with
   bytecode cached in a temporary PYTHONPYCACHEPREFIX, as an installed `commshub` would have it;
3. the 889 files with one process (`--jobs 1`), two (`--jobs 2`) and the automatic choice (one
   per core from 256 inputs), in alternating runs.

The bar: the public TypeScript parser decodes and verifies the full 1,275-message
RTDS 4.5.0 set in about 0.63 s whole-process, about 3,200 messages/s in-process; the goal is
twice as fast. Timings on a shared machine are measurements, never test assertions.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ._corpus import REPO, read_message, rtds_files, shared_dir

if TYPE_CHECKING:
    from protocols.gbcs import KeyStore

BAR_WHOLE_PROCESS_S = 0.63
BAR_MESSAGES = 1275
BAR_RATE = 3200.0
PASSES = 7


def _rate(messages: list[bytes], keystore: KeyStore | None) -> float:
    from protocols.gbcs import parse

    for data in messages:  # warm-up: key loading, ECDH secrets, first-use code paths
        parse(data, keystore)
    times = []
    for _ in range(PASSES):
        started = time.perf_counter()
        for data in messages:
            parse(data, keystore)
        times.append(time.perf_counter() - started)
    return len(messages) / statistics.median(times)


def _wall(command: list[str], runs: int = 5, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(median, fastest) wall time of `runs` runs after an untimed one: the spread shows how busy the machine was."""
    return _alternating({"": command}, runs, env)[""]


def _alternating(
    commands: dict[str, list[str]], runs: int = 5, env: dict[str, str] | None = None
) -> dict[str, tuple[float, float]]:
    """(median, fastest) wall time of each command, run in turn `runs` times after an untimed round,
    so that a load which comes and goes on the shared machine weighs on each alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(runs + 1):
        for name, command in commands.items():
            started = time.perf_counter()
            result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO, env=env)
            if run:
                times[name].append(time.perf_counter() - started)
            if result.returncode != 0:
                raise SystemExit(
                    f"{' '.join(command[:4])} ... failed ({result.returncode}): {result.stderr.decode()[-500:]}"
                )
    return {name: (statistics.median(values), min(values)) for name, values in times.items()}


def main() -> None:
    from hal.keystore import load_keystore

    shared = shared_dir()
    rtds, keys = shared / "gbcs" / "rtds", shared / "gbcs" / "keystore"
    if not rtds.is_dir() or not keys.is_dir():
        print(f"RTDS corpus or key store not found under {shared}: set COMMSHUB_SHARED")
        return
    files = rtds_files(rtds)
    messages = [read_message(path) for path in files]
    keystore = load_keystore(keys)
    verified = _rate(messages, keystore)
    unverified = _rate(messages, None)
    print(f"in-process, {len(messages)} RTDS messages, median of {PASSES} passes:")
    print(f"  with verification (MAC, signature, decryption): {verified:8,.0f} msg/s")
    print(f"  without verification:                           {unverified:8,.0f} msg/s")
    print(f"  bar {BAR_RATE:,.0f} msg/s: ratio {verified / BAR_RATE:.2f} (goal 2.00)")

    script = str(Path(sys.executable).parent / "commshub")
    command = [script, "decode", "--json", "--keystore", str(keys)]
    whole, whole_best = _wall(command + [str(path) for path in files])
    # start-up reference: one GBZ message, so one-off costs met on first use (zigpy's ZCL tables) count as start-up
    gbz_file = next(path for path in files if path.parent.name.split("_", 1)[1].startswith("GCS"))
    single, single_best = _wall([*command, str(gbz_file)])
    per_message = (whole - single) / (len(files) - 1)
    extrapolated = single + per_message * BAR_MESSAGES
    print("whole process, `commshub decode --json --keystore` (median of 5 runs; fastest in brackets):")
    print(
        f"  {len(files)} files: {whole:.3f} s ({whole_best:.3f}); 1 file (start-up): {single:.3f} s ({single_best:.3f})"
    )
    print(f"  {per_message * 1e3:.3f} ms/message after start-up")
    print(f"  extrapolated to the bar's {BAR_MESSAGES:,} messages: {extrapolated:.3f} s")
    print(
        f"  bar {BAR_WHOLE_PROCESS_S} s: ratio {BAR_WHOLE_PROCESS_S / extrapolated:.2f} on {BAR_MESSAGES:,} messages"
        f" (goal 2.00; {BAR_WHOLE_PROCESS_S / whole:.2f} comparing our {len(files)} directly)"
    )
    _jobs(command + [str(path) for path in files], len(files))
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        import tempfile

        with tempfile.TemporaryDirectory(prefix="commshub-pyc-") as prefix:
            env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
            env["PYTHONPYCACHEPREFIX"] = prefix
            cached, cached_best = _wall([*command, str(gbz_file)], env=env)
            whole_cached, whole_cached_best = _wall(command + [str(path) for path in files], env=env)
        extrapolated_cached = cached + (whole_cached - cached) / (len(files) - 1) * BAR_MESSAGES
        print("  the same with bytecode cached (PYTHONDONTWRITEBYTECODE is set here; an installed commshub has .pyc):")
        print(
            f"  {len(files)} files: {whole_cached:.3f} s ({whole_cached_best:.3f}); 1 file: {cached:.3f} s"
            f" ({cached_best:.3f}); extrapolated to {BAR_MESSAGES:,}: {extrapolated_cached:.3f} s,"
            f" ratio {BAR_WHOLE_PROCESS_S / extrapolated_cached:.2f}"
        )


def _jobs(command: list[str], count: int) -> None:
    """`--jobs 1` against `--jobs 2` and the automatic choice, alternating."""
    from tools.decode import jobs_for

    inputs = ["x"] * count
    walls = _alternating({"1": [*command, "--jobs", "1"], "2": [*command, "--jobs", "2"], "auto": command})
    (one, one_best), (two, two_best), (auto, auto_best) = walls["1"], walls["2"], walls["auto"]
    print(
        f"  processes (`--jobs`, alternating runs, median of 5): 1: {one:.3f} s ({one_best:.3f});"
        f" 2: {two:.3f} s ({two_best:.3f}), ratio {one / two:.2f}; automatic: {auto:.3f} s ({auto_best:.3f})"
    )
    print(
        f"  (automatic uses {jobs_for(inputs, None)} of {os.cpu_count()} cores for {count} inputs;"
        " a core busy with another program halves the gain)"
    )


if __name__ == "__main__":
    main()
