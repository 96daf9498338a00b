"""`commshub decode`: decode, verify and print GBCS messages (issue 2).

    commshub decode [--keystore DIR] [--json] [--lines] INPUT...
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
import json
import string
import sys
from pathlib import Path
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

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


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "decode",
        help="decode and verify GBCS messages",
        description="Decode GBCS messages, verify MACs and signatures, print a field tree or JSON Lines.",
    )
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="file (hex, base64 or binary), hex string, or - for stdin")
    parser.add_argument("--keystore", metavar="DIR", help="folder of <eui>-<ka|ds>[-pp].<pem|key> key files")
    parser.add_argument("--json", action="store_true", help="one JSON object per input (JSON Lines)")
    parser.add_argument(
        "--lines", action="store_true", help="with -: each non-empty stdin line is one message (hex or base64)"
    )
    parser.add_argument("--example", action="store_true", help="build a signed, MACed command with fresh keys and decode it")
    return parser


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


def read_input(source: str, stdin: BinaryIO | None = None) -> bytes:
    """The message bytes INPUT `source` names: stdin, a file (hex/base64/binary), or a hex string."""
    if source == "-":
        raw = (stdin or sys.stdin.buffer).read()
    else:
        path = Path(source)
        if _is_file(path):
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
        else:
            try:
                data = _hex(source)
            except InputError as exc:
                raise InputError(f"not a file and {exc}") from None
            if data is None:
                raise InputError(f"{source!r} is not a file and not a hex string")
            return data
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
        else {"block_number": message.gbt.block_number, "last": message.gbt.last, "acknowledged": message.gbt.acknowledged},
    }


def _json_line(source: str, message: Message | None, error: tuple[str, int | None] | None) -> str:
    """One JSON Lines record; the payload tree is appended as text (`Field.to_json_text`, the hot path)."""
    text = json.dumps(_record(source, message, error), check_circular=False)
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


def _run_inputs(
    inputs: Iterator[tuple[str, bytes | InputError]], keystore: KeyStore | None, as_json: bool, out: TextIO
) -> int:
    failures = reported = 0
    for source, data in inputs:
        message, error = decode_one(data, keystore)
        failures += message is None
        if keystore is not None and len(keystore.problems) > reported:
            for problem in keystore.problems[reported:]:
                print(f"commshub decode: warning: {problem} (checks that need it give no-key)", file=sys.stderr)
            reported = len(keystore.problems)
        if as_json:
            out.write(_json_line(source, message, error))
        elif message is None:
            assert error is not None
            print(f"commshub decode: {source}: {error[0]}", file=sys.stderr)
        else:
            out.write(f"== {source}\n")
            _print_tree(message, out)
    return 1 if failures else 0


def _run_example(as_json: bool, out: TextIO) -> int:
    from protocols.gbcs import KeyStore, Verdict, parse
    from protocols.gbcs.example import example_command

    import tempfile

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
    return _run_inputs(read_inputs(args.inputs, lines=args.lines), keystore, args.json, out)
