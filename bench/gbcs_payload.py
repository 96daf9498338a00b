"""GBCS payload decoding speed over the RTDS corpus: `.venv/bin/python -m bench.gbcs_payload`.

Measures, on the payloads of the 889 RTDS 4.5.0 messages in `$COMMSHUB_SHARED` (or `../shared`),
cut out once by `protocols.gbcs.parse`:

1. CPU time of one `decode_payload` pass over all payloads and per family (best of 7 passes
   after a warm-up), nodes built per second, and the share of the whole-corpus budget (0.3 s of CPU for
   the whole corpus, envelope and verification included) that payload decoding takes;
2. the two design choices the decoders rest on, as ratios: the fast `node()` against
   `Field(...)`, and a hand-written read of a COSEM attribute descriptor against the same
   read through a compiled `construct` Struct;
3. the one-off cost of the ZCL table GBZ payloads are named from, in a fresh process: derived
   from zigpy + `protocols.zigbee.smart_energy` (what a library caller pays on its first GBZ
   payload, and the CLI on its very first run) and read back from its cache file (every later
   `commshub decode`).

Timings on a shared machine are measurements, never test assertions.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import time
import timeit
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._corpus import REPO, read_message, rtds_files, shared_dir

PASSES = 7
BUDGET_S = 0.3

if TYPE_CHECKING:
    from protocols.gbcs.tree import Field


def _nodes(field: Field) -> int:
    return 1 + sum(_nodes(child) for child in field.children)


def _best_cpu(run: Callable[[], object]) -> float:
    run()  # warm-up (the first GBZ payload derives the ZCL table)
    best = float("inf")
    for _ in range(PASSES):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best


def _descriptor_ratio(descriptor: bytes) -> float:
    """Hand-written int.from_bytes slicing vs a compiled construct Struct, same 9-byte record."""
    import construct as c

    compiled = c.Struct("class_id" / c.Int16ub, "instance_id" / c.Bytes(6), "attribute_id" / c.Int8ub).compile()

    def by_hand() -> tuple[int, bytes, int]:
        return int.from_bytes(descriptor[0:2], "big"), descriptor[2:8], descriptor[8]

    def by_construct() -> object:
        return compiled.parse(descriptor)

    hand = min(timeit.repeat(by_hand, number=20_000, repeat=5))
    built = min(timeit.repeat(by_construct, number=20_000, repeat=5))
    return built / hand


def _node_ratio() -> float:
    from protocols.gbcs.payload.reader import node
    from protocols.gbcs.tree import Field

    fast = min(timeit.repeat(lambda: node("x", 1, 2, 3), number=100_000, repeat=5))
    plain = min(timeit.repeat(lambda: Field("x", 1, 2, 3), number=100_000, repeat=5))
    return plain / fast


def _fresh_process_s(step: str) -> float:
    """Seconds `step` takes in a new interpreter (after importing zcl_table, before the step)."""
    code = (
        f"import time; from pathlib import Path; from tools import zcl_cache; "
        f"t = time.perf_counter(); {step}; print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    return float(out.stdout.strip())


def _zcl_table_s() -> tuple[float, float]:
    """(derive from zigpy, read from the cache file) of the ZCL table, each in a fresh process."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="commshub-bench-") as folder:
        derive = _fresh_process_s(f"zcl_cache.load(Path({folder!r}))")  # empty folder: derives, writes
        cached = _fresh_process_s(f"zcl_cache.load(Path({folder!r}))")
    return derive, cached


def main() -> None:
    from protocols.gbcs import parse
    from protocols.gbcs.payload import PayloadContext, decode_payload

    rtds = shared_dir() / "gbcs" / "rtds"
    if not rtds.is_dir():
        print(f"RTDS corpus not found under {rtds}: set COMMSHUB_SHARED")
        return
    jobs = []
    for path in rtds_files(rtds):
        message = parse(read_message(path))
        tree = message.payload_tree
        assert tree is not None  # RTDS messages are whole messages, not GBT blocks: each has a payload tree
        context = PayloadContext(message.message_code, int(message.cra))
        jobs.append((message.payload, tree.root.offset, context, tree.family))

    def run(selected: list = jobs) -> None:
        for payload, base, context, _ in selected:
            decode_payload(payload, base_offset=base, context=context)

    by_family: dict[str, list] = defaultdict(list)
    for job in jobs:
        by_family[job[3]].append(job)
    total = _best_cpu(run)
    nodes = sum(_nodes(decode_payload(p, base_offset=b, context=c).root) for p, b, c, _ in jobs)
    size = sum(len(job[0]) for job in jobs)
    print(f"decode_payload over {len(jobs)} RTDS payloads ({size:,} bytes, {nodes:,} fields), best of {PASSES}:")
    print(f"  all: {total * 1e3:7.1f} ms CPU  {len(jobs) / total:9,.0f} payloads/s  {nodes / total:11,.0f} fields/s")
    for family, selected in sorted(by_family.items()):
        spent = _best_cpu(functools.partial(run, selected))
        print(f"  {family:24s} {len(selected):4d} payloads  {spent * 1e3:7.1f} ms CPU")
    print(f"  share of a {BUDGET_S} s whole-corpus CPU budget: {total / BUDGET_S:.2f}")
    descriptor = bytes.fromhex("00010000000201FF02")  # gbcs.md 3.6: class 1, 0-0:0.2.1.255, attribute 2
    print("design ratios:")
    print(f"  Field(...) / node(...) construction time:               {_node_ratio():5.2f}x")
    print(f"  compiled construct / hand-written COSEM descriptor read: {_descriptor_ratio(descriptor):5.2f}x")
    derive, cached = _zcl_table_s()
    print(
        f"ZCL table, once per process: derived from zigpy + smart_energy {derive * 1e3:.0f} ms,"
        f" read from its cache file {cached * 1e3:.1f} ms ({derive / cached:.0f}x)"
    )


if __name__ == "__main__":
    main()
