"""`commshub decode`: decode, verify and print GBCS messages (gbcs.md; docs/gbcs-codec.md).

    commshub decode [--keystore DIR] [--json] [--lines] [--jobs N] INPUT...
    commshub decode --example [--json]

INPUT is a file (hex text, base64 text or raw binary: detected), a hex string, or `-`
for standard input; with `--lines`, each non-empty line of standard input is one
message (hex or base64), named `-:<line number>`, so thousands of messages need no
argument list. Without `--json` each message prints as an indented tree of field
names, byte offsets (`@offset+size`) and values, and each failure is one line on
stderr; with `--json`, one JSON object per input (JSON Lines) in input order, failures
included (`ok: false`, every other key present and null). `--example` builds a signed
and MACed command with freshly generated keys, writes those keys to a temporary key
store, and decodes and verifies the command from it.

What a user can rely on, whatever the input:

* one record per input, in input order: a message that does not decode is a failure
  record naming the byte offset, and the inputs after it are still decoded;
* an input larger than `MAX_INPUT_BYTES` (a file, stdin, or one `--lines` line) is refused
  with a failure record, without reading it whole: an endless stream cannot exhaust memory;
* a key file that turns out unusable (unreadable, not a P-256 key, an unknown algorithm)
  is reported once on stderr; the checks that need it give `no-key` and decoding goes on.

Long input lists use every core (`--jobs`; by default from `AUTO_JOBS_FROM` inputs): once
the key store and the ZCL table are loaded, the process forks one worker per further
contiguous chunk of the list (each inherits both); each worker writes its chunk's output
to unlinked temporary files, and the parent, having decoded the first chunk itself, copies
them out in input order, so stdout and stderr are exactly what one process would write (a
key warning once). A chunk whose worker died is decoded again by the parent. Standard
input (`-`) keeps one process.

GBZ payloads are named from zigpy's ZCL tables (with `protocols.zigbee.smart_energy`); what the
decoder needs of them is kept in a cache file under `$COMMSHUB_CACHE_DIR` (default
`$XDG_CACHE_HOME/commshub` or `~/.cache/commshub`), rebuilt whenever zigpy or `protocols.zigbee.smart_energy` changes.

Exit codes: 0 every input decoded; 1 some input did not decode (or, for --example,
did not verify); 2 usage error (no input, unreadable key store folder); 3 the decoder
failed unexpectedly on some input (its record says so; the other inputs were still decoded).
Heavy imports happen inside `run`, so `commshub --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, TextIO

from tools.decode_input import MAX_INPUT_BYTES, InputError, InputTooLargeError, read_input, read_inputs

if TYPE_CHECKING:
    from protocols.gbcs import KeyStore, Message
    from protocols.gbcs.payload.zcl_table import ZclTable

LOGGER = logging.getLogger(__name__)
__all__ = [
    "AUTO_JOBS_FROM",
    "MAX_INPUT_BYTES",
    "DecodeSettings",
    "InputError",
    "InputTooLargeError",
    "add_parser",
    "decode_one",
    "jobs_for",
    "read_input",
    "read_inputs",
    "run",
]
#: The keys of every `--json` record, in order; a failure has them all, null.
_MESSAGE_KEYS = (
    "frame", "cra", "originator_counter", "originator", "recipient", "date_time", "message_code", "use_case",
    "content_length", "mac", "signature", "unparsed", "other_information", "payload_family", "decryptions", "gbt",
)  # fmt: skip
#: Inputs from which `--jobs` defaults to every available core; below it a fork costs more than it saves.
AUTO_JOBS_FROM = 256
#: Fewest inputs given to one process when `--jobs` is automatic.
_MIN_CHUNK = 128
_WARNING = "commshub decode: warning: "
#: `json.dumps(record, check_circular=False)`, with the encoder built once rather than per record.
_encode_record = json.JSONEncoder(check_circular=False).encode


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "decode",
        help="decode and verify GBCS messages",
        description="Decode GBCS messages, verify MACs and signatures, print a field tree or JSON Lines.",
    )
    parser.add_argument(
        "inputs", nargs="*", metavar="INPUT", help="file (hex, base64 or binary), hex string, or - for stdin"
    )
    parser.add_argument("--keystore", metavar="DIR", help="folder of <eui>-<ka|ds|pp-ka>.<pem|key> key files")
    parser.add_argument("--json", action="store_true", help="one JSON object per input (JSON Lines)")
    parser.add_argument(
        "--lines", action="store_true", help="with -: each non-empty stdin line is one message (hex or base64)"
    )
    parser.add_argument(
        "--example", action="store_true", help="build a signed, MACed command with fresh keys and decode it"
    )
    parser.add_argument(
        "--jobs",
        type=_positive,
        metavar="N",
        help=f"processes to decode with (default: 1 below {AUTO_JOBS_FROM} inputs, else one per core; stdin: 1)",
    )
    return parser


def _positive(text: str) -> int:
    """The argparse `type` of `--jobs`: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _record(source: str, message: Message | None, error: tuple[str, int | None] | None) -> dict[str, Any]:
    """The JSON object of one input, except `payload`: `_MESSAGE_KEYS`, all null on failure (a fixed shape)."""
    from protocols.gbcs import registry

    if message is None:
        assert error is not None
        failure = {"source": source, "ok": False, "error": {"message": error[0], "offset": error[1]}}
        return failure | dict.fromkeys(_MESSAGE_KEYS) | {"payload": None}
    info = registry.lookup(message.message_code)
    when = message.date_time
    other = message.other_information
    return {
        "source": source,
        "ok": True,
        "error": None,
        "frame": message.frame.value,
        "cra": message.cra.label,
        "originator_counter": message.originator_counter,
        "originator": message.originator.hex(),
        "recipient": message.recipient.hex(),
        "date_time": None if when is None else when.isoformat(),
        "message_code": message.message_code,
        "use_case": None if info is None else info.use_case,
        "content_length": len(message.payload),
        "mac": message.verdicts.mac.value,
        "signature": message.verdicts.signature.value,
        "unparsed": message.unparsed,
        "other_information": {
            "remote_party_id": None if other.remote_party_id is None else other.remote_party_id.hex(),
            "remote_party_counter": other.remote_party_counter,
            "originator_counter": other.originator_counter,
            "certificate": None if other.certificate is None else other.certificate.hex(),
        },
        "payload_family": None if message.payload_tree is None else message.payload_tree.family,
        "decryptions": [] if message.payload_tree is None else [d.status for d in message.payload_tree.decryptions],
        "gbt": None
        if message.gbt is None
        else {
            "block_number": message.gbt.block_number,
            "last": message.gbt.last,
            "acknowledged": message.gbt.acknowledged,
        },
    }


def _json_line(source: str, message: Message | None, error: tuple[str, int | None] | None) -> str:
    """One JSON Lines record; the payload tree is appended as text (`Field.to_json_text`, the hot path)."""
    text = _encode_record(_record(source, message, error))
    if message is None:
        return text + "\n"
    tree = message.payload_tree
    return f'{text[:-1]}, "payload": {"null" if tree is None else tree.root.to_json_text()}}}\n'


def _tree_text(message: Message) -> str:
    from protocols.gbcs.describe import describe

    lines: list[str] = []
    stack = [(describe(message), 0)]
    while stack:
        field, depth = stack.pop()
        line = f"{'  ' * depth}{field.name} @{field.offset}+{field.size}"
        if field.value is not None:
            line += f" = {field.value}"
        if field.note:
            line += f"  ({field.note})"
        lines.append(line)
        stack.extend((child, depth + 1) for child in reversed(field.children))
    verdicts = message.verdicts
    lines.append(f"  -> mac {verdicts.mac.value}, signature {verdicts.signature.value}, unparsed {message.unparsed}")
    return "\n".join(lines) + "\n"


def decode_one(
    data: bytes | InputError, keystore: KeyStore | None, zcl: ZclTable | None = None
) -> tuple[Message | None, tuple[str, int | None] | None]:
    """(message, None) or (None, (error text, byte offset or None)) for one input's bytes (or its read error)."""
    from protocols.gbcs import GbcsDecodeError, parse

    if isinstance(data, InputError):
        return None, (str(data), None)
    try:
        return parse(data, keystore, zcl=zcl), None
    except GbcsDecodeError as exc:
        return None, (str(exc), exc.offset)


def render(source: str, message: Message | None, error: tuple[str, int | None] | None, *, as_json: bool) -> str:
    """A `decode_one` result as `commshub decode` prints it: its JSON Lines record, or `== source` and the
    field tree; a failure as the JSON record or as its one stderr line. Shared with other commands that
    print messages (`commshub send`), so both print the same."""
    if as_json:
        return _json_line(source, message, error)
    if message is None:
        assert error is not None
        return f"commshub decode: {source}: {error[0]}\n"
    return f"== {source}\n{_tree_text(message)}"


@dataclass(frozen=True, slots=True)
class DecodeSettings:
    """What every input is decoded with: the key store, the ZCL table for GBZ names, the output form."""

    keystore: KeyStore | None = None
    zcl: ZclTable | None = None
    as_json: bool = False


def _render(source: str, data: bytes | InputError, settings: DecodeSettings) -> tuple[str, str, int]:
    """(stdout text, stderr text, 0 ok / 1 failed / 3 internal error) of one input, each whole or not at all.

    A decoder fault other than `GbcsDecodeError` is a bug of ours, but it still ends as this
    input's one record (saying so) so that the inputs after it are decoded: exit 3 at the end.
    """
    try:
        message, error = decode_one(data, settings.keystore, settings.zcl)
        text = render(source, message, error, as_json=settings.as_json)
        status = 0 if message is not None else 1
        if message is None and not settings.as_json:
            return "", text, status
        return text, "", status
    except Exception as exc:  # one record per input even when the decoder has a bug (logged, exit 3)
        LOGGER.info("decoding %s failed unexpectedly", source, exc_info=True)  # the traceback under -v
        error = (f"internal error: {type(exc).__name__}: {exc} (please report it)", None)
        if settings.as_json:
            return _json_line(source, None, error), "", 3
        return "", f"commshub decode: {source}: {error[0]}\n", 3


def _run_inputs(
    inputs: Iterable[tuple[str, bytes | InputError]],
    settings: DecodeSettings,
    out: TextIO,
    err: TextIO,
    warned: set[str],
) -> int:
    """Decode and print each input; 3 / 1 / 0 as in the module docstring. Key warnings in `warned` are not repeated."""
    failures = internal = reported = 0
    for source, data in inputs:
        text, errors, status = _render(source, data, settings)
        failures += status == 1
        internal += status == 3
        keystore = settings.keystore
        if keystore is not None and len(keystore.problems) > reported:
            for problem in keystore.problems[reported:]:
                _warn(f"{_WARNING}{problem} (checks that need it give no-key)\n", err, warned)
            reported = len(keystore.problems)
        out.write(text)
        err.write(errors)
    return 3 if internal else 1 if failures else 0


def _warn(line: str, err: TextIO, warned: set[str]) -> None:
    if line not in warned:
        warned.add(line)
        err.write(line)


def jobs_for(sources: list[str], requested: int | None) -> int:
    """How many processes decode `sources`: 1 with stdin; `requested`, at most one per input; else automatic.

    Automatic: 1 below `AUTO_JOBS_FROM` inputs; else one per core this process may run on, at
    most one per `_MIN_CHUNK` inputs.
    """
    if "-" in sources or not hasattr(os, "fork"):
        return 1
    if requested is not None:
        return max(1, min(requested, len(sources)))
    if len(sources) < AUTO_JOBS_FROM:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, len(sources) // _MIN_CHUNK))


def _chunks(sources: list[str], count: int) -> list[list[str]]:
    """`sources` cut into `count` contiguous chunks of near-equal size, in order."""
    size, extra = divmod(len(sources), count)
    bounds = [index * size + min(index, extra) for index in range(count + 1)]
    return [sources[bounds[index] : bounds[index + 1]] for index in range(count)]


#: A worker's exit code when its chunk did not finish (EX_SOFTWARE): 0, 1 and 3 mean it did.
_WORKER_FAILED = 70


@dataclass(slots=True)
class _Worker:
    """A forked process decoding `sources` into two unlinked temporary files."""

    pid: int
    sources: list[str]
    out: IO[str]
    err: IO[str]
    reaped: bool = False


def _fork_worker(sources: list[str], settings: DecodeSettings) -> _Worker:
    import tempfile

    # The files outlive this function: `_run_parallel` closes them.
    out = tempfile.TemporaryFile("w+", encoding="utf-8", errors="surrogateescape")  # noqa: SIM115 - see above
    err = tempfile.TemporaryFile("w+", encoding="utf-8", errors="surrogateescape")  # noqa: SIM115 - see above
    try:
        pid = os.fork()
    except OSError:
        out.close()
        err.close()
        raise
    if pid == 0:  # the worker: never returns, and never runs the parent's clean-up or flushes its buffers
        code = _WORKER_FAILED
        try:
            code = _run_inputs(read_inputs(sources), settings, out, err, set())
            out.flush()
            err.flush()
        finally:  # on any exception the exit code stays _WORKER_FAILED, and the parent decodes the chunk itself
            os._exit(code)
    return _Worker(pid, sources, out, err)


def _collect(worker: _Worker, settings: DecodeSettings, out: TextIO, err: TextIO, warned: set[str]) -> int:
    """Wait for `worker` and copy its output; if it did not finish its chunk, decode the chunk here."""
    import shutil

    _, status = os.waitpid(worker.pid, 0)
    worker.reaped = True
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 3):
        return _run_inputs(read_inputs(worker.sources), settings, out, err, warned)
    worker.out.seek(0)
    shutil.copyfileobj(worker.out, out, 1 << 20)
    worker.err.seek(0)
    for line in worker.err:
        if line.startswith(_WARNING):
            _warn(line, err, warned)
        else:
            err.write(line)
    return code


def _run_parallel(sources: list[str], jobs: int, settings: DecodeSettings, out: TextIO, err: TextIO) -> int:
    """Decode `sources` in `jobs` processes: the first contiguous chunk here, each other in a forked
    worker writing to unlinked temporary files; print everything in input order.

    Why forks rather than `concurrent.futures.ProcessPoolExecutor` (fork context, this process
    decoding the first chunk): measured side by side over the 889 RTDS files with `--jobs 2`, the
    pool took 1.04-1.08 times the wall time of these forks (its imports, manager thread and queues),
    and whole-process speed is what this command is measured by. A worker that dies, or a chunk no
    fork could take, is decoded here instead.
    """
    import signal

    import protocols.gbcs.payload.gbz  # noqa: F401  (imported on the first GBZ payload: once here, not per worker)

    out.flush()
    err.flush()
    warned: set[str] = set()
    first, *chunks = _chunks(sources, jobs)
    workers: list[_Worker] = []
    later: list[_Worker | list[str]] = []  # in input order: a worker's chunk, or one decoded here
    try:
        for chunk in chunks:
            try:
                worker = _fork_worker(chunk, settings)
            except OSError:  # no fork now (process limit, memory): this chunk is decoded here, in its turn
                later.append(chunk)
                continue
            workers.append(worker)
            later.append(worker)
        code = _run_inputs(read_inputs(first), settings, out, err, warned)
        for item in later:
            if isinstance(item, _Worker):
                code = max(code, _collect(item, settings, out, err, warned))
            else:
                code = max(code, _run_inputs(read_inputs(item), settings, out, err, warned))
        return code
    finally:
        for worker in workers:
            if not worker.reaped:  # the parent failed or was interrupted: stop its workers
                os.kill(worker.pid, signal.SIGKILL)
                os.waitpid(worker.pid, 0)
            worker.out.close()
            worker.err.close()


def _run_example(as_json: bool, out: TextIO) -> int:
    from protocols.gbcs import KeyStore, Verdict, parse
    from protocols.gbcs.example import example_command

    example = example_command()
    keystore = KeyStore.from_pem(example.key_files)
    message = parse(example.wire, keystore)
    if as_json:
        out.write(_json_line("example", message, None))
    else:
        out.write(f"== example: ECS09 command, {len(example.wire)} bytes, keys generated for this run\n")
        out.write(example.wire.hex().upper() + "\n")
        out.write(_tree_text(message))
    verified = message.verdicts.mac is Verdict.VALID and message.verdicts.signature is Verdict.VALID
    return 0 if verified else 1


def run(args: argparse.Namespace) -> int:
    from hal.keystore import load_keystore
    from protocols.gbcs import KeyStoreError
    from tools import zcl_cache

    out = sys.stdout
    if args.example:
        if args.inputs or args.keystore:
            print("commshub decode: --example takes no INPUT and no --keystore", file=sys.stderr)
            return 2
        return _run_example(args.json, out)
    if not args.inputs:
        print("commshub decode: give at least one INPUT (file, hex string or -), or --example", file=sys.stderr)
        return 2
    keystore = None
    if args.keystore:
        try:
            keystore = load_keystore(args.keystore)
        except KeyStoreError as exc:
            print(f"commshub decode: {exc}", file=sys.stderr)
            return 2
        if keystore.skipped:
            names = ", ".join(keystore.skipped)
            print(f"commshub decode: key store: skipped (not <eui>-<ka|ds|pp-ka>.<pem|key>): {names}", file=sys.stderr)
    if not getattr(args, "verbose", 0):
        # zigpy logs a warning for what it cannot read inside a ZCL record (an unknown data type in a
        # Configure Reporting record); the decoded tree already shows those bytes, so under -v only.
        logging.getLogger("zigpy").setLevel(logging.ERROR)
    zcl = zcl_cache.load(zcl_cache.cache_dir())  # GBZ names: ~7 ms from the cache instead of ~0.5 s of zigpy import
    settings = DecodeSettings(keystore, zcl, args.json)
    jobs = jobs_for(args.inputs, args.jobs)
    if jobs > 1:
        return _run_parallel(args.inputs, jobs, settings, out, sys.stderr)
    return _run_inputs(read_inputs(args.inputs, lines=args.lines), settings, out, sys.stderr, set())
