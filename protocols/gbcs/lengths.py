"""BER definite lengths (gbcs.md 3.2; X.690 8.1.3): one reader, the rule as a parameter.

Three kinds of bytes carry these lengths, each with its own rule (`LengthRule`):

* the GBCS envelope (`GBCS`, the default): minimal form only, at most 3 length octets. Every
  length in RTDS is minimal, and `build(parse(x)) == x` must hold for any input that parses:
  accepting a padded form (`81 05`) would decode a message that rebuilds differently;
* payloads as the describers of `protocols.gbcs.payload` read them (`PAYLOAD`: DLMS A-XDR
  and ASN.1 inside the Grouping Header's content): up to 4 length octets, a non-minimal form
  read as its value (the describers only read);
* DER (`DER`): X.509 certificates walked for their key, and the GBCS ASN.1 payloads of
  `protocols.gbcs.der`: up to 3 octets, a non-minimal form accepted because GBCS writes
  `82 00 83` (31 times in RTDS); `der` keeps the width to rebuild it byte for byte.

The indefinite form (`80`) is refused by every rule: GBCS and DER both forbid it.
`BerLength` is the construct field the envelope structs use; `encode_length` writes the GBCS form.
"""

from __future__ import annotations

from dataclasses import dataclass

from construct import Construct, SizeofError, StreamError, ValidationError, stream_read, stream_write

from protocols.gbcs.errors import GbcsDecodeError, GbcsEncodeError

#: Largest length the encoding carries: `83 nn nn nn` (gbcs.md 3.2, as accepted by gbcs-parser).
MAX_LENGTH = 0xFFFFFF


def encode_length(value: int, *, width: int | None = None) -> bytes:
    """`value` in the minimal BER definite form: `nn`, `81 nn`, `82 nn nn` or `83 nn nn nn`.

    `width` (1-3) forces the long form with that many length bytes, for the ASN.1 payloads
    that carry such lengths (read with `read_length(..., rule=DER)`).
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


@dataclass(frozen=True, slots=True)
class LengthRule:
    """Which BER definite-length forms a kind of bytes may use."""

    max_octets: int  #: most length octets after the `8n` octet
    minimal: bool  #: whether only the shortest form is accepted


GBCS = LengthRule(max_octets=3, minimal=True)
PAYLOAD = LengthRule(max_octets=4, minimal=False)
DER = LengthRule(max_octets=3, minimal=False)


def _width_problem(first: int, rule: LengthRule) -> str | None:
    """Why the long-form octet `first` breaks `rule` (indefinite, or too many length octets), or None."""
    if first == 0x80:
        return "indefinite length (0x80) is not allowed"
    if first & 0x7F > rule.max_octets:
        return f"length of {first & 0x7F} bytes is not supported (at most {rule.max_octets})"
    return None


def _minimal_problem(body: bytes) -> str | None:
    """Why the long-form length octets `body` are not the shortest form of their value, or None."""
    value = int.from_bytes(body, "big")
    if value < 0x80 or body[0] == 0:
        return f"length {value} is not in its minimal form"
    return None


def read_length(
    data: bytes, pos: int, field: str, *, rule: LengthRule = GBCS, end: int | None = None, base: int = 0
) -> tuple[int, int]:
    """Decode the length at `data[pos]` (reading no further than `end`); return (length, position after it).

    Raises GbcsDecodeError naming `field`, at offset `base` + the length's position when its
    form breaks `rule`, or `base` + `end` when the input ends inside it. Under a non-minimal
    rule the caller learns the width from the returned position, to rebuild the same form.
    """
    stop = len(data) if end is None else end
    if pos >= stop:
        raise GbcsDecodeError(base + pos, field, "length missing: input ends")
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    problem = _width_problem(first, rule)
    if problem:
        raise GbcsDecodeError(base + pos, field, problem)
    width = first & 0x7F
    after = pos + 1 + width
    if after > stop:
        raise GbcsDecodeError(base + stop, field, f"length truncated: needs {width} more bytes")
    body = data[pos + 1 : after]
    problem = _minimal_problem(body) if rule.minimal else None
    if problem:
        raise GbcsDecodeError(base + pos, field, problem)
    return int.from_bytes(body, "big"), after


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

    def _parse(self, stream, context, path):
        first = stream_read(stream, 1, path)[0]
        if first < 0x80:
            return first
        problem = _width_problem(first, GBCS)
        if problem:
            raise ValidationError(problem, path=path)
        body = stream_read(stream, first & 0x7F, path)
        problem = _minimal_problem(body)
        if problem:
            raise ValidationError(problem, path=path)
        return int.from_bytes(body, "big")

    def _build(self, obj, stream, context, path):
        if not isinstance(obj, int) or obj < 0 or obj > MAX_LENGTH:
            raise StreamError(f"length {obj!r} is outside 0..{MAX_LENGTH}", path=path)
        raw = encode_length(obj)
        stream_write(stream, raw, len(raw), path)
        return obj

    def _emitparse(self, code):
        """Compiled form: any anomaly raises, and the caller re-parses with the checked struct."""
        code.append(_COMPILED_PARSER)
        return "parse_ber_length(io)"

    def _sizeof(self, context, path):
        raise SizeofError("a BER length has a variable size", path=path)
