"""The GBCS variable-length encoding (gbcs.md 3.2): BER definite lengths, minimal form only.

Why minimal only: every length in RTDS is minimal, and `build(parse(x)) == x` must hold
for any input that parses. Accepting a padded form (`81 05`) would decode a message that
rebuilds differently, so it is refused as malformed with the offset of the length.

`BerLength` is the construct field used by the envelope structs; `encode_length` and
`read_length` are the plain-function forms for the few places that walk bytes by hand
(Other Information, the DER certificate tail).
"""

from __future__ import annotations

from construct import Construct, SizeofError, StreamError, ValidationError, stream_read, stream_write

from protocols.gbcs.errors import GbcsDecodeError, GbcsEncodeError

#: Largest length the encoding carries: `83 nn nn nn` (gbcs.md 3.2, as accepted by gbcs-parser).
MAX_LENGTH = 0xFFFFFF


def encode_length(value: int, *, width: int | None = None) -> bytes:
    """`value` in the minimal BER definite form: `nn`, `81 nn`, `82 nn nn` or `83 nn nn nn`.

    `width` (1-3) forces the long form with that many length bytes, for the ASN.1 payloads
    that carry such lengths (`read_length(..., minimal=False)`).
    """
    if value < 0 or value > MAX_LENGTH:
        raise GbcsEncodeError("length", f"{value} is outside 0..{MAX_LENGTH}")
    if width is not None:
        if not 1 <= width <= 3 or value >= 1 << (8 * width):
            raise GbcsEncodeError("length", f"{value} does not fit a long form of {width} byte(s)")
        return bytes((0x80 | width,)) + value.to_bytes(width, "big")
    if value < 0x80:
        return bytes((value,))
    width = (value.bit_length() + 7) // 8
    return bytes((0x80 | width,)) + value.to_bytes(width, "big")


def _check_long_form(first: int, body: bytes, minimal: bool = True) -> str | None:
    """Why the long form `first`+`body` is unacceptable, or None when it is a (minimal) length."""
    if first == 0x80:
        return "indefinite length (0x80) is not allowed"
    if first > 0x83:
        return f"length of {first & 0x7F} bytes is not supported (at most 3)"
    if not minimal:
        return None
    value = int.from_bytes(body, "big")
    if value < 0x80 or body[0] == 0:
        return f"length {value} is not in its minimal form"
    return None


def read_length(data: bytes, pos: int, field: str, *, minimal: bool = True) -> tuple[int, int]:
    """Decode the length at `data[pos]`; return (length, position after it).

    Raises GbcsDecodeError with the offset of the length when it is truncated or not minimal.
    `minimal=False` accepts a long form wider than needed (`82 00 83`): GBCS ASN.1 payloads
    carry such lengths (31 in RTDS), and the caller keeps the width to rebuild them.
    """
    if pos >= len(data):
        raise GbcsDecodeError(pos, field, "length missing: input ends")
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    width = first & 0x7F
    body = data[pos + 1 : pos + 1 + width]
    if first <= 0x83 and len(body) < width:
        raise GbcsDecodeError(len(data), field, f"length truncated: needs {width} more bytes")
    problem = _check_long_form(first, body, minimal)
    if problem:
        raise GbcsDecodeError(pos, field, problem)
    return int.from_bytes(body, "big"), pos + 1 + width


_COMPILED_PARSER = """
def parse_ber_length(io):
    first = io.read(1)[0]
    if first < 0x80:
        return first
    width = first & 0x7F
    body = io.read(width)
    value = int.from_bytes(body, "big")
    if first > 0x83 or len(body) != width or value < 0x80 or body[0] == 0:
        raise ValueError("not a minimal BER length")
    return value
"""


class BerLength(Construct):
    """construct field for a GBCS length; refuses non-minimal and indefinite forms on parse."""

    def _parse(self, stream, context, path):  # type: ignore[no-untyped-def]
        first = stream_read(stream, 1, path)[0]
        if first < 0x80:
            return first
        if first == 0x80 or first > 0x83:
            raise ValidationError(_check_long_form(first, b"\x00"), path=path)
        body = stream_read(stream, first & 0x7F, path)
        problem = _check_long_form(first, body)
        if problem:
            raise ValidationError(problem, path=path)
        return int.from_bytes(body, "big")

    def _build(self, obj, stream, context, path):  # type: ignore[no-untyped-def]
        if not isinstance(obj, int) or obj < 0 or obj > MAX_LENGTH:
            raise StreamError(f"length {obj!r} is outside 0..{MAX_LENGTH}", path=path)
        raw = encode_length(obj)
        stream_write(stream, raw, len(raw), path)
        return obj

    def _emitparse(self, code):  # type: ignore[no-untyped-def]
        """Compiled form: any anomaly raises, and the caller re-parses with the checked struct."""
        code.append(_COMPILED_PARSER)
        return "parse_ber_length(io)"

    def _sizeof(self, context, path):  # type: ignore[no-untyped-def]
        raise SizeofError("a BER length has a variable size", path=path)
