"""`commshub decode`: decode, verify and print GBCS messages (issue 2).

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

A key file that turns out unreadable when first needed is reported once on stderr;
the checks that need it give `no-key` and decoding goes on.

Long input lists use every idle core (`--jobs`; by default from `AUTO_JOBS_FROM` inputs, one
process per core that nothing else is running on at start): after the key store and the ZCL table are loaded, the process forks
one worker per further contiguous chunk of the list; each worker writes its chunk's output to
an unlinked temporary file, and the parent, having done the first chunk itself, copies them
out in input order, so stdout and stderr are exactly what one process would write (a key
warning once). A worker that dies or fails unexpectedly has its chunk decoded again by the
parent, which then behaves as one process would. Standard input (`-`) keeps one process.

GBZ payloads are named from zigpy's ZCL tables (with `protocols.zigbee.smart_energy`); what the
decoder needs of them is kept in a cache file under `$COMMSHUB_CACHE_DIR` (default
`$XDG_CACHE_HOME/commshub` or `~/.cache/commshub`), rebuilt whenever zigpy or smart_energy.py changes.

Exit codes: 0 every input decoded; 1 some input did not decode (or, for --example,
did not verify); 2 usage error (no input, unreadable key store folder).
Heavy imports happen inside `run`, so `commshub --help` stays fast.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import io
import json
import os
import stat
import string
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, TextIO

if TYPE_CHECKING:
    from protocols.gbcs import KeyStore, Message

_BASE64 = frozenset(string.ascii_letters + string.digits + "+/=")
_WHITESPACE = str.maketrans("", "", string.whitespace)
_NOT_HEX = str.maketrans("", "", string.hexdigits)  # deletes hex digits: what is left is not hex
#: Text with at least this share of hex digits is taken as meant to be hex, and diagnosed as such.
_MOSTLY_HEX = 0.9
#: The keys of every `--json` record, in order; a failure has them all, null (issue 2's list and a few more).
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
        help=f"processes to decode with (default: 1 below {AUTO_JOBS_FROM} inputs, else one per idle core; stdin: 1)",
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


class InputError(ValueError):
    """An INPUT that is neither a readable file nor a hex string, or text that is broken hex."""


def _hex(text: str) -> bytes | None:
    """Hex text (whitespace ignored) as bytes; None when it is not meant as hex.

    Text that is mostly hex digits is meant as hex, so a fault in it (an odd digit count,
    a stray character) raises InputError naming it, rather than falling through to
    base64 or raw binary and failing later with a misleading message.
    """
    compact = text.translate(_WHITESPACE)
    try:
        return bytes.fromhex(compact) or None
    except ValueError:
        pass
    others = compact.translate(_NOT_HEX)
    if len(compact) - len(others) < _MOSTLY_HEX * len(compact):
        return None
    if not others:
        raise InputError(f"not valid hex: odd number of digits ({len(compact)})")
    position = next(i for i, char in enumerate(text) if char in others)
    raise InputError(f"not valid hex: bad character {text[position]!r} at position {position}")


def _text_payload(raw: bytes) -> bytes | None:
    """Hex or base64 text (whitespace ignored) as bytes; None when `raw` is not such text."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    data = _hex(text)
    if data is not None:
        return data
    text = text.translate(_WHITESPACE)
    if text and len(text) % 4 == 0 and _BASE64.issuperset(text):
        try:
            return base64.b64decode(text, validate=True)
        except binascii.Error:
            return None
    return None


def _is_file(path: Path) -> bool:
    """Whether `path` names a file; False for strings no file can have (a long hex message: ENAMETOOLONG)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _read_file(source: str) -> bytes | None:
    """The bytes of the regular file `source`; None when it names none (it may then be a hex string).

    One open and one fstat per file rather than a stat, an open and an fstat: a run reads
    thousands. O_NONBLOCK, so that naming a FIFO cannot block (it is not a regular file).
    """
    try:
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if _is_file(Path(source)):  # there, but not ours to read
            raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    with open(fd, "rb") as file:
        try:
            return file.read()
        except OSError as exc:
            raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None


def read_input(source: str, stdin: BinaryIO | None = None) -> bytes:
    """The message bytes INPUT `source` names: stdin, a file (hex/base64/binary), or a hex string."""
    if source == "-":
        raw = (stdin or sys.stdin.buffer).read()
    else:
        file_bytes = _read_file(source)
        if file_bytes is None:
            try:
                data = _hex(source)
            except InputError as exc:
                raise InputError(f"not a file and {exc}") from None
            if data is None:
                raise InputError(f"{source!r} is not a file and not a hex string")
            return data
        raw = file_bytes
    decoded = _text_payload(raw)
    return raw if decoded is None else decoded


def read_inputs(
    sources: list[str], *, lines: bool = False, stdin: BinaryIO | None = None
) -> Iterator[tuple[str, bytes | InputError]]:
    """(source name, message bytes or the InputError) for each input, in order, read as needed.

    With `lines`, `-` stands for one input per non-empty stdin line (hex or base64),
    named `-:<line number>`; lines are read as they come, so a pipe streams.
    """
    for source in sources:
        if source == "-" and lines:
            for number, line in enumerate(stdin or sys.stdin.buffer, start=1):
                if line.strip():
                    yield f"-:{number}", _line_message(line)
            continue
        try:
            yield source, read_input(source, stdin)
        except InputError as exc:
            yield source, exc


def _line_message(line: bytes) -> bytes | InputError:
    try:
        data = _text_payload(line)
    except InputError as exc:
        return exc
    return InputError("not hex or base64 text") if data is None else data


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


def _print_tree(message: Message, out: TextIO) -> None:
    from protocols.gbcs.describe import describe

    lines: list[str] = []
    stack = [(describe(message), 0)]
    while stack:
        node, depth = stack.pop()
        line = f"{'  ' * depth}{node.name} @{node.offset}+{node.size}"
        if node.value is not None:
            line += f" = {node.value}"
        if node.note:
            line += f"  ({node.note})"
        lines.append(line)
        stack.extend((child, depth + 1) for child in reversed(node.children))
    verdicts = message.verdicts
    lines.append(f"  -> mac {verdicts.mac.value}, signature {verdicts.signature.value}, unparsed {message.unparsed}")
    out.write("\n".join(lines) + "\n")


def decode_one(
    data: bytes | InputError, keystore: KeyStore | None
) -> tuple[Message | None, tuple[str, int | None] | None]:
    """(message, None) or (None, (error text, byte offset or None)) for one input's bytes (or its read error)."""
    from protocols.gbcs import GbcsDecodeError, parse

    if isinstance(data, InputError):
        return None, (str(data), None)
    try:
        return parse(data, keystore), None
    except GbcsDecodeError as exc:
        return None, (str(exc), exc.offset)


def render(source: str, message: Message | None, error: tuple[str, int | None] | None, *, as_json: bool) -> str:
    """A `decode_one` result printed exactly as `commshub decode` prints it (its JSON Lines record, or
    `== source` and the field tree; a failure as the JSON record or as its one stderr line), for other
    commands that print messages (`commshub send`)."""
    if as_json:
        return _json_line(source, message, error)
    if message is None:
        assert error is not None
        return f"commshub decode: {source}: {error[0]}\n"
    out = io.StringIO()
    out.write(f"== {source}\n")
    _print_tree(message, out)
    return out.getvalue()


def _run_inputs(
    inputs: Iterator[tuple[str, bytes | InputError]],
    keystore: KeyStore | None,
    as_json: bool,
    out: TextIO,
    err: TextIO,
    warned: set[str],
) -> int:
    """Decode and print each input; 1 when one failed, else 0. Key warnings already in `warned` are not repeated."""
    failures = reported = 0
    for source, data in inputs:
        message, error = decode_one(data, keystore)
        failures += message is None
        if keystore is not None and len(keystore.problems) > reported:
            for problem in keystore.problems[reported:]:
                _warn(f"{_WARNING}{problem} (checks that need it give no-key)\n", err, warned)
            reported = len(keystore.problems)
        if as_json:
            out.write(_json_line(source, message, error))
        elif message is None:
            assert error is not None
            err.write(f"commshub decode: {source}: {error[0]}\n")
        else:
            out.write(f"== {source}\n")
            _print_tree(message, out)
    return 1 if failures else 0


def _warn(line: str, err: TextIO, warned: set[str]) -> None:
    if line not in warned:
        warned.add(line)
        err.write(line)


def jobs_for(sources: list[str], requested: int | None) -> int:
    """How many processes decode `sources`: 1 with stdin; `requested`, at most one per input; else automatic.

    Automatic: 1 below `AUTO_JOBS_FROM` inputs; else one per core that is idle right now (a
    worker on a core another program keeps busy only adds the fork), at most one per `_MIN_CHUNK` inputs.
    """
    if "-" in sources or not hasattr(os, "fork"):
        return 1
    if requested is not None:
        return max(1, min(requested, len(sources)))
    if len(sources) < AUTO_JOBS_FROM:
        return 1
    return max(1, min(idle_cores(), len(sources) // _MIN_CHUNK))


def idle_cores() -> int:
    """Cores this process may use that nothing else is running on now (counting the one it runs on).

    From `procs_running` in Linux's /proc/stat: the tasks running or ready at this instant,
    this process included. Elsewhere, or when it cannot be read, every core counts as idle.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        with open("/proc/stat", "rb") as proc_stat:
            running = next(int(line.split()[1]) for line in proc_stat if line.startswith(b"procs_running "))
    except (OSError, ValueError, StopIteration, IndexError):
        return cores
    return max(1, min(cores, cores - (running - 1)))


def _chunks(sources: list[str], jobs: int) -> list[list[str]]:
    """`sources` cut into `jobs` contiguous chunks of near-equal size, in order."""
    size, extra = divmod(len(sources), jobs)
    bounds = [index * size + min(index, extra) for index in range(jobs + 1)]
    return [sources[bounds[index] : bounds[index + 1]] for index in range(jobs)]


@dataclass
class _Worker:
    """A forked process decoding `sources` into two unlinked temporary files."""

    pid: int
    sources: list[str]
    out: IO[str]
    err: IO[str]
    reaped: bool = False


def _fork_worker(sources: list[str], keystore: KeyStore | None, as_json: bool) -> _Worker:
    import tempfile

    out, err = (tempfile.TemporaryFile("w+", encoding="utf-8", errors="surrogateescape") for _ in range(2))
    try:
        pid = os.fork()
    except OSError:
        out.close()
        err.close()
        raise
    if pid == 0:  # the worker: never returns, and never runs the parent's clean-up or flushes its buffers
        code = 3
        try:
            code = _run_inputs(read_inputs(sources), keystore, as_json, out, err, set())
            out.flush()
            err.flush()
        finally:  # on any exception the exit code stays 3, and the parent decodes the chunk itself
            os._exit(code)
    return _Worker(pid, sources, out, err)


def _collect(
    worker: _Worker, keystore: KeyStore | None, as_json: bool, out: TextIO, err: TextIO, warned: set[str]
) -> int:
    """Wait for `worker` and copy its output; if it did not finish its chunk, decode the chunk here."""
    import shutil

    _, status = os.waitpid(worker.pid, 0)
    worker.reaped = True
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        return _run_inputs(read_inputs(worker.sources), keystore, as_json, out, err, warned)
    worker.out.seek(0)
    shutil.copyfileobj(worker.out, out, 1 << 20)
    worker.err.seek(0)
    for line in worker.err:
        if line.startswith(_WARNING):
            _warn(line, err, warned)
        else:
            err.write(line)
    return code


def _run_parallel(chunks: list[list[str]], keystore: KeyStore | None, as_json: bool, out: TextIO, err: TextIO) -> int:
    """Decode the first chunk here and each other in a forked worker; print all in input order."""
    import signal

    import protocols.gbcs.payload.gbz  # noqa: F401  (imported on the first GBZ payload: once here, not per worker)

    out.flush()
    err.flush()
    warned: set[str] = set()
    workers: list[_Worker] = []
    later: list[_Worker | list[str]] = []  # in input order: a worker's chunk, or one decoded here
    try:
        for chunk in chunks[1:]:
            try:
                worker = _fork_worker(chunk, keystore, as_json)
            except OSError:  # no fork now (process limit, memory): this chunk is decoded here, in its turn
                later.append(chunk)
                continue
            workers.append(worker)
            later.append(worker)
        code = _run_inputs(read_inputs(chunks[0]), keystore, as_json, out, err, warned)
        for item in later:
            if isinstance(item, _Worker):
                code = max(code, _collect(item, keystore, as_json, out, err, warned))
            else:
                code = max(code, _run_inputs(read_inputs(item), keystore, as_json, out, err, warned))
        return code
    finally:
        for worker in workers:
            if not worker.reaped:  # the parent failed or was interrupted: stop its workers
                os.kill(worker.pid, signal.SIGKILL)
                os.waitpid(worker.pid, 0)
            worker.out.close()
            worker.err.close()


def _run_example(as_json: bool, out: TextIO) -> int:
    import tempfile

    from protocols.gbcs import KeyStore, Verdict, parse
    from protocols.gbcs.example import example_command

    example = example_command()
    with tempfile.TemporaryDirectory(prefix="commshub-keys-") as folder:
        for name, pem in example.key_files.items():
            (Path(folder) / name).write_bytes(pem)
        keystore = KeyStore.load(folder)
        message = parse(example.wire, keystore)
    if as_json:
        out.write(_json_line("example", message, None))
    else:
        out.write(f"== example: ECS09 command, {len(example.wire)} bytes, keys generated for this run\n")
        out.write(example.wire.hex().upper() + "\n")
        _print_tree(message, out)
    verified = message.verdicts.mac is Verdict.VALID and message.verdicts.signature is Verdict.VALID
    return 0 if verified else 1


def run(args: argparse.Namespace) -> int:
    from protocols.gbcs import KeyStore, KeyStoreError
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
            keystore = KeyStore.load(args.keystore)
        except KeyStoreError as exc:
            print(f"commshub decode: {exc}", file=sys.stderr)
            return 2
        if keystore.skipped:
            names = ", ".join(keystore.skipped)
            print(f"commshub decode: key store: skipped (not <eui>-<ka|ds|pp-ka>.<pem|key>): {names}", file=sys.stderr)
    zcl_cache.load(zcl_cache.cache_dir())  # GBZ names: ~7 ms from the cache instead of ~0.5 s of zigpy import
    jobs = jobs_for(args.inputs, args.jobs)
    if jobs > 1:
        return _run_parallel(_chunks(args.inputs, jobs), keystore, args.json, out, sys.stderr)
    return _run_inputs(read_inputs(args.inputs, lines=args.lines), keystore, args.json, out, sys.stderr, set())
