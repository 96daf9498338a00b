"""ASN.1 DER payloads (gbcs.md 5.4): CS02-CS09, CS14's ASN.1 siblings, GCS28/59/62, CCS08.

Why two steps: any DER is first walked generically into TLV nodes (so an
unknown structure is still fully decoded, byte for byte), then a per-use-case
*schema* - a small declarative table keyed by (message code, CRA) - names the
nodes it recognises. A schema that does not match leaves generic names rather
than failing: naming is for people, decoding is for correctness.

Node names: the schema's name, else the universal type (`SEQUENCE`, `INTEGER`)
or `[n]` for context-specific tags; the note carries the ASN.1 type and, for
enumerated values, their meaning. Names marked "from gbcs-parser" in gbcs.md are
used as given; the others are descriptive and listed in docs/gbcs-payloads.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.lengths import PAYLOAD, read_length
from protocols.gbcs.payload.reader import MAX_DEPTH, FieldBudget, Reader, node
from protocols.gbcs.tree import Field, JsonValue

_UNIVERSAL = {
    0x01: "BOOLEAN",
    0x02: "INTEGER",
    0x03: "BIT STRING",
    0x04: "OCTET STRING",
    0x05: "NULL",
    0x06: "OBJECT IDENTIFIER",
    0x0A: "ENUMERATED",
    0x0C: "UTF8String",
    0x13: "PrintableString",
    0x16: "IA5String",
    0x17: "UTCTime",
    0x18: "GeneralizedTime",
    0x1A: "VisibleString",
    0x30: "SEQUENCE",
    0x31: "SET",
}
_TEXT_TAGS = frozenset((0x0C, 0x13, 0x16, 0x17, 0x18, 0x1A))

#: Object identifiers met in the certificates RTDS carries (RFC 5280, RFC 5480, GBCS OU/CN use).
_OIDS = {
    "1.2.840.10045.2.1": "id-ecPublicKey",
    "1.2.840.10045.3.1.7": "prime256v1",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "2.5.4.3": "commonName",
    "2.5.4.11": "organizationalUnitName",
    "2.5.4.45": "x500UniqueIdentifier",
    "2.5.29.14": "subjectKeyIdentifier",
    "2.5.29.15": "keyUsage",
    "2.5.29.17": "subjectAltName",
    "2.5.29.19": "basicConstraints",
    "2.5.29.32": "certificatePolicies",
    "2.5.29.35": "authorityKeyIdentifier",
}
#: X.509 KeyUsage bits, most significant first (RFC 5280 4.2.1.3); GBCS uses it for trust-anchor cells.
_KEY_USAGE_BITS = (
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
)


@dataclass(frozen=True)
class Spec:
    """How to name one DER node: `tag` None matches any tag; `members` name a SEQUENCE's
    children in order (optional ones may be skipped); `item` names every child of a SEQUENCE OF."""

    name: str
    tag: int | None = None
    members: tuple[Spec, ...] = ()
    item: Spec | None = None
    values: Mapping[int, str] | None = None
    optional: bool = False
    as_int: bool = False  #: an implicitly tagged INTEGER: show the content as a number
    hex_note: bool = False  #: note the integer in hex too (alert codes read as 0x8F66)


# ---------------------------------------------------------------------------------------------
# Generic DER walk


def _tlv(
    data: bytes, pos: int, end: int, base: int, depth: int, spec: Spec | None, budget: FieldBudget
) -> tuple[Field, int]:
    """The TLV at `pos` as a named node (one pass: header, then contents or children)."""
    if depth > MAX_DEPTH:
        raise GbcsDecodeError(base + pos, "der", f"nesting deeper than {MAX_DEPTH}")
    budget.spend(1, base + pos, "der")
    start = pos
    tag, pos = _tag(data, pos, end, base)
    if pos < end and data[pos] < 0x80:  # the short form, inline: every TLV comes here
        length, pos = data[pos], pos + 1
    else:  # DER: no indefinite form (0x80)
        length, pos = read_length(data, pos, "length", rule=PAYLOAD, end=end, base=base)
    stop = pos + length
    if stop > end:
        raise GbcsDecodeError(base + pos, "contents", f"needs {length} byte(s), only {end - pos} left")
    if spec is not None and (not spec.name or (spec.tag is not None and spec.tag != tag)):
        spec = None
    label = _UNIVERSAL.get(tag) or _type_label(tag)
    if tag & (0x20 << (8 * _extra_tag_bytes(tag))):
        children = []
        members = spec.members if spec is not None else ()
        item = spec.item if spec is not None else None
        i = 0
        while pos < stop:
            child_spec = item
            if members:
                child_tag = data[pos]
                while i < len(members) and members[i].optional and members[i].tag not in (None, child_tag):
                    i += 1
                if i < len(members) and members[i].tag in (None, child_tag):
                    child_spec = members[i]
                    i += 1
            child, pos = _tlv(data, pos, stop, base, depth + 1, child_spec, budget)
            children.append(child)
        if spec is None:
            return node(label, base + start, stop - start, None, tuple(children)), stop
        return node(spec.name, base + start, stop - start, None, tuple(children), label), stop
    content = data[pos:stop]
    value, note = _primitive_value(tag, content, base + start)
    if spec is None:
        return node(label, base + start, stop - start, value, (), note), stop
    if spec.as_int and content:
        value = int.from_bytes(content, "big", signed=True)
    if spec.values is not None and isinstance(value, int):
        note = spec.values.get(value, note)
    elif spec.hex_note and isinstance(value, int):
        note = f"0x{value:04X}"
    elif spec.name == "key-usage" and tag == 0x03:
        note = _key_usage_note(content)
    return node(spec.name, base + start, stop - start, value, (), f"{label}: {note}" if note else label), stop


def _tag(data: bytes, pos: int, end: int, base: int) -> tuple[int, int]:
    """An identifier octet, or (high tag number form) up to 4 of them."""
    if pos >= end:
        raise GbcsDecodeError(base + pos, "tag", "needs 1 byte, none left")
    tag = data[pos]
    pos += 1
    if tag & 0x1F != 0x1F:
        return tag, pos
    for _ in range(3):
        if pos >= end:
            raise GbcsDecodeError(base + pos, "tag", "truncated high tag number")
        byte = data[pos]
        pos += 1
        tag = (tag << 8) | byte
        if not byte & 0x80:
            return tag, pos
    raise GbcsDecodeError(base + pos, "tag", "tag longer than 4 bytes")


def _extra_tag_bytes(tag: int) -> int:
    """Identifier octets after the first (high tag number form)."""
    return max(tag.bit_length() - 1, 0) // 8


def _primitive_value(tag: int, content: bytes, at: int) -> tuple[JsonValue, str | None]:
    """(value, note) of a primitive universal type; unknown tags give their contents in hex."""
    if tag == 0x02 or tag == 0x0A:
        if not content:
            raise GbcsDecodeError(at, _UNIVERSAL[tag], "empty integer")
        return int.from_bytes(content, "big", signed=True), None
    if tag == 0x01:
        return content != b"\x00" * len(content) if content else None, None
    if tag == 0x05:
        return None, None
    if tag == 0x06:
        dotted = _oid(content)
        return dotted, _OIDS.get(dotted)
    if tag == 0x03:
        return content.hex(), _bit_string_note(content)
    if tag in _TEXT_TAGS:
        try:
            return content.decode("utf-8"), None
        except UnicodeDecodeError:
            return content.hex(), "not valid text; shown as hex"
    return content.hex(), None


def _oid(content: bytes) -> str:
    arcs: list[int] = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs:
        return ""
    first = min(arcs[0] // 40, 2)
    return ".".join(str(arc) for arc in [first, arcs[0] - 40 * first, *arcs[1:]])


def _bit_string_note(content: bytes) -> str | None:
    if not content:
        return None
    unused = content[0]
    return f"{len(content[1:]) * 8 - unused} bits" if unused < 8 else "bad unused-bit count"


def _key_usage_note(content: bytes) -> str | None:
    bits = int.from_bytes(content[1:], "big") if len(content) > 1 else 0
    width = (len(content) - 1) * 8
    names = [name for i, name in enumerate(_KEY_USAGE_BITS) if i < width and bits >> (width - 1 - i) & 1]
    return ", ".join(names) or None


def _type_label(tag: int) -> str:
    universal = _UNIVERSAL.get(tag)
    if universal is not None:
        return universal
    cls = ("universal", "application", "", "private")[tag >> (6 + 8 * _extra_tag_bytes(tag)) & 3]
    number = tag & 0x1F if tag < 0x100 else tag & 0x7F
    return f"{cls + ' ' if cls else ''}[{number}]"


def decode(reader: Reader, message_code: int, cra: int) -> Field:
    """Every TLV up to the end of `r`, named by the schema for (message code, CRA) when there is one."""
    start = reader.offset
    if reader.pos >= reader.end:
        raise reader.fail("asn1", "empty payload")
    spec = _SCHEMAS.get((message_code, cra))
    children: list[Field] = []
    while reader.pos < reader.end:
        child, reader.pos = _tlv(
            reader.data, reader.pos, reader.end, reader.base, 0, spec if not children else None, reader.budget
        )
        children.append(child)
    note = None if spec is not None else "no schema for this message code; generic DER names"
    return node("asn1", start, reader.offset - start, None, tuple(children), note)


# ---------------------------------------------------------------------------------------------
# Schemas (gbcs.md 5.4; role and device-type values gbcs.md 2.1/2.2)

_ROLES = {
    0: "root",
    1: "recovery",
    2: "supplier",
    3: "networkOperator",
    4: "accessControlBroker",
    5: "transitionalCoS",
    6: "wanProvider",
    7: "issuingAuthority",
    127: "other",
}
_DEVICE_TYPES = {0: "GSME", 1: "ESME", 2: "CHF", 3: "GPF", 4: "HCALCS", 5: "PPMID", 6: "Type 2"}
_JOIN_METHODS = {0: "method A initiator", 1: "method A responder", 2: "method B", 3: "method C"}
_FIRMWARE_OUTCOMES = {0: "success", 1: "image discarded", 2: "hardware mismatch", 3: "transfer failure"}
_CLOCK_RELIABILITY = {0: "reliable", 1: "invalid", 2: "unreliable"}
_UNJOIN_RESPONSES = {0: "success", 1: "not in device log", 2: "other"}
_JOIN_RESPONSES = {0: "success", 13: "no CBKE response"}

_INTEGER, _OCTETS, _TIME, _NULL_TAG, _SEQ = 0x02, 0x04, 0x18, 0x05, 0x30


def _seq(name: str, *members: Spec, optional: bool = False, tag: int = _SEQ) -> Spec:
    return Spec(name, tag, members=members, optional=optional)


def _seq_of(name: str, item: Spec, optional: bool = False) -> Spec:
    return Spec(name, _SEQ, item=item, optional=optional)


def _int(name: str, values: Mapping[int, str] | None = None, optional: bool = False) -> Spec:
    return Spec(name, _INTEGER, values=values, optional=optional)


def _octets(name: str, optional: bool = False) -> Spec:
    return Spec(name, _OCTETS, optional=optional)


def _time(name: str, optional: bool = False) -> Spec:
    return Spec(name, _TIME, optional=optional)


_ALERT_CODE = Spec("alert-code", _INTEGER, hex_note=True)
_GENERIC = Spec("")  #: holds a place in a SEQUENCE but keeps the generic names
_ALERT_TIME = _time("alert-time")
_ROLE = _int("remote-party-role", _ROLES)
_KEY_USAGE = Spec("key-usage", 0x03)
_CELL = _seq("trust-anchor-cell", _ROLE, _KEY_USAGE)
_CERTIFICATE = _seq(
    "certificate",
    _seq(
        "tbs-certificate",
        Spec("version", 0xA0, optional=True),
        _int("serial-number"),
        _seq("signature-algorithm"),
        _seq("issuer"),
        _seq("validity"),
        _seq("subject"),
        _seq("subject-public-key-info"),
        Spec("extensions", 0xA3, optional=True),
    ),
    _seq("signature-algorithm"),
    Spec("signature-value", 0x03),
)
_DEVICE_ENTRY = _seq("device", _octets("device-id"), _int("device-type", _DEVICE_TYPES))

_CS02A_COMMAND = _seq("provide-security-credentials-details", _CELL, _seq_of("remote-party-roles", _ROLE))
_CS02A_RESPONSE = _seq_of(
    "security-credentials-details",
    _seq(
        "remote-party-details",
        _ROLE,
        Spec("status", 0x0A),
        _int("sequence-number", optional=True),
        _seq_of(
            "trust-anchor-cells",
            _seq(
                "trust-anchor-cell-details", _KEY_USAGE, _octets("subject-unique-id"), _octets("subject-key-identifier")
            ),
            optional=True,
        ),
    ),
)
_CS02B_COMMAND = _seq(
    "update-security-credentials",
    _seq(
        "authorising-remote-party-control",
        _int("credentials-replacement-mode"),
        Spec("[0]", 0x80, optional=True),
        Spec("[1]", 0x81, optional=True),
        _seq("authorising-party-trust-anchor-cell", _ROLE, _KEY_USAGE, optional=True, tag=0xA2),
        Spec("authorising-party-sequence-number", 0x83, as_int=True),
        Spec("floor-sequence-number", 0x84, as_int=True, optional=True),
        Spec("floor-sequence-numbers-[5]", 0xA5, optional=True),
        Spec("floor-sequence-numbers-[6]", 0xA6, optional=True),
    ),
    _seq_of("replacements", _seq("replacement", _CERTIFICATE, _seq("target-trust-anchor-cell", *_CELL.members))),
    _seq_of("certification-path-certificates", _CERTIFICATE),
    _time("execution-date-time", optional=True),
)
_CS02B_OUTCOME = _seq(
    "execution-outcome",
    _int("originator-counter"),
    _int("credentials-replacement-mode"),
    _GENERIC,  # a SEQUENCE of per-role sequence numbers [?]: generic names
    _seq_of(
        "replacement-outcomes",
        _seq("replacement-outcome", _seq("trust-anchor-cell", _ROLE, _KEY_USAGE), Spec("status", 0x0A)),
    ),
)
_CS02B_RESPONSE = _seq("update-security-credentials-response", Spec("accepted", _NULL_TAG), _CS02B_OUTCOME)
_FIRMWARE_ACTIVATION = _seq(
    "activate-firmware", _octets("image-hash"), _int("originator-counter"), _time("execution-date-time", optional=True)
)

_SCHEMAS: dict[tuple[int, int], Spec] = {
    # CS02a / CS02f provide security credentials details
    **{(code, 1): _CS02A_COMMAND for code in (0x0008, 0x011B)},
    **{(code, 2): _CS02A_RESPONSE for code in (0x0008, 0x011B)},
    # CS02b / CS02g update security credentials, and their future-dated alerts
    **{(code, 1): _CS02B_COMMAND for code in (*range(0x0100, 0x010A), 0x0125, 0x0126)},
    **{(code, 2): _CS02B_RESPONSE for code in (*range(0x0100, 0x010A), 0x0125, 0x0126)},
    **{
        (code, 3): _seq("credentials-update-alert", _ALERT_CODE, _ALERT_TIME, _CS02B_OUTCOME)
        for code in (0x00CB, 0x0124)
    },
    # CS02d update device certificate
    (0x000B, 1): _CERTIFICATE,
    (0x000B, 2): _int("response-code", {0: "success"}),
    # CS03 join, CS04 unjoin
    **{
        (code, 1): _seq(
            "join-device",
            _int("join-method-and-role", _JOIN_METHODS),
            _octets("other-device-id"),
            _int("other-device-type", _DEVICE_TYPES),
            _seq("other-device-ka-certificate", *_CERTIFICATE.members, optional=True),
        )
        for code in (0x000D, 0x000E, 0x00AB, 0x00AF)
    },
    **{(code, 2): _int("join-response-code", _JOIN_RESPONSES) for code in (0x000D, 0x000E, 0x00AB, 0x00AF)},
    **{(code, 1): _octets("unjoin-entity-id") for code in (0x000F, 0x0010)},
    **{(code, 2): _int("unjoin-response-code", _UNJOIN_RESPONSES) for code in (0x000F, 0x0010)},
    # CS06 activate firmware
    (0x0012, 1): _FIRMWARE_ACTIVATION,
    (0x0012, 2): Spec("activation-response", None, members=(_int("response-code"), _octets("firmware-version"))),
    (0x00CA, 3): _seq(
        "firmware-activation-alert", _ALERT_CODE, _ALERT_TIME, _int("originator-counter"), _seq("activation-outcome")
    ),
    # CS07 read device join details
    (0x0013, 1): Spec("read-device-join-details", _NULL_TAG),
    (0x0013, 2): _seq(
        "device-join-details", _int("response-code"), _seq_of("joined-devices", _DEVICE_ENTRY, optional=True)
    ),
    # CS08 read PPMID/HCALCS firmware version, CS09 its alert, CCS08 firmware transfer alert
    (0x0129, 1): Spec("read-firmware-version", _NULL_TAG),
    (0x0129, 2): _seq("firmware-version-details", _octets("firmware-version"), _int("response-code")),
    (0x012B, 3): _seq("firmware-version-alert", _ALERT_CODE, _ALERT_TIME, _octets("firmware-version"), _int("code")),
    (0x0128, 3): _seq(
        "firmware-transfer-alert",
        _ALERT_CODE,
        _ALERT_TIME,
        _octets("device-id"),
        _octets("firmware-version"),
        _int("transfer-outcome", _FIRMWARE_OUTCOMES),
    ),
    # GCS28 set clock, GCS59 restore and GCS62 back up the GPF device log
    (0x007F, 1): _seq("set-clock", _time("validity-start"), _time("validity-end")),
    (0x007F, 2): _seq("clock-response", _time("device-time"), _int("clock-reliability", _CLOCK_RELIABILITY)),
    (0x008C, 1): _seq("restore-gpf-device-log", _seq_of("devices", _DEVICE_ENTRY)),
    (0x008C, 2): _seq(
        "restore-gpf-device-log-response",
        _seq_of("results", _seq("result", _DEVICE_ENTRY, _int("join-response-code", _JOIN_RESPONSES))),
    ),
    (0x00B2, 3): _seq("gpf-device-log-backup-alert", _ALERT_CODE, _ALERT_TIME, _seq_of("devices", _DEVICE_ENTRY)),
}
