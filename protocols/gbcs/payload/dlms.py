"""DLMS/COSEM payloads of ESME, CHF and DBCH messages (gbcs.md 5.2) described from the typed codec.

Why a walk over typed values and not a reader of its own: `protocols.dlms` is the one reader
of these bytes (the devices build and answer with it); this module only turns the APDU it
returns into the display tree. Every value's place in the payload follows from the sizes
of the encodings before it - a tag byte, a GBCS length (gbcs.md 3.2, always minimal, so
its size follows from its value) and the contents - so the walk keeps a running offset and
never looks at the bytes again, except for the encrypted *protected data* (an octet string
right after an array of protection-parameter structures, gbcs.md 4.4), which it hands as a
block to `Session.block`; that plaintext is again one DLMS data item, parsed and walked the same way.

Tree shape: an item's node spans its tag, length and contents; its name is the DLMS type
name (`structure`, `octet-string`, ...) unless a caller (`alerts`) renames it; values are
JSON-ready (ints, bools, text, hex strings).
"""

from __future__ import annotations

from protocols import dlms
from protocols.dlms import axdr
from protocols.dlms.apdu import AccessRequest, AccessResponse, ActionSpec, DataNotification, GetWithSelectionSpec
from protocols.dlms.data import (
    FIXED_SIZES,
    INTEGER_SIZES,
    Array,
    ArrayType,
    BitString,
    Boolean,
    CompactArray,
    Data,
    DataType,
    Fixed,
    Integer,
    Null,
    OctetString,
    SimpleType,
    Structure,
    TypeDescription,
    Utf8String,
    VisibleString,
)
from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.payload import alerts, cosem
from protocols.gbcs.payload.protected import Session
from protocols.gbcs.payload.reader import Reader, node, renamed
from protocols.gbcs.tree import Field

TAG_ACCESS_REQUEST = 0xD9
TAG_ACCESS_RESPONSE = 0xDA
TAG_DATA_NOTIFICATION = 0x0F
FAMILIES = {
    TAG_ACCESS_REQUEST: "dlms-access-request",
    TAG_ACCESS_RESPONSE: "dlms-access-response",
    TAG_DATA_NOTIFICATION: "dlms-data-notification",
}

_SPEC_NAMES = {1: "get", 2: "set", 3: "action", 4: "get-with-selection"}
_RESULT_NAMES = {1: "get", 2: "set", 3: "action"}
#: Integer types: tag -> (name, encoded size with the tag byte).
_INTEGERS = {tag: (tag.label, 1 + size) for tag, (size, _) in INTEGER_SIZES.items()}
_FIXED = {tag: (tag.label, size) for tag, size in FIXED_SIZES.items()}
_ENUM = DataType.ENUM


def length_size(value: int) -> int:
    """Bytes of the GBCS (minimal BER) length `value` (gbcs.md 3.2)."""
    return 1 if value < 0x80 else 2 if value < 0x100 else 3 if value < 0x10000 else 4


def parse(payload: bytes, base: int) -> dlms.Apdu:
    """The typed APDU of `payload`; its faults as GbcsDecodeError at `base` + their offset."""
    try:
        return dlms.parse(payload)
    except dlms.DlmsDecodeError as error:
        raise GbcsDecodeError(base + error.offset, error.field, error.reason) from None


def describe(payload: bytes, base: int, session: Session, message_code: int) -> Field:
    """The display tree of the DLMS APDU `payload` (an access-request, -response or data-notification).

    A data-notification is an alert: its body's members are named by `alerts` from `message_code`.
    """
    apdu = parse(payload, base)
    return _Walk(payload, base, session).apdu(apdu, message_code)


class _Walk:
    """One payload's walk: the bytes (for protected-data blocks only), where they sit, the session."""

    __slots__ = ("base", "payload", "session")

    def __init__(self, payload: bytes, base: int, session: Session) -> None:
        self.payload = payload
        self.base = base
        self.session = session

    # ------------------------------------------------------------------------------------- APDUs

    def apdu(self, apdu: dlms.Apdu, message_code: int) -> Field:
        start = self.base
        fields, pos = self._header(apdu, start)
        if isinstance(apdu, AccessRequest):
            specs, pos = self._specs(apdu.specs, pos, "request-specifications")
            data, pos = self._data_list(apdu.data, pos, "request-data")
            fields += [specs, data]
            name = "dlms-access-request"
        elif isinstance(apdu, AccessResponse):
            if apdu.request_specs is None:
                fields.append(node("request-specifications", pos, 1, None, (), "absent"))
                pos += 1
            else:
                echoed, after = self._specs(apdu.request_specs, pos + 1, "request-specifications")
                presence = node("presence", pos, 1, 1, (), "echoed")
                fields.append(node(echoed.name, pos, after - pos, None, (presence, *echoed.children)))
                pos = after
            data, pos = self._data_list(apdu.data, pos, "response-data")
            results, pos = self._results(apdu, pos)
            fields += [data, results]
            name = "dlms-access-response"
        else:
            assert isinstance(apdu, DataNotification)  # `family_of` sends no other APDU here
            body, pos = self.item(apdu.body, pos, 1)
            fields.append(renamed(alerts.name_dlms_alert(message_code, body, apdu.body), "notification-body"))
            name = "dlms-data-notification"
        return node(name, start, pos - start, None, tuple(fields))

    def _header(self, apdu: dlms.Apdu, pos: int) -> tuple[list[Field], int]:
        """APDU tag, long-invoke-id-and-priority and the (empty in RTDS) date-time octet string."""
        assert not isinstance(apdu, dlms.ExceptionResponse)
        tag = self.payload[0]
        invoke = apdu.invoke.value
        date_time = apdu.date_time
        dt_size = length_size(len(date_time)) + len(date_time)
        fields = [
            node("apdu-tag", pos, 1, tag, (), FAMILIES[tag][5:]),
            node(
                "long-invoke-id-and-priority",
                pos + 1,
                4,
                invoke,
                (node("priority-flags", pos + 1, 1, invoke >> 24), node("invoke-id", pos + 2, 3, invoke & 0xFFFFFF)),
            ),
            node(
                "date-time",
                pos + 5,
                dt_size,
                date_time.hex() if date_time else None,
                (),
                cosem.date_time_note(date_time) if date_time else "absent",
            ),
        ]
        return fields, pos + 5 + dt_size

    def _count(self, count: int, pos: int, name: str) -> tuple[Field, int]:
        size = length_size(count)
        self.session.budget.spend(count, pos + size, name)
        return node("count", pos, size, count), pos + size

    def _specs(self, specs: tuple[dlms.RequestSpec, ...], start: int, name: str) -> tuple[Field, int]:
        count, pos = self._count(len(specs), start, name)
        children = [count]
        for spec in specs:
            spec_field, pos = self._spec(spec, pos)
            children.append(spec_field)
        return node(name, start, pos - start, None, tuple(children)), pos

    def _spec(self, spec: dlms.RequestSpec, start: int) -> tuple[Field, int]:
        """Choice byte, class-id(2) instance-id(6 OBIS) attribute-or-method-id(1) [, selector, parameters]."""
        descriptor = spec.descriptor
        class_id, obis = descriptor.class_id, descriptor.instance.raw
        if isinstance(spec, ActionSpec):
            member_name, member, choice = "method-id", spec.descriptor.method, 3
        else:
            member_name, member = "attribute-id", spec.descriptor.attribute
            choice = 4 if isinstance(spec, GetWithSelectionSpec) else 1 if isinstance(spec, dlms.GetSpec) else 2
        pos = start + 1
        fields: tuple[Field, ...] = (
            node("class-id", pos, 2, class_id, (), cosem.class_name(class_id)),
            node("instance-id", pos + 2, 6, cosem.obis_text(obis), (), cosem.obis_name(obis)),
            node(member_name, pos + 8, 1, member, (), cosem.member_name(class_id, member, method=choice == 3)),
        )
        pos += 9
        if isinstance(spec, GetWithSelectionSpec):
            selector = node("access-selector", pos, 1, spec.selector, (), cosem.selector_name(spec.selector))
            parameters, pos = self.item(spec.parameters, pos + 1, 0)
            fields += (selector, renamed(parameters, "access-parameters"))
        return node(_SPEC_NAMES[choice], start, pos - start, None, fields), pos

    def _data_list(self, items: tuple[Data, ...], start: int, name: str) -> tuple[Field, int]:
        count, pos = self._count(len(items), start, name)
        children = [count]
        for item in items:
            field, pos = self.item(item, pos, 1)
            children.append(field)
        return node(name, start, pos - start, None, tuple(children)), pos

    def _results(self, apdu: AccessResponse, start: int) -> tuple[Field, int]:
        count, pos = self._count(len(apdu.results), start, "response-specifications")
        children = [count]
        for result in apdu.results:
            kind = int(result.kind)
            note = cosem.result_name(result.result, action=kind == 3)
            children.append(node(_RESULT_NAMES[kind], pos, 2, result.result, (), note))
            pos += 2
        return node("response-specifications", start, pos - start, None, tuple(children)), pos

    # -------------------------------------------------------------------------------- data items

    def item(self, value: Data, pos: int, depth: int) -> tuple[Field, int]:
        """The node of one tagged data item starting at absolute offset `pos`, and where it ends."""
        fields, pos = self._items((value,), pos, depth)
        return fields[0], pos

    def _items(self, values: tuple[Data, ...], pos: int, depth: int) -> tuple[list[Field], int]:
        """The nodes of consecutive tagged items from `pos` (the hot loop: leaves are placed inline).

        An octet string right after an array of protection parameters is protected data.
        """
        fields = []
        protected_next = False
        for value in values:
            if isinstance(value, Integer):
                name, size = _INTEGERS[value.type]
                fields.append(node(name, pos, size, value.value))
                pos += size
                protected_next = False
                continue
            if isinstance(value, OctetString) and not protected_next:
                raw = value.value
                size = 1 + length_size(len(raw)) + len(raw)
                fields.append(node("octet-string", pos, size, raw.hex(), (), _date_time_note(raw)))
                pos += size
                continue
            if isinstance(value, (Structure, Array)):
                field, pos = self._constructed(value, pos, depth)
            elif isinstance(value, OctetString):
                field, pos = self._protected_data(value, pos)
            elif isinstance(value, Null):
                field, pos = node("null", pos, 1), pos + 1
            elif isinstance(value, Boolean):
                field, pos = node("boolean", pos, 2, value.value), pos + 2
            elif isinstance(value, CompactArray):
                field, pos = self._compact_array(value, pos)
            else:
                field, pos = _leaf(value, pos, 1)
            protected_next = isinstance(value, Array) and _is_protection_parameters(value)
            fields.append(field)
        return fields, pos

    def _constructed(self, value: Structure | Array, start: int, depth: int) -> tuple[Field, int]:
        items = value.items
        name = "structure" if isinstance(value, Structure) else "array"
        pos = start + 1 + length_size(len(items))
        self.session.budget.spend(len(items), pos, name)
        children, pos = self._items(items, pos, depth + 1)
        return node(name, start, pos - start, None, tuple(children)), pos

    def _protected_data(self, value: OctetString, start: int) -> tuple[Field, int]:
        size = len(value.value)
        contents = start + 1 + length_size(size)
        reader = Reader(self.payload, self.base, contents - self.base, contents - self.base + size, self.session.budget)
        return self.session.block(reader, size, "protected-data", _plaintext_item, start), contents + size

    def _compact_array(self, value: CompactArray, start: int) -> tuple[Field, int]:
        description = value.description
        desc_size = _description_size(description)
        type_description = node("type-description", start + 1, desc_size, _describe(description))
        contents_at = start + 1 + desc_size
        packed = sum(_packed_size(element, description) for element in value.elements)
        pos = contents_at + length_size(packed)
        fields_each = _field_count(description)
        elements = []
        for element in value.elements:
            self.session.budget.spend(fields_each, pos, "compact-array contents")
            field, pos = _packed(element, description, pos)
            elements.append(field)
        contents = node("contents", contents_at, pos - contents_at, None, tuple(elements), f"{len(elements)} elements")
        return node("compact-array", start, pos - start, None, (type_description, contents)), pos


def _is_protection_parameters(value: Array) -> bool:
    """An array of `structure{ enum, structure }`: the protection parameters of protected data."""
    return bool(value.items) and all(
        isinstance(child, Structure)
        and len(child.items) == 2
        and isinstance(child.items[0], Integer)
        and child.items[0].type is _ENUM
        and isinstance(child.items[1], Structure)
        for child in value.items
    )


def _date_time_note(raw: bytes) -> str | None:
    """The date of a 12-byte octet string that reads as a COSEM date-time (gbcs.md 0)."""
    return cosem.date_time_note(raw) if len(raw) == 12 else None


def _plaintext_item(reader: Reader, session: Session) -> tuple[Field, ...]:
    """A decrypted DLMS block holds one data item (the protected attribute's value)."""
    plaintext = reader.data[reader.pos : reader.end]
    try:
        value = axdr.parse(plaintext)
    except dlms.DlmsDecodeError as error:
        raise GbcsDecodeError(reader.base + reader.pos + error.offset, error.field, error.reason) from None
    reader.pos = reader.end
    field, _ = _Walk(plaintext, reader.base, session).item(value, reader.base, 0)
    return (field,)


def _leaf(value: Data, start: int, tag_size: int) -> tuple[Field, int]:
    """A string, bit-string or fixed-size value, with (`tag_size` 1) or without (0, packed) its tag."""
    if isinstance(value, Fixed):
        name, size = _FIXED[value.type]
        note = cosem.date_time_note(value.raw) if value.type is DataType.DATE_TIME else None
        return node(name, start, tag_size + size, value.raw.hex(), (), note), start + tag_size + size
    if isinstance(value, BitString):
        size = tag_size + length_size(value.bits) + len(value.data)
        return node("bit-string", start, size, value.data.hex(), (), f"{value.bits} bits"), start + size
    if isinstance(value, OctetString):
        raw = value.value
        size = tag_size + length_size(len(raw)) + len(raw)
        return node("octet-string", start, size, raw.hex(), (), _date_time_note(raw)), start + size
    assert isinstance(value, (VisibleString, Utf8String)), value  # `axdr` makes no other leaf
    raw = value.value
    name, encoding = ("visible-string", "ascii") if isinstance(value, VisibleString) else ("utf8-string", "utf-8")
    size = tag_size + length_size(len(raw)) + len(raw)
    try:
        return node(name, start, size, raw.decode(encoding)), start + size
    except UnicodeDecodeError:
        return node(name, start, size, raw.hex(), (), "not valid text; shown as hex"), start + size


# Compact array (tag 19): a type description, then packed values without tags.


def _description_size(description: TypeDescription) -> int:
    if isinstance(description, SimpleType):
        return 1
    if isinstance(description, ArrayType):
        return 3 + _description_size(description.element)
    return 1 + length_size(len(description.members)) + sum(_description_size(m) for m in description.members)


def _describe(description: TypeDescription) -> str:
    if isinstance(description, SimpleType):
        return description.type.label
    if isinstance(description, ArrayType):
        return f"array[{description.count}] of {_describe(description.element)}"
    return "structure{" + ", ".join(_describe(member) for member in description.members) + "}"


def _field_count(description: TypeDescription) -> int:
    """How many fields one packed value laid out by `description` becomes."""
    if isinstance(description, SimpleType):
        return 1
    if isinstance(description, ArrayType):
        return 1 + description.count * _field_count(description.element)
    return 1 + sum(_field_count(member) for member in description.members)


def _packed_size(value: Data, description: TypeDescription) -> int:
    """Bytes of `value` packed by `description` (no tags; strings keep their lengths)."""
    if isinstance(description, SimpleType):
        return _packed(value, description, 0)[1]
    assert isinstance(value, (Array, Structure))  # `axdr` reads a constructed description into one of these
    if isinstance(description, ArrayType):
        return sum(_packed_size(item, description.element) for item in value.items)
    return sum(_packed_size(item, member) for item, member in zip(value.items, description.members, strict=True))


def _packed(value: Data, description: TypeDescription, start: int) -> tuple[Field, int]:
    """The node of one value laid out by `description`, without a tag."""
    if isinstance(description, SimpleType):
        if isinstance(value, Integer):
            name, size = _INTEGERS[value.type]
            return node(name, start, size - 1, value.value), start + size - 1
        if isinstance(value, Boolean):
            return node("boolean", start, 1, value.value), start + 1
        return _leaf(value, start, 0)
    assert isinstance(value, (Array, Structure))
    members = (description.element,) * len(value.items) if isinstance(description, ArrayType) else description.members
    pos = start
    children = []
    for item, member in zip(value.items, members, strict=True):
        field, pos = _packed(item, member, pos)
        children.append(field)
    name = "array" if isinstance(description, ArrayType) else "structure"
    return node(name, start, pos - start, None, tuple(children)), pos
