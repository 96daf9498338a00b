"""Alert payloads with use-case layouts (gbcs.md 5.5; meters.md 5.1-5.2): one table, and the naming it drives.

Why a separate module: an alert is decoded by its family's codec (`protocols.dlms`,
`protocols.gbz`, `protocols.gbcs.der`) and then needs use-case knowledge keyed by message
code (and, for the generic 0x1000 / 0x1001 codes, by alert code): which structure member is
which, which octet string packs a record, which GBZ alert carries a body instead of
components. That knowledge is the `LAYOUTS` table below, which also generates the table in
docs/gbcs-payloads.md (a test keeps the two equal).

- DLMS: the data-notification body is `structure{ alert code, date-time, members... }`;
  `name_dlms_alert` renames its members and splits the records packed in octet strings
  (read by their typed codecs, `protocols.gbcs.alert_records`) into named fields.
- GBZ: `gbz_body_fields` places the fields of a typed body (`protocols.gbz.alerts`).
- ASN.1: the CS alerts' schemas live with the other CS schemas in `asn1`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from protocols.gbcs import alert_records as records
from protocols.gbcs.payload import cosem
from protocols.gbcs.payload.reader import node, renamed
from protocols.gbcs.tree import Field

if TYPE_CHECKING:
    from protocols.gbz.alerts import AlertBody

GENERIC_CRITICAL, GENERIC_NON_CRITICAL = 0x1000, 0x1001


@dataclass(frozen=True, slots=True)
class AlertLayout:
    """One special alert layout: what GBCS puts after the alert code and time stamp."""

    message_codes: tuple[int, ...]
    use_case: str
    family: str  #: "DLMS", "GBZ" or "ASN.1"
    alert_codes: str
    fields: str  #: the members after code and time, in order (names as the decoded tree shows them)
    source: str
    members: tuple[str, ...] = ()  #: DLMS: tree names of the structure members after code and time
    generic_alert_codes: tuple[int, ...] = ()  #: under 0x1000 / 0x1001: the alert codes this layout is for


#: Every alert layout GBCS defines beyond "alert code and time only" (gbcs.md 5.4-5.5, meters.md 5.2).
LAYOUTS: tuple[AlertLayout, ...] = (
    AlertLayout(
        (0x0018,), "CS14 device log changed", "DLMS", "0x8F12",
        "`device-log-change`: the CHF device-log entry structure", "gbcs.md 5.6-5.7; RTDS",
        ("device-log-change",),
    ),
    AlertLayout(
        (0x0061,), "ECS68 ESME billing data log", "DLMS", "0x8F0A",
        "`protection-parameters` (array), `protected-data` (gbcs.md 4.4 block; plaintext: the latest billing-data-log"
        " entry)", "gbcs.md 5.5, meters.md 5.2; RTDS", ("protection-parameters", "protected-data"),
    ),
    AlertLayout(
        (0x0067,), "ECS80 supply outage restored", "DLMS", "0x8F35-0x8F3C",
        "`interruption-date-time`, `restoration-date-time` (octet-string(12) each)", "gbcs.md 5.5, meters.md 5.2; RTDS",
        ("interruption-date-time", "restoration-date-time"),
    ),
    AlertLayout(
        (0x00CC,), "future-dated execution outcome (DLMS)", "DLMS", "0x8F66 / 0x8F67",
        "`future-dated-details` os(19): `message-code`, `originator-counter`, `class-id`, `instance-id`,"
        " `attribute-id`", "gbcs.md 5.5, meters.md 5.2 (gbcs-parser); RTDS", ("future-dated-details",),
    ),
    AlertLayout(
        (0x00CE,), "firmware distribution receipt (DLMS)", "DLMS", "0x8F72 / 0x8F1C",
        "`calculated-image-hash` os(32)", "gbcs.md 5.5, meters.md 5.2 (gbcs-parser, Wireshark); RTDS",
        ("calculated-image-hash",),
    ),
    AlertLayout(
        (0x00D5,), "failure to deliver a remote-party message to the ESME", "DLMS", "0x8F84",
        "`undelivered-message` os(25): `originator`, `target`, `cra-flag`, `originator-counter`",
        "gbcs.md 5.5, meters.md 5.2 (gbcs-parser)", ("undelivered-message",),
    ),
    AlertLayout(
        (0x00F0,), "ESME integrity warning", "DLMS", "0x81A0",
        "`integrity-reason`: os(2) split into the reason, or the reason as an integer", "meters.md 5.2 (Wireshark)",
        ("integrity-reason",),
    ),
    AlertLayout(
        (0x0110,), "DBCH06 limited duty cycle action taken", "DLMS", "0x8F20", "`device-id`", "gbcs.md 5.6; RTDS",
        ("device-id",),
    ),
    AlertLayout(
        (0x0111,), "DBCH07 sub-GHz channel changed", "DLMS", "0x8F26", "`channel-change`", "gbcs.md 5.6; RTDS",
        ("channel-change",),
    ),
    AlertLayout(
        (0x0112,), "DBCH08 sub-GHz channel scan assessment", "DLMS", "0x8F28", "`scan-assessment`",
        "gbcs.md 5.6; RTDS", ("scan-assessment",),
    ),
    AlertLayout(
        (0x0113,), "DBCH09 sub-GHz configuration changed", "DLMS", "0x8F2A", "`sub-ghz-configuration`",
        "gbcs.md 5.6; RTDS", ("sub-ghz-configuration",),
    ),
    AlertLayout(
        (0x0114,), "DBCH10 message discarded (duty cycle)", "DLMS", "0x8F2C",
        "`discarded-message` os(25): `originator`, `target`, `cra-flag`, `originator-counter`", "gbcs.md 5.5; RTDS",
        ("discarded-message",),
    ),
    AlertLayout(
        (0x0115,), "DBCH11 no more sub-GHz device capacity", "DLMS", "0x8F2D", "`device-id`", "gbcs.md 5.6; RTDS",
        ("device-id",),
    ),
    AlertLayout(
        (0x0121,), "ECS101 auxiliary proportional controller limit processed", "DLMS", "0x8F86",
        "`apc-direction-and-number` (unsigned: high nibble 1 output / 2 input, low nibble n), `limit-period-start`,"
        " `limit-period-end` (date-times), `resulting-level` (unsigned)", "gbcs.md 5.5, meters.md 5.2; RTDS",
        ("apc-direction-and-number", "limit-period-start", "limit-period-end", "resulting-level"),
    ),
    AlertLayout(
        (0x0122,), "ECS102 auxiliary proportional controller level changed", "DLMS", "not in the sources",
        "`apc-direction-and-number`, `resulting-level`", "meters.md 5.2",
        ("apc-direction-and-number", "resulting-level"),
    ),
    AlertLayout(
        (0x0123,), "ECS200 manufacturer alert", "DLMS", "0x8F88", "`text` (utf8-string; JSON text in RTDS)",
        "gbcs.md 5.5; RTDS", ("text",),
    ),
    AlertLayout(
        (GENERIC_CRITICAL, GENERIC_NON_CRITICAL), "user-interface command (not) actioned (ESME)", "DLMS",
        "0x8161 / 0x8162", "`user-interface-command` (long-unsigned)", "meters.md 5.2 (Wireshark)",
        ("user-interface-command",), (records.UI_COMMAND_ACTIONED, records.UI_COMMAND_NOT_ACTIONED),
    ),
    AlertLayout(
        (0x00CD,), "future-dated execution outcome (GBZ)", "GBZ", "0x8F66 / 0x8F67",
        "`future-dated-details`: `length` (0x0E), `message-code`, `originator-counter`, `cluster-id`,"
        " `zcl-frame-control`, `command-id`", "gbcs.md 5.5, meters.md 5.2 (gbcs-parser, Wireshark); RTDS",
    ),
    AlertLayout(
        (0x00CF,), "firmware distribution receipt (GBZ)", "GBZ", "0x8F72 / 0x8F1C",
        "`calculated-image-hash` (`09 20` + 32 bytes)", "gbcs.md 5.5, meters.md 5.2 (gbcs-parser, Wireshark); RTDS",
    ),
    AlertLayout(
        (0x00F2,), "GSME integrity warning", "GBZ", "0x81A0", "`integrity-reason` (2 bytes)",
        "meters.md 5.2 (gbcs-parser, Wireshark)",
    ),
    AlertLayout(
        (GENERIC_CRITICAL, GENERIC_NON_CRITICAL), "user-interface command (not) actioned (GSME)", "GBZ",
        "0x8161 / 0x8162", "`user-interface-command` (2 bytes)", "meters.md 5.2 (Wireshark)",
        generic_alert_codes=(records.UI_COMMAND_ACTIONED, records.UI_COMMAND_NOT_ACTIONED),
    ),
    AlertLayout(
        (0x008B,), "GCS53 GSME billing data log", "GBZ", "0x8F0A",
        "one `component`: encrypted Metering Publish Snapshot (count byte 1)", "meters.md 5.1-5.2 (DUIS templates,"
        " Wireshark)",
    ),
    AlertLayout(
        (0x00CA,), "CS06 firmware activation", "ASN.1", "0x8F66 / 0x8F67",
        "SEQUENCE `firmware-activation-alert`: `alert-code`, `alert-time`, `originator-counter`, `activation-outcome`",
        "gbcs.md 5.4; RTDS",
    ),
    AlertLayout(
        (0x00CB, 0x0124), "CS02b / CS02g credentials update", "ASN.1", "0x8F66 / 0x8F67",
        "SEQUENCE `credentials-update-alert`: `alert-code`, `alert-time`, `execution-outcome`", "gbcs.md 5.4; RTDS",
    ),
    AlertLayout(
        (0x012B,), "CS09 PPMID firmware version", "ASN.1", "0x8F8B",
        "SEQUENCE `firmware-version-alert`: `alert-code`, `alert-time`, `firmware-version`, `code`",
        "gbcs.md 5.4; RTDS",
    ),
    AlertLayout(
        (0x0128,), "CCS08 firmware transfer (CHF)", "ASN.1", "0x8F89 / 0x8F8A",
        "SEQUENCE `firmware-transfer-alert`: `alert-code`, `alert-time`, `device-id`, `firmware-version`,"
        " `transfer-outcome`", "gbcs.md 5.4; RTDS",
    ),
    AlertLayout(
        (0x00B2,), "GCS62 GPF device log backup", "ASN.1", "0x8071",
        "SEQUENCE `gpf-device-log-backup-alert`: `alert-code`, `alert-time`, `devices` (SEQUENCE OF id, type)",
        "gbcs.md 5.4; RTDS",
    ),
)  # fmt: skip

_DLMS_MEMBERS: dict[int, tuple[str, ...]] = {
    code: layout.members
    for layout in LAYOUTS
    if layout.family == "DLMS" and not layout.generic_alert_codes
    for code in layout.message_codes
}
_DLMS_GENERIC_MEMBERS: dict[int, tuple[str, ...]] = {
    alert: layout.members for layout in LAYOUTS if layout.family == "DLMS" for alert in layout.generic_alert_codes
}
#: Octet-string members that pack a record, by member name.
_RECORDS: dict[str, type[records.Record]] = {
    "future-dated-details": records.FutureDatedExecution,
    "undelivered-message": records.UndeliveredMessage,
    "discarded-message": records.UndeliveredMessage,
    "integrity-reason": records.IntegrityWarning,
}


def layout_table() -> str:
    """The markdown table of `LAYOUTS` that docs/gbcs-payloads.md shows."""
    rows = [
        "| Message code | Use case | Family | Alert codes | Fields after alert code and time | Source |",
        "|---|---|---|---|---|---|",
    ]
    for layout in LAYOUTS:
        codes = " / ".join(f"0x{code:04X}" for code in layout.message_codes)
        rows.append(
            f"| {codes} | {layout.use_case} | {layout.family} | {layout.alert_codes} | {layout.fields} |"
            f" {layout.source} |"
        )
    return "\n".join(rows) + "\n"


def _record_fields(record: object, at: int) -> tuple[Field, ...]:
    """The fields of a typed record (`LAYOUT`: tree name, attribute, size), the first at offset `at`."""
    fields = []
    for name, attribute, size in record.LAYOUT:  # type: ignore[attr-defined]
        value = getattr(record, attribute)
        if name == "instance-id":
            fields.append(node(name, at, size, cosem.obis_text(value), (), cosem.obis_name(value)))
        elif isinstance(value, bytes):
            fields.append(node(name, at, size, value.hex()))
        else:
            fields.append(node(name, at, size, value))
        at += size
    return tuple(fields)


# ---------------------------------------------------------------------------------------------
# GBZ alert bodies


def gbz_body_fields(body: AlertBody, start: int) -> tuple[Field, ...]:
    """The fields of a typed GBZ alert body (`protocols.gbz.alerts`) starting at offset `start`."""
    from protocols.gbz import alerts as gbz_alerts  # only GBZ payloads, which import it anyway

    if isinstance(body, gbz_alerts.FutureDatedOutcome):
        fields = _record_fields(body, start)
        return (node("future-dated-details", start, 15, None, fields),)
    if isinstance(body, gbz_alerts.ImageHash):
        return (node("calculated-image-hash", start, 34, body.digest.hex(), (), "octet-string(32)"),)
    if isinstance(body, gbz_alerts.IntegrityWarning):
        return (
            node("integrity-reason", start, 2, body.reason, (), _enum_name(gbz_alerts.IntegrityReason, body.reason)),
        )
    note = _enum_name(records.UserInterfaceCommand, body.command)
    return (node("user-interface-command", start, 2, body.command, (), note),)


def _enum_name(kind: type, value: int) -> str | None:
    try:
        return kind(value).name.lower().replace("_", " ")
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# DLMS alert bodies: names for the members of the notification structure after code and time


def name_dlms_alert(message_code: int, body: Field) -> Field:
    """`body` (the notification's data item) with alert code, time and known members named."""
    members = body.children
    if body.value is not None or len(members) < 2 or members[0].name != "long-unsigned":
        return body  # not the usual structure{ alert code, date-time, ... }: keep generic names
    alert_code = members[0].value
    assert isinstance(alert_code, int)  # a long-unsigned's value
    named = [renamed(members[0], "alert-code", f"0x{alert_code:04X}"), renamed(members[1], "alert-time")]
    if message_code in (GENERIC_CRITICAL, GENERIC_NON_CRITICAL):
        names = _DLMS_GENERIC_MEMBERS.get(alert_code, ())
    else:
        names = _DLMS_MEMBERS.get(message_code, ())
    for member, name in zip(members[2:], names, strict=False):
        record = _RECORDS.get(name)
        raw = bytes.fromhex(member.value) if member.name == "octet-string" and isinstance(member.value, str) else b""
        if record is not None and len(raw) == record.SIZE:
            fields = _record_fields(record.parse(raw), member.offset + member.size - record.SIZE)
            member = node(name, member.offset, member.size, member.value, fields, member.note)
        elif name == "user-interface-command" and isinstance(member.value, int):
            member = renamed(member, name, _enum_name(records.UserInterfaceCommand, member.value))
        named.append(member if member.name == name else renamed(member, name))
    named.extend(members[len(named) :])
    return node(body.name, body.offset, body.size, body.value, tuple(named), body.note)
