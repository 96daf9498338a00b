"""The field tree of a whole message, for `commshub decode` (text and `--json`).

Why derived, not recorded while parsing: the encoding is deterministic (minimal
lengths), so every offset follows from the `Message` alone; building the tree only
when someone displays it keeps `parse` fast for the hub, which never displays.
The payload's subtree is the payload decoders' own (`message.payload_tree.root`).
"""

from __future__ import annotations

from protocols.gbcs import registry
from protocols.gbcs.envelope import MAC_SIZE, encode_other_information, encode_signed_part
from protocols.gbcs.lengths import encode_length
from protocols.gbcs.message import Message, OtherInformation, dlms_datetime
from protocols.gbcs.tree import Field

#: Bytes 1-5 of a MAC header: the general-ciphering fields GBCS leaves empty, each a zero length (gbcs.md 3.3).
_EMPTY_GENERAL_CIPHERING_FIELDS = tuple(
    Field(f"{name}-length", at, 1, 0, note="empty")
    for at, name in enumerate(
        ("transaction-id", "originator-system-title", "recipient-system-title", "date-time", "other-information"),
        start=1,
    )
)


def _title(name: str, at: int, value: bytes) -> Field:
    """A system title with its `08` length byte."""
    return Field(name, at, 1 + len(value), value.hex())


def _other_information(info: OtherInformation, at: int) -> Field:
    raw = encode_other_information(info)
    head = len(encode_length(len(raw)))
    entry = registry.lookup(info.message_code)
    pos = at + head
    children = [Field("message-code", pos, 2, info.message_code, note=entry.name if entry else "unknown message code")]
    pos += 2
    parts: list[tuple[str, int | bytes | None, int]] = [
        ("remote-party-id", info.remote_party_id, 8),
        ("remote-party-counter", info.remote_party_counter, 8),
        ("originator-counter", info.originator_counter, 8),
        ("certificate", info.certificate, len(info.certificate or b"")),
    ]
    for name, value, size in parts:
        if value is None:
            continue
        children.append(Field(name, pos, size, value.hex() if isinstance(value, bytes) else value))
        pos += size
    return Field("other-information", at, head + len(raw), None, tuple(children))


def _header_fields(message: Message, at: int) -> tuple[list[Field], int]:
    """Transaction id, titles, date-time and Other Information from offset `at`; returns (fields, end)."""
    fields = [
        Field(
            "transaction-id",
            at,
            10,
            None,
            (
                Field("cra-flag", at + 1, 1, int(message.cra), note=message.cra.label),
                Field("originator-counter", at + 2, 8, message.originator_counter),
            ),
        ),
        _title("originator", at + 10, message.originator),
        _title("recipient", at + 19, message.recipient),
    ]
    pos = at + 28
    raw = message.date_time_raw
    if raw is None:
        fields.append(Field("date-time", pos, 1, None, note="absent"))
        pos += 1
    else:
        when = dlms_datetime(raw)
        fields.append(Field("date-time", pos, 13, raw.hex(), note=when.isoformat() if when else "not fully specified"))
        pos += 13
    other = _other_information(message.other_information, pos)
    fields.append(other)
    return fields, pos + other.size


def describe(message: Message) -> Field:
    """The whole message as one tree: envelope fields, the payload subtree, signature and MAC."""
    return _describe_gbt(message) if message.gbt is not None else _describe_message(message)


def _describe_message(message: Message) -> Field:
    signed_size = len(encode_signed_part(message))
    children: list[Field] = []
    pos = 0
    if message.mac is not None:
        length = encode_length(5 + signed_size + MAC_SIZE)
        size = 7 + len(length) + 5
        children.append(
            Field(
                "mac-header",
                0,
                size,
                None,
                (
                    Field("general-ciphering-tag", 0, 1, "dd"),
                    *_EMPTY_GENERAL_CIPHERING_FIELDS,
                    Field("key-info", 6, 1, "00", note="absent"),
                    Field("ciphered-content-length", 7, len(length), 5 + signed_size + MAC_SIZE),
                    Field("security-control", 7 + len(length), 1, "11"),
                    Field("invocation-counter", 8 + len(length), 4, 0),
                ),
            )
        )
        pos = size
    header_fields, end = _header_fields(message, pos + 1)
    children.append(
        Field("grouping-header", pos, end - pos, None, (Field("general-signing-tag", pos, 1, "df"), *header_fields))
    )
    length = encode_length(len(message.payload))
    children.append(Field("content-length", end, len(length), len(message.payload)))
    pos = end + len(length)
    if message.payload_tree is not None:
        children.append(message.payload_tree.root)
    else:
        children.append(Field("payload", pos, len(message.payload), message.payload.hex(), note="not decoded"))
    pos += len(message.payload)
    if message.signature is None:
        children.append(Field("signature", pos, 0, None, note="no signature field (pre-command)"))
    else:
        note = f"{message.verdicts.signature.value}" if message.signature else "null signature"
        children.append(Field("signature", pos, 1 + len(message.signature), message.signature.hex() or None, note=note))
        pos += 1 + len(message.signature)
    if message.mac is not None:
        children.append(Field("mac", pos, MAC_SIZE, message.mac.hex(), note=message.verdicts.mac.value))
        pos += MAC_SIZE
    return Field("gbcs-message", 0, pos, None, tuple(children), note=message.frame.value)


def _describe_gbt(message: Message) -> Field:
    block = message.gbt
    assert block is not None
    header_fields, pos = _header_fields(message, 1)
    gbt_size = 6 + len(encode_length(len(message.payload))) + len(message.payload)
    length = encode_length(5 + gbt_size)
    routing = Field(
        "routing-header",
        0,
        pos + 1 + len(length) + 5,
        None,
        (
            Field("general-ciphering-tag", 0, 1, "dd"),
            *header_fields,
            Field("key-info", pos, 1, 0),
            Field("ciphered-content-length", pos + 1, len(length), 5 + gbt_size),
            Field("security-control", pos + 1 + len(length), 1, f"{block.security_control:02x}"),
            Field("invocation-counter", pos + 2 + len(length), 4, block.invocation_counter),
        ),
    )
    at = routing.size
    data_length = encode_length(len(message.payload))
    control = Field(
        "block-control",
        at + 1,
        1,
        (0x80 if block.last else 0) | (0x40 if block.streaming else 0) | block.window,
        (
            Field("last-block", at + 1, 1, block.last),
            Field("streaming", at + 1, 1, block.streaming),
            Field("window", at + 1, 1, block.window),
        ),
    )
    gbt_header = Field(
        "gbt-header",
        at,
        6 + len(data_length),
        None,
        (
            Field("gbt-tag", at, 1, "e0"),
            control,
            Field("block-number", at + 2, 2, block.block_number),
            Field("acknowledged-block", at + 4, 2, block.acknowledged),
            Field("block-data-length", at + 6, len(data_length), len(message.payload)),
        ),
    )
    data_at = at + gbt_header.size
    data = Field(
        "block-data", data_at, len(message.payload), message.payload.hex(), note="a slice of the segmented message"
    )
    return Field("gbcs-message", 0, data_at + len(message.payload), None, (routing, gbt_header, data), note="gbt")
