"""What `commshub decode` reads: INPUT arguments as files, hex strings or stdin, each within a size bound.

An input is a file (hex text, base64 text or raw binary: detected), a hex string, or `-` for
standard input (with `--lines`, one message per line). Every read is bounded by
`MAX_INPUT_BYTES`, so a huge file or an endless stream is refused (`InputTooLargeError`)
without being read whole; text that is meant as hex but broken is named as such rather than
read as binary; empty and whitespace-only input is refused.
"""

from __future__ import annotations

import base64
import binascii
import string
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from hal.regular_file import open_regular_file

_BASE64 = frozenset(string.ascii_letters + string.digits + "+/=")
_WHITESPACE = str.maketrans("", "", string.whitespace)
_NOT_HEX = str.maketrans("", "", string.hexdigits)  # deletes hex digits: what is left is not hex
#: Text with at least this share of hex digits is taken as meant to be hex, and diagnosed as such.
_MOSTLY_HEX = 0.9
#: Largest input read, in bytes as given (hex text counts two characters per message byte). The
#: largest RTDS message is under 4 KB; GBT (gbcs.md 3.8) carries longer contents in blocks, so one
#: message of 1 MiB is already far beyond any real one, and decoding it stays within tens of MB.
MAX_INPUT_BYTES = 2 * 1024 * 1024


class InputError(ValueError):
    """An INPUT that is neither a readable file nor a hex string, or text that is broken hex."""


class InputTooLargeError(InputError):
    """An INPUT over `MAX_INPUT_BYTES`: refused before it is read whole."""

    def __init__(self, size: int | None = None) -> None:
        known = f"{size} bytes" if size is not None else "more bytes"
        super().__init__(f"input too large: {known}, at most {MAX_INPUT_BYTES} are decoded")


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
    position = next(index for index, char in enumerate(text) if char in others)
    raise InputError(f"not valid hex: bad character {text[position]!r} at position {position}")


def _text_payload(raw: bytes) -> bytes | None:
    """Hex or base64 text (whitespace ignored) as bytes; None when `raw` is not such text.

    Empty or whitespace-only input is no message in any form: InputError, not raw binary.
    """
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    if not text.strip(string.whitespace):
        raise InputError("empty input" if not text else "input is only whitespace")
    data = _hex(text)
    if data is not None:
        return data
    text = text.translate(_WHITESPACE)
    if len(text) % 4 == 0 and _BASE64.issuperset(text):
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

    Naming a FIFO cannot block (`hal.regular_file.open_regular_file`: it is not a regular file).
    """
    try:
        opened = open_regular_file(source)
    except OSError as exc:
        if _is_file(Path(source)):  # there, but not ours to read
            raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
        return None
    if opened is None:
        return None
    file, size = opened
    with file:
        if size > MAX_INPUT_BYTES:
            raise InputTooLargeError(size)
        try:
            data = file.read(size + 1)  # its size, and one octet to notice a file that grew
        except OSError as exc:
            raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputTooLargeError(len(data))
    return data


def _read_bounded(stream: BinaryIO) -> bytes:
    """All of `stream`, or InputTooLargeError as soon as it holds more than `MAX_INPUT_BYTES`."""
    data = stream.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise InputTooLargeError()
    return data


def read_input(source: str, stdin: BinaryIO | None = None) -> bytes:
    """The message bytes INPUT `source` names: stdin, a file (hex/base64/binary), or a hex string."""
    if source == "-":
        raw = _read_bounded(stdin or sys.stdin.buffer)
    else:
        file_bytes = _read_file(source)
        if file_bytes is None:
            if len(source) > MAX_INPUT_BYTES:
                raise InputTooLargeError(len(source))
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
    sources: Iterable[str], *, lines: bool = False, stdin: BinaryIO | None = None
) -> Iterator[tuple[str, bytes | InputError]]:
    """(source name, message bytes or the InputError) for each input, in order, read as needed.

    With `lines`, `-` stands for one input per non-empty stdin line (hex or base64),
    named `-:<line number>`; lines are read as they come, so a pipe streams, and a line
    over `MAX_INPUT_BYTES` is refused (and skipped to its end) without being kept whole.
    """
    for source in sources:
        if source == "-" and lines:
            yield from _stdin_lines(stdin or sys.stdin.buffer)
            continue
        try:
            yield source, read_input(source, stdin)
        except InputError as exc:
            yield source, exc


def _stdin_lines(stream: BinaryIO) -> Iterator[tuple[str, bytes | InputError]]:
    number = 0
    while True:
        line = stream.readline(MAX_INPUT_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_INPUT_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # the rest of this line, a bounded piece at a time
                line = stream.readline(MAX_INPUT_BYTES)
            yield f"-:{number}", InputTooLargeError()
        elif line.strip():
            yield f"-:{number}", _line_message(line)


def _line_message(line: bytes) -> bytes | InputError:
    try:
        data = _text_payload(line)
    except InputError as exc:
        return exc
    return InputError("not hex or base64 text") if data is None else data
