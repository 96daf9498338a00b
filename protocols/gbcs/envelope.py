"""Wire format of the GBCS envelopes (gbcs.md 3.1-3.5, 3.8): bytes <-> `Message`, no crypto.

Three outer forms share one grouping-header core (transaction id, titles, date-time,
Other Information):

- general-signing  `DF 09 ...` + content length + payload + signature field;
- general-ciphering `DD 00 ...` MAC header + the general-signing bytes + 12-byte MAC;
- GBT `DD 09 ...` routing header + one General Block Transfer block (gbcs.md 3.8, unverified
  layout taken from the Wireshark dissector; we send no MAC trailer on blocks).

The structs are declared once with construct and compiled for speed. Compiled code skips
checks (a short read is not an error there), so a compiled result is checked for length
consistency, and on any doubt the checked struct re-parses to say what failed and where
(style.md, "Compile"). Signature-field presence depends on context, so it is read by hand.
`Regions` records where the signed and MACed bytes sit, for `crypto` to check.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from construct import Bytes, Const, Construct, ConstructError, Int8ub, Int16ub, Int32ub, Int64ub, Struct, Tell, this

from protocols.errors import DecodeError, translate
from protocols.fastpath import Explain, checked_parse, compiled_then_checked
from protocols.gbcs.errors import GbcsDecodeError, GbcsEncodeError
from protocols.gbcs.lengths import BerLength, encode_length, read_length
from protocols.gbcs.message import Cra, GbtBlock, Message, OtherInformation

TAG_GENERAL_CIPHERING = 0xDD
TAG_GENERAL_SIGNING = 0xDF
TAG_GBT = 0xE0  #: DLMS general-block-transfer
SECURITY_AUTHENTICATED = 0x11  #: security control of a MAC header (gbcs.md 3.3)
MAC_SIZE = 12
SIGNATURE_SIZE = 64
DATE_TIME_SIZE = 12
TITLE_SIZE = 8
#: security control (1) + invocation counter (4): counted by the ciphered-content length
_SECURITY_HEADER_SIZE = 5

# Transaction id, titles, date-time and Other Information: shared by the grouping header
# (after `DF`) and the GBT routing header (after `DD`).
_TRANSACTION = Struct(
    "transaction_id_length" / Const(b"\x09"),
    "cra" / Int8ub,
    "originator_counter" / Int64ub,
    "originator_length" / Const(b"\x08"),
    "originator" / Bytes(8),
    "recipient_length" / Const(b"\x08"),
    "recipient" / Bytes(8),
    "date_time_length" / Int8ub,
    "date_time" / Bytes(this.date_time_length),
    "other_information_length" / BerLength(),
    "other_information" / Bytes(this.other_information_length),
)

GROUPING_HEADER_STRUCT = Struct(
    "tag" / Const(bytes((TAG_GENERAL_SIGNING,))),
    "header" / _TRANSACTION,
    "content_length" / BerLength(),
    "payload" / Bytes(this.content_length),
    "payload_end" / Tell,
)

_MAC_HEADER = Struct(
    "tag" / Const(bytes((TAG_GENERAL_CIPHERING,))),
    "general_ciphering_fields" / Const(bytes(5)),  # empty transaction id, titles, date-time, other info
    "key_info" / Const(b"\x00"),
    "ciphered_length" / BerLength(),
    "security_control" / Const(bytes((SECURITY_AUTHENTICATED,))),
    "invocation_counter" / Const(bytes(4)),
    "content_start" / Tell,
)

_GBT_MESSAGE = Struct(
    "tag" / Const(bytes((TAG_GENERAL_CIPHERING,))),
    "header" / _TRANSACTION,
    "key_info" / Const(b"\x00"),
    "ciphered_length" / BerLength(),
    "content_start" / Tell,
    "security_control" / Int8ub,
    "invocation_counter" / Int32ub,
    "gbt_tag" / Const(bytes((TAG_GBT,))),
    "block_control" / Int8ub,
    "block_number" / Int16ub,
    "acknowledged" / Int16ub,
    "data_length" / BerLength(),
    "data" / Bytes(this.data_length),
    "end" / Tell,
)

GROUPING_HEADER_COMPILED = GROUPING_HEADER_STRUCT.compile()
_CRAS = {cra.value: cra for cra in Cra}
_MAC_HEADER_FAST = _MAC_HEADER.compile()


@dataclass(frozen=True)
class Regions:
    """Where the parts that crypto covers sit in the message bytes (absolute offsets)."""

    header_start: int  #: the `DF` tag
    payload_start: int
    payload_end: int
    signature_end: int  #: end of the signature field (== payload_end when it is absent)


def _explain(base: int, buf: bytes) -> Explain:
    """How a checked struct's failure on `buf` (at message offset `base`) becomes GbcsDecodeError: the one
    place construct errors become ours."""

    def explain(exc: ConstructError, stream: io.BytesIO) -> Exception:
        err = translate(exc, stream, DecodeError, "gbcs", base)
        field = err.field.replace("(parsing) -> ", "")
        return GbcsDecodeError(min(err.offset, base + len(buf)), field, err.reason)

    return explain


def parse_checked(struct: Construct, buf: bytes, base: int) -> Any:
    """Parse with the checked struct; a failure becomes GbcsDecodeError at `base` + where it stopped."""
    return checked_parse(struct, buf, _explain(base, buf))


def _build(struct: Construct, value: dict[str, Any]) -> bytes:
    """Build with a checked struct; a construct failure (a value we let through) becomes GbcsEncodeError."""
    try:
        return struct.build(value)
    except ConstructError as exc:
        field = (getattr(exc, "path", None) or "?").replace("(building) -> ", "")
        raise GbcsEncodeError(field, str(exc).splitlines()[-1]) from None


def parse_fast(compiled: Any, struct: Construct, buf: bytes, base: int, sized: tuple[str, str] | None = None) -> Any:
    """Parse with the compiled struct; fall back to the checked one when it fails or reads short.

    `sized` names the last variable-size field and the field holding its declared size:
    compiled code does not notice a short read there, so the two are compared here.
    """
    result = compiled_then_checked(compiled, struct, buf, _explain(base, buf))
    if sized is not None and len(result[sized[0]]) != result[sized[1]]:
        return parse_checked(struct, buf, base)
    return result


def _transaction_fields(header_fields: Any, at: int) -> dict[str, Any]:
    """Message fields from a parsed `_TRANSACTION` (a dict: item access is the fast path).

    Refuses values the structs let through; `at` is the offset of the transaction-id length.
    """
    cra = header_fields["cra"]
    if not 1 <= cra <= 3:
        raise GbcsDecodeError(at + 1, "cra", f"CRA flag {cra} is not 1 (command), 2 (response) or 3 (alert)")
    date_time = header_fields["date_time"]
    if len(date_time) not in (0, DATE_TIME_SIZE):
        raise GbcsDecodeError(at + 28, "date_time_length", f"date-time length {len(date_time)} is not 0 or 12")
    other_raw = header_fields["other_information"]
    other_at = at + 29 + len(date_time) + len(encode_length(len(other_raw)))  # after its length field
    return {
        "cra": _CRAS[cra],
        "originator_counter": header_fields["originator_counter"],
        "originator": header_fields["originator"],
        "recipient": header_fields["recipient"],
        "other_information": decode_other_information(other_raw, other_at),
        "date_time_raw": date_time or None,
    }


def _is_der_sequence(raw: bytes) -> bool:
    """True when `raw` is exactly one DER SEQUENCE (tag, minimal length, contents to the end)."""
    if len(raw) < 2 or raw[0] != 0x30:
        return False
    try:
        size, pos = read_length(raw, 1, "certificate")
    except GbcsDecodeError:
        return False
    return pos + size == len(raw)


def decode_other_information(raw: bytes, at: int) -> OtherInformation:
    """Other Information (gbcs.md 3.5): the cumulative forms of 2, 10, 18 and 26 bytes, or a certificate tail."""
    size = len(raw)
    if size < 2:
        raise GbcsDecodeError(at, "other_information", f"{size} bytes: too short for the 2-byte message code")
    code = int.from_bytes(raw[0:2], "big")
    if size == 2:
        return OtherInformation(code)
    if size < 10:
        raise GbcsDecodeError(at + 2, "other_information.remote_party_id", f"{size - 2} bytes where 8 are needed")
    party = raw[2:10]
    if size == 10:
        return OtherInformation(code, party)
    if size < 18:
        raise GbcsDecodeError(
            at + 10, "other_information.remote_party_counter", f"{size - 10} bytes where 8 are needed"
        )
    counter = int.from_bytes(raw[10:18], "big")
    rest, originator_counter = raw[18:], None
    if len(rest) == 8 or (len(rest) > 8 and not _is_der_sequence(rest)):
        originator_counter, rest = int.from_bytes(rest[:8], "big"), rest[8:]
    if rest and not _is_der_sequence(rest):
        where = at + size - len(rest)
        if len(rest) < 8 and originator_counter is None:
            raise GbcsDecodeError(
                where, "other_information.originator_counter", f"{len(rest)} bytes where 8 are needed"
            )
        raise GbcsDecodeError(where, "other_information.certificate", "trailing bytes are not one DER SEQUENCE")
    return OtherInformation(code, party, counter, originator_counter, rest or None)


def encode_other_information(info: OtherInformation) -> bytes:
    """The bytes of Other Information; refuses forms out of order (a counter without an ID, ...).

    Also refuses the two values whose bytes would decode as something else, so every
    value it encodes decodes back unchanged: an 8-byte certificate (read as an originator
    counter) and an originator counter whose bytes, followed by the certificate, form one
    DER SEQUENCE (e.g. counter 0x3008000000000000 + certificate `30 00`, read as a
    certificate alone). `decode_other_information` prefers the certificate-alone reading
    because that is the form RTDS carries (gbcs.md 3.5: URP commands).
    """
    if not 0 <= info.message_code <= 0xFFFF:
        raise GbcsEncodeError("other_information.message_code", f"{info.message_code} is not a u16")
    parts = [info.message_code.to_bytes(2, "big")]
    chain = (
        ("remote_party_id", info.remote_party_id),
        ("remote_party_counter", info.remote_party_counter),
        ("originator_counter", info.originator_counter),
    )
    missing = None
    for name, value in chain:
        if value is None:
            missing = missing or name
            continue
        if missing:
            raise GbcsEncodeError(f"other_information.{name}", f"needs {missing} before it (gbcs.md 3.5)")
        if isinstance(value, bytes):
            if len(value) != TITLE_SIZE:
                raise GbcsEncodeError(f"other_information.{name}", f"{len(value)} bytes, not 8")
            parts.append(value)
        else:
            parts.append(_u64(value, f"other_information.{name}"))
    if info.certificate is not None:
        if info.remote_party_counter is None:
            raise GbcsEncodeError("other_information.certificate", "needs remote_party_counter before it")
        if len(info.certificate) == 8 or not _is_der_sequence(info.certificate):
            raise GbcsEncodeError("other_information.certificate", "not one DER SEQUENCE (of a size other than 8)")
        if info.originator_counter is not None and _is_der_sequence(parts[-1] + info.certificate):
            # decode reads a tail that is one DER SEQUENCE as a certificate alone (the RTDS URP form)
            reason = "its 8 bytes and the certificate read back as one DER SEQUENCE (a certificate alone)"
            raise GbcsEncodeError("other_information.originator_counter", reason)
        parts.append(info.certificate)
    return b"".join(parts)


def _u64(value: int, name: str) -> bytes:
    if not isinstance(value, int) or not 0 <= value < 1 << 64:
        raise GbcsEncodeError(name, f"{value!r} is not a u64")
    return value.to_bytes(8, "big")


def _decode_grouping(data: bytes, start: int, end: int, mac: bytes | None) -> tuple[Message, Regions]:
    """The general-signing part in data[start:end] (through the signature field), inside a MAC header or not."""
    parsed = parse_fast(
        GROUPING_HEADER_COMPILED, GROUPING_HEADER_STRUCT, data[start:end], start, ("payload", "content_length")
    )
    fields = _transaction_fields(parsed["header"], start + 1)
    payload = parsed["payload"]
    payload_end = start + parsed["payload_end"]
    signature: bytes | None
    if payload_end == end:
        signature, signature_end = None, end
    else:
        size = data[payload_end]
        if size not in (0, SIGNATURE_SIZE):
            raise GbcsDecodeError(payload_end, "signature_length", f"signature length {size} is not 0 or 64")
        signature_end = payload_end + 1 + size
        if signature_end > end:
            raise GbcsDecodeError(end, "signature", f"signature needs {size} bytes, {end - payload_end - 1} remain")
        if signature_end < end:
            raise GbcsDecodeError(signature_end, "signature", f"{end - signature_end} unexpected bytes after it")
        signature = data[payload_end + 1 : signature_end]
    message = Message(payload=payload, signature=signature, mac=mac, **fields)
    return message, Regions(start, payload_end - len(payload), payload_end, signature_end)


def _decode_ciphering(data: bytes) -> tuple[Message, Regions]:
    header = parse_fast(_MAC_HEADER_FAST, _MAC_HEADER, data, 0)
    start, ciphered_length = header["content_start"], header["ciphered_length"]
    declared_end = start - _SECURITY_HEADER_SIZE + ciphered_length
    if declared_end > len(data):
        raise GbcsDecodeError(
            len(data), "ciphered_length", f"ciphered content of {ciphered_length} bytes runs past the end"
        )
    if declared_end < len(data):
        raise GbcsDecodeError(
            declared_end, "ciphered_length", f"{len(data) - declared_end} bytes after the ciphered content"
        )
    if declared_end - start < MAC_SIZE + 1:
        raise GbcsDecodeError(start, "ciphered_length", "ciphered content too short for a grouping header and MAC")
    return _decode_grouping(data, start, len(data) - MAC_SIZE, data[-MAC_SIZE:])


def _decode_gbt(data: bytes) -> tuple[Message, Regions]:
    parsed = parse_checked(_GBT_MESSAGE, data, 0)
    fields = _transaction_fields(parsed.header, 1)
    declared_end = parsed.content_start + parsed.ciphered_length
    if declared_end != parsed.end:
        raise GbcsDecodeError(min(declared_end, len(data)), "ciphered_length", "does not match the GBT block's size")
    if parsed.end != len(data):
        raise GbcsDecodeError(parsed.end, "data", f"{len(data) - parsed.end} bytes after the GBT block")
    if parsed.block_number == 0:
        raise GbcsDecodeError(parsed.content_start + 6, "block_number", "GBT blocks are numbered from 1")
    control = parsed.block_control
    block = GbtBlock(
        block_number=parsed.block_number,
        last=bool(control & 0x80),
        streaming=bool(control & 0x40),
        window=control & 0x3F,
        acknowledged=parsed.acknowledged,
        security_control=parsed.security_control,
        invocation_counter=parsed.invocation_counter,
    )
    message = Message(payload=parsed.data, signature=None, mac=None, gbt=block, **fields)
    data_start = len(data) - len(parsed.data)
    return message, Regions(0, data_start, len(data), len(data))


def decode(data: bytes) -> tuple[Message, Regions]:
    """Split `data` into a `Message` (no verdicts, no payload tree) and the regions crypto covers."""
    if not data:
        raise GbcsDecodeError(0, "tag", "empty input")
    tag = data[0]
    if tag == TAG_GENERAL_SIGNING:
        return _decode_grouping(data, 0, len(data), None)
    if tag == TAG_GENERAL_CIPHERING:
        if len(data) < 2:
            raise GbcsDecodeError(1, "transaction_id_length", "input ends after the DD tag")
        return _decode_ciphering(data) if data[1] == 0 else _decode_gbt(data)
    raise GbcsDecodeError(
        0, "tag", f"first byte {tag:#04x} is neither DD (general-ciphering, GBT) nor DF (general-signing)"
    )


def _transaction(message: Message) -> dict[str, Any]:
    """The build dict of the shared transaction part, with the checks construct would not make."""
    if message.cra not in (1, 2, 3):
        raise GbcsEncodeError("cra", f"{message.cra!r} is not 1, 2 or 3")
    for name in ("originator", "recipient"):
        if len(getattr(message, name)) != TITLE_SIZE:
            raise GbcsEncodeError(name, "a system title is 8 bytes")
    date_time = message.date_time_raw or b""
    if len(date_time) not in (0, DATE_TIME_SIZE):
        raise GbcsEncodeError("date_time_raw", "a date-time is 12 bytes (or None)")
    other = encode_other_information(message.other_information)
    return dict(
        cra=int(message.cra),
        originator_counter=int.from_bytes(_u64(message.originator_counter, "originator_counter"), "big"),
        originator=message.originator,
        recipient=message.recipient,
        date_time_length=len(date_time),
        date_time=date_time,
        other_information_length=len(other),
        other_information=other,
    )


def encode_signed_part(message: Message) -> bytes:
    """`DF` + grouping header + payload + signature field: the general-signing form."""
    signature = message.signature
    if signature is not None and len(signature) not in (0, SIGNATURE_SIZE):
        raise GbcsEncodeError("signature", f"{len(signature)} bytes: a signature is 64 bytes, or empty, or None")
    body = _build(
        GROUPING_HEADER_STRUCT,
        dict(header=_transaction(message), content_length=len(message.payload), payload=message.payload),
    )
    if signature is None:
        return body
    return body + bytes((len(signature),)) + signature


def mac_header(content_size: int) -> bytes:
    """The general-ciphering MAC header for a grouping header of `content_size` bytes (signature field included)."""
    return _build(_MAC_HEADER, dict(ciphered_length=_SECURITY_HEADER_SIZE + content_size + MAC_SIZE))


def encode(message: Message) -> bytes:
    """The wire bytes of `message` as it stands (no signing or MACing: see `protocols.gbcs.seal`)."""
    if message.gbt is not None:
        return _encode_gbt(message)
    signed = encode_signed_part(message)
    if message.mac is None:
        return signed
    if len(message.mac) != MAC_SIZE:
        raise GbcsEncodeError("mac", f"{len(message.mac)} bytes: a MAC is 12 bytes")
    return mac_header(len(signed)) + signed + message.mac


def _encode_gbt(message: Message) -> bytes:
    block = message.gbt
    assert block is not None
    if not 1 <= block.block_number <= 0xFFFF or not 0 <= block.acknowledged <= 0xFFFF:
        raise GbcsEncodeError("gbt.block_number", "block numbers are 1..65535 (acknowledged 0..65535)")
    if not 0 <= block.window <= 0x3F:
        raise GbcsEncodeError("gbt.window", "the window is 6 bits")
    control = (0x80 if block.last else 0) | (0x40 if block.streaming else 0) | block.window
    data = message.payload
    gbt_size = 6 + len(encode_length(len(data))) + len(data)
    return _build(
        _GBT_MESSAGE,
        dict(
            header=_transaction(message),
            ciphered_length=_SECURITY_HEADER_SIZE + gbt_size,
            security_control=block.security_control,
            invocation_counter=block.invocation_counter,
            block_control=control,
            block_number=block.block_number,
            acknowledged=block.acknowledged,
            data_length=len(data),
            data=data,
        ),
    )
