"""What every parser must do with any input, and what `commshub decode` must do with any batch.

1. Typed error or byte-exact rebuild: `parse(data)` returns a value that rebuilds to `data`
   (when the target can rebuild; for a target with several spellings of a value, to its
   canonical spelling: bytes that parse and rebuild to themselves), or raises one of the
   target's own errors; a `DecodeError` names an offset inside the input. Anything else
   (IndexError, RecursionError, ...) is a bug.
2. Bounded time and memory per input byte: one input takes at most `BASE_SECONDS` plus
   `SECONDS_PER_BYTE` per octet, and allocates at most `BASE_BYTES` plus `BYTES_PER_BYTE`
   per octet at its peak (tracemalloc). The bounds are loose on purpose: they catch hangs and
   blow-ups (a length read as a count to allocate), not a slow machine.
3. One record per CLI input: `commshub decode --json` over a batch prints exactly one JSON
   line per input, in order, and exits 0 or 1 (never 3, never a traceback).
"""

from __future__ import annotations

import contextlib
import io
import json
import time
import tracemalloc
from dataclasses import dataclass

from protocols.errors import DecodeError

from .registry import Target

BASE_SECONDS = 0.5
SECONDS_PER_BYTE = 50e-6
BASE_BYTES = 2 * 1024 * 1024
BYTES_PER_BYTE = 2048


@dataclass(frozen=True, slots=True)
class Violation:
    """An input that broke a promise: which target, which input, what happened."""

    target: str
    data: bytes
    problem: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one input gave: `parsed` True for a value, False for a typed error."""

    parsed: bool
    signature: str  #: the error's field and reason start, or the value's type: what makes an input new


def check(target: Target, data: bytes, *, measure_memory: bool = False) -> Outcome | Violation:
    """Run `target` on `data` and hold it to invariants 1 and 2."""
    if measure_memory:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome = _parse(target, data)
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if measure_memory else 0
        if measure_memory:
            tracemalloc.stop()
    if elapsed > BASE_SECONDS + SECONDS_PER_BYTE * len(data):
        return Violation(target.name, data, f"took {elapsed:.3f} s for {len(data)} bytes")
    if peak > BASE_BYTES + BYTES_PER_BYTE * len(data):
        return Violation(target.name, data, f"peaked at {peak} bytes of memory for {len(data)} bytes of input")
    return outcome


def _parse(target: Target, data: bytes) -> Outcome | Violation:
    try:
        value = target.parse(data)
    except target.errors as exc:
        if isinstance(exc, DecodeError) and not 0 <= exc.offset <= len(data):
            return Violation(target.name, data, f"offset {exc.offset} outside the {len(data)}-byte input: {exc}")
        field = getattr(exc, "field", "")
        reason = getattr(exc, "reason", str(exc))
        return Outcome(False, f"{type(exc).__name__}:{field}:{reason[:24]}")
    except Exception as exc:  # noqa: BLE001 - the finding itself: any other exception is a bug, with its input
        return Violation(target.name, data, f"untyped {type(exc).__name__}: {exc}")
    if target.rebuild is not None:
        try:
            rebuilt = target.rebuild(value)
        except Exception as exc:  # noqa: BLE001 - a parsed value must rebuild: any exception here is a finding
            return Violation(target.name, data, f"parsed, but rebuilding raised {type(exc).__name__}: {exc}")
        if target.exact and rebuilt != data:
            return Violation(target.name, data, f"parsed, but rebuilt as {rebuilt.hex()}")
        if not target.exact:
            problem = _reparse_problem(target, rebuilt)
            if problem:
                return Violation(target.name, data, problem)
    return Outcome(True, type(value).__name__)


def _reparse_problem(target: Target, rebuilt: bytes) -> str | None:
    """Why `rebuilt` (a parsed value's rebuild) is not the canonical spelling of that value, or None.

    The canonical spelling parses, and rebuilds to itself. Bytes rather than values are compared:
    a value may hold a NaN, which equals nothing, not even itself.
    """
    assert target.rebuild is not None
    try:
        again = target.rebuild(target.parse(rebuilt))
    except Exception as exc:  # noqa: BLE001 - what we built must parse and rebuild: any exception is a finding
        return f"parsed, rebuilt as {rebuilt.hex()}, which does not parse back: {type(exc).__name__}: {exc}"
    if again != rebuilt:
        return f"parsed, rebuilt as {rebuilt.hex()}, which parses and rebuilds as {again.hex()}"
    return None


def check_cli(inputs: list[bytes]) -> Violation | None:
    """Invariant 3 over one batch of inputs, given to `commshub decode --json` as hex strings."""
    from tools.cli import main

    arguments = [data.hex() or "00" for data in inputs]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["decode", "--json", *arguments])
    lines = out.getvalue().splitlines()
    sources = [json.loads(line)["source"] for line in lines]
    if code not in (0, 1) or sources != arguments:
        problem = f"exit {code}, {len(lines)} records for {len(inputs)} inputs; stderr: {err.getvalue()[-500:]}"
        return Violation("cli", b"\n".join(arguments.encode() for arguments in arguments), problem)
    return None
