"""`python -m fuzz`: mutate every registered parser's seeds and kept corpus, and check each input.

    python -m fuzz --seconds 30                       # the short run .ci/run makes
    python -m fuzz --seconds 3600 --save-corpus       # the long run; keeps new interesting inputs
    python -m fuzz --target gbcs --seed 7 --seconds 60

The time is shared out between the targets by their `weight`. Every input is checked against
`invariants` (typed error or byte-exact rebuild; time per byte); every `--memory-every`-th
input also against the memory bound; and batches of mutated GBCS messages go through
`commshub decode --json` for the one-record-per-input promise. An input that breaks a promise
is printed and written to `fuzz/findings/` (not kept in git), and the run exits 1. The seed
is printed first, so `--seed` repeats a run exactly.

An input is "interesting" when its outcome (the error's field and reason, or the type of the
value it parsed to) has not been seen in this run: it joins the pool of inputs to mutate, and
with `--save-corpus` it is kept in `fuzz/corpus/<target>/` (at most `CORPUS_LIMIT` files per
target, each at most `CORPUS_FILE_LIMIT` bytes, so the corpus stays small).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path

from . import targets  # noqa: F401  (registers the project's parsers)
from .invariants import Violation, check, check_cli
from .mutate import mutate
from .registry import TARGETS, Target

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
FINDINGS = HERE / "findings"
CORPUS_LIMIT = 24
CORPUS_FILE_LIMIT = 2048
_POOL_LIMIT = 512
_CLI_BATCH = 24


def _corpus(name: str) -> list[bytes]:
    folder = CORPUS / name
    return [path.read_bytes() for path in sorted(folder.glob("*.bin"))] if folder.is_dir() else []


def _keep(name: str, data: bytes) -> None:
    folder = CORPUS / name
    folder.mkdir(parents=True, exist_ok=True)
    if len(data) <= CORPUS_FILE_LIMIT and len(list(folder.glob("*.bin"))) < CORPUS_LIMIT:
        (folder / f"{hashlib.sha1(data).hexdigest()[:16]}.bin").write_bytes(data)


def _report(violation: Violation, reported: set[str]) -> None:
    """Keep the input; print the first finding of each kind (target and problem, numbers aside)."""
    FINDINGS.mkdir(exist_ok=True)
    path = FINDINGS / f"{violation.target}-{hashlib.sha1(violation.data).hexdigest()[:16]}.bin"
    path.write_bytes(violation.data)
    kind = violation.target + ":" + "".join(char for char in violation.problem[:60] if not char.isdigit())
    if kind in reported:
        return
    reported.add(kind)
    print(f"FINDING {violation.target}: {violation.problem} (input {len(violation.data)} bytes in {path})")


def fuzz_target(
    target: Target, seconds: float, rng: random.Random, *, save: bool, memory_every: int
) -> tuple[int, int]:
    """(inputs checked, findings) of fuzzing `target` for `seconds`."""
    pool = [*target.seeds(), *_corpus(target.name)]
    for seed in pool[:8]:  # untimed: a first use imports what it needs (the ZCL table for GBZ payloads)
        check(target, seed)
    seen: set[str] = set()
    reported: set[str] = set()
    cli_batch: list[bytes] = []
    checked = findings = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = mutate(rng.choice(pool), rng, pool, target.max_size)
        checked += 1
        result = check(target, data, measure_memory=checked % memory_every == 0)
        if isinstance(result, Violation):
            findings += 1
            _report(result, reported)
            continue
        if result.signature not in seen:
            seen.add(result.signature)
            if len(pool) < _POOL_LIMIT:
                pool.append(data)
            if save:
                _keep(target.name, data)
        if target.name == "gbcs":
            cli_batch.append(data)
            if len(cli_batch) == _CLI_BATCH:
                violation = check_cli(cli_batch)
                cli_batch.clear()
                if violation is not None:
                    findings += 1
                    _report(violation, reported)
    return checked, findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="total time, shared by the targets (30)")
    parser.add_argument("--seed", type=int, help="random seed (default: a new one, printed)")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS), help="only these targets")
    parser.add_argument("--save-corpus", action="store_true", help="keep new interesting inputs in fuzz/corpus/")
    parser.add_argument("--memory-every", type=int, default=16, metavar="N", help="measure memory every N inputs")
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, target in sorted(TARGETS.items()):
            rebuild = ("bytes" if target.exact else "value") if target.rebuild else "no"
            print(f"{name:18} rebuild={rebuild:5} max {target.max_size:5} B  {target.notes}")
        return 0
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    names = args.target or sorted(TARGETS)
    print(f"fuzz: seed {seed}, {len(names)} targets, {args.seconds:.0f} s", flush=True)
    rng = random.Random(seed)
    total_findings = 0
    total_weight = sum(TARGETS[name].weight for name in names)
    for name in names:
        checked, findings = fuzz_target(
            TARGETS[name],
            args.seconds * TARGETS[name].weight / total_weight,
            rng,
            save=args.save_corpus,
            memory_every=args.memory_every,
        )
        total_findings += findings
        print(f"  {name:18} {checked:7,} inputs, {findings} findings", flush=True)
    print(f"fuzz: {total_findings} findings" + (f" (inputs in {FINDINGS})" if total_findings else ""))
    return 1 if total_findings else 0


if __name__ == "__main__":
    sys.exit(main())
