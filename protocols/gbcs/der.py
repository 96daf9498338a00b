"""ASN.1 DER as GBCS payloads use it (gbcs.md 5.4): bytes <-> a tree of `Element`s, byte-exact both ways.

Why a generic tree first: the typed CS payload codecs (`protocols.gbcs.cs`) are written
as small functions over elements, and every certificate a payload carries stays one
element whose bytes rebuild exactly. DER (X.690 10) leaves one encoding per value, and
this module accepts only that one - definite minimal lengths (read by
`protocols.gbcs.lengths`), minimal INTEGER contents - so `build(parse(x)) == x` for
every `x` that parses; anything else is a `GbcsDecodeError` naming the byte offset.
One departure from strict DER, because GBCS writes it: a length may use a long form
wider than needed (`30 82 00 83`, 31 times in RTDS, all in device responses and alerts);
a parsed element keeps the width it had (`length_width`) so it rebuilds byte for byte,
and a built element takes the width its builder asks for (`build(..., long_form_width=2)`).

Tags are kept as the identifier octets read as one big-endian integer (`0x30`
SEQUENCE, `0xA2` [2] constructed, `0x9F21` a high-number tag), the way the display
decoder (`payload.asn1`) shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from protocols.gbcs.errors import GbcsDecodeError, GbcsEncodeError
from protocols.gbcs.lengths import DER, encode_length, read_length

BOOLEAN, INTEGER, BIT_STRING, OCTET_STRING, NULL, ENUMERATED = 0x01, 0x02, 0x03, 0x04, 0x05, 0x0A
GENERALIZED_TIME, SEQUENCE = 0x18, 0x30
#: Nesting deeper than this is refused: no GBCS payload comes near it, and it bounds recursion on hostile input.
MAX_DEPTH = 24
_CONSTRUCTED = 0x20
_TIME_FORMAT = "%Y%m%d%H%M%SZ"


@dataclass(frozen=True, slots=True)
class Element:
    """One DER TLV: `children` for a constructed element, `contents` for a primitive one.

    `offset` is where the element starts in the buffer it was parsed from (0 for built
    elements); it is for error messages. `length_width` is the number of long-form length
    bytes a parsed element had (0: the short form), None for a built element. Neither is compared.
    """

    tag: int
    contents: bytes = b""
    children: tuple[Element, ...] | None = None
    offset: int = field(default=0, compare=False)
    length_width: int | None = field(default=None, compare=False)

    @property
    def constructed(self) -> bool:
        return _is_constructed(self.tag)

    def fail(self, field_name: str, reason: str) -> GbcsDecodeError:
        """A decode error located at this element."""
        return GbcsDecodeError(self.offset, field_name, reason)


def _is_constructed(tag: int) -> bool:
    first = tag >> (8 * ((max(tag.bit_length(), 1) - 1) // 8))
    return bool(first & _CONSTRUCTED)


def read_tag(data: bytes, pos: int, end: int, base: int) -> tuple[int, int]:
    """The identifier octets at `pos` (low-tag or high-tag-number form, at most 4 octets, before `end`)."""
    if pos >= end:
        raise GbcsDecodeError(base + pos, "der.tag", "input ends where a tag was expected")
    tag = data[pos]
    pos += 1
    if tag & 0x1F != 0x1F:
        return tag, pos
    for _ in range(3):
        if pos >= end:
            raise GbcsDecodeError(base + pos, "der.tag", "high tag number truncated")
        byte = data[pos]
        pos += 1
        tag = (tag << 8) | byte
        if not byte & 0x80:
            return tag, pos
    raise GbcsDecodeError(base + pos, "der.tag", "tag longer than 4 octets")


def _parse_element(data: bytes, pos: int, end: int, base: int, depth: int) -> tuple[Element, int]:
    if depth > MAX_DEPTH:
        raise GbcsDecodeError(base + pos, "der", f"nesting deeper than {MAX_DEPTH}")
    start = pos
    tag, pos = read_tag(data, pos, end, base)
    length_at = pos
    length, pos = read_length(data, pos, "der.length", rule=DER, end=end, base=base)
    width = pos - length_at - 1
    stop = pos + length
    if stop > end:
        raise GbcsDecodeError(base + pos, "der.contents", f"needs {length} byte(s), only {end - pos} left")
    if not _is_constructed(tag):
        contents = data[pos:stop]
        if tag in (INTEGER, ENUMERATED):
            _check_integer(contents, base + start)
        return Element(tag, contents, None, base + start, width), stop
    children = []
    while pos < stop:
        child, pos = _parse_element(data, pos, stop, base, depth + 1)
        children.append(child)
    return Element(tag, b"", tuple(children), base + start, width), stop


def _check_integer(contents: bytes, at: int) -> None:
    """X.690 8.3.2: at least one octet, and the first nine bits never all equal."""
    if not contents:
        raise GbcsDecodeError(at, "der.integer", "an INTEGER has at least one content octet")
    if len(contents) > 1 and (
        (contents[0] == 0x00 and not contents[1] & 0x80) or (contents[0] == 0xFF and contents[1] & 0x80)
    ):
        raise GbcsDecodeError(at, "der.integer", "INTEGER not in its minimal form")


def parse(data: bytes, base: int = 0) -> tuple[Element, ...]:
    """Every top-level element of `data`; `base` is added to offsets (the payload's place in its message)."""
    data = bytes(data)
    elements = []
    pos = 0
    while pos < len(data):
        element, pos = _parse_element(data, pos, len(data), base, 0)
        elements.append(element)
    return tuple(elements)


def parse_one(data: bytes, base: int = 0) -> Element:
    """Exactly one element filling `data`."""
    elements = parse(data, base)
    if len(elements) != 1:
        where = base + (len(build(elements[0])) if elements else 0)
        raise GbcsDecodeError(where, "der", f"{len(elements)} top-level elements where exactly one was expected")
    return elements[0]


def _tag_bytes(tag: int) -> bytes:
    if tag < 0:
        raise GbcsEncodeError("der.tag", f"{tag} is negative")
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def build(element: Element | tuple[Element, ...], *, long_form_width: int | None = None) -> bytes:
    """The DER bytes of one element or of a sequence of top-level elements.

    A parsed element keeps its own length form; a built one gets the minimal form, or,
    when its length needs the long form, at least `long_form_width` length bytes.
    """
    if isinstance(element, tuple):
        return b"".join(build(item, long_form_width=long_form_width) for item in element)
    if element.children is not None:
        if not element.constructed:
            raise GbcsEncodeError("der.children", f"tag {element.tag:#x} is primitive but has children")
        body = b"".join(build(child, long_form_width=long_form_width) for child in element.children)
    else:
        if element.constructed:
            raise GbcsEncodeError("der.contents", f"tag {element.tag:#x} is constructed but has no children")
        body = element.contents
    width = element.length_width
    if width is None and long_form_width is not None and len(body) >= 0x80:
        width = max(long_form_width, (len(body).bit_length() + 7) // 8)
    return _tag_bytes(element.tag) + encode_length(len(body), width=width or None) + body


# ---------------------------------------------------------------------------------------------
# Values <-> elements: the universal types GBCS payloads use


def integer(value: int, tag: int = INTEGER) -> Element:
    """An INTEGER (or ENUMERATED, or an implicitly tagged integer) in minimal two's complement."""
    size = max(1, (value + (value < 0)).bit_length() // 8 + 1)
    return Element(tag, value.to_bytes(size, "big", signed=True))


def octets(value: bytes, tag: int = OCTET_STRING) -> Element:
    return Element(tag, bytes(value))


def null() -> Element:
    return Element(NULL)


def sequence(*children: Element, tag: int = SEQUENCE) -> Element:
    return Element(tag, b"", tuple(children))


def bit_string(unused_bits: int, data: bytes) -> Element:
    """A BIT STRING: the unused-bit count (0..7, 0 when empty) then the bits."""
    if not 0 <= unused_bits <= 7 or (not data and unused_bits):
        raise GbcsEncodeError("der.bit_string", f"{unused_bits} unused bits with {len(data)} data bytes")
    return Element(BIT_STRING, bytes((unused_bits,)) + data)


def generalized_time(when: datetime) -> Element:
    """A GeneralizedTime `YYYYMMDDhhmmssZ` of an aware datetime (converted to UTC)."""
    if when.tzinfo is None:
        raise GbcsEncodeError("der.generalized_time", "a naive datetime has no defined UTC instant")
    return Element(GENERALIZED_TIME, when.astimezone(UTC).strftime(_TIME_FORMAT).zfill(15).encode("ascii"))


def expect(element: Element, tag: int, field_name: str) -> Element:
    """`element` when it has `tag`, else a decode error naming `field_name`."""
    if element.tag != tag:
        raise element.fail(field_name, f"tag {element.tag:#04x} where {tag:#04x} was expected")
    return element


def members(element: Element, field_name: str, tag: int = SEQUENCE) -> tuple[Element, ...]:
    """The children of a constructed `element` with `tag`."""
    expect(element, tag, field_name)
    assert element.children is not None
    return element.children


def to_int(element: Element, field_name: str, tag: int = INTEGER) -> int:
    expect(element, tag, field_name)
    return int.from_bytes(element.contents, "big", signed=True)


def to_octets(element: Element, field_name: str, size: int | None = None, tag: int = OCTET_STRING) -> bytes:
    expect(element, tag, field_name)
    if size is not None and len(element.contents) != size:
        raise element.fail(field_name, f"{len(element.contents)} bytes where {size} were expected")
    return element.contents


def to_null(element: Element, field_name: str) -> None:
    expect(element, NULL, field_name)
    if element.contents:
        raise element.fail(field_name, "a NULL has no contents")


def to_bit_string(element: Element, field_name: str) -> tuple[int, bytes]:
    """(unused bits, data) of a BIT STRING."""
    expect(element, BIT_STRING, field_name)
    contents = element.contents
    if not contents or contents[0] > 7 or (len(contents) == 1 and contents[0]):
        raise element.fail(field_name, "bad unused-bit count")
    return contents[0], contents[1:]


def to_time(element: Element, field_name: str) -> datetime:
    """A GeneralizedTime in the one form GBCS uses (`YYYYMMDDhhmmssZ`, gbcs.md 0) as an aware datetime."""
    expect(element, GENERALIZED_TIME, field_name)
    try:
        text = element.contents.decode("ascii")
        when = datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)
    except (UnicodeDecodeError, ValueError):
        raise element.fail(field_name, f"{element.contents!r} is not YYYYMMDDhhmmssZ") from None
    if generalized_time(when).contents != element.contents:  # strptime is lenient about widths
        raise element.fail(field_name, f"{element.contents!r} is not YYYYMMDDhhmmssZ")
    return when


def object_identifier(dotted: str) -> Element:
    """An OBJECT IDENTIFIER from its dotted form (X.690 8.19), for the certificates the test CA issues."""
    arcs = [int(arc) for arc in dotted.split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40):
        raise GbcsEncodeError("der.object_identifier", f"{dotted!r} is not an object identifier")
    body = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return Element(0x06, bytes(body))
