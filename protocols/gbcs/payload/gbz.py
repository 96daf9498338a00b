"""GBZ payloads of GSME/GPF messages (gbcs.md 5.3) described from the typed codec `protocols.gbz`.

A GBZ payload is profile id `01 09`, a component count, (for alerts) an alert code and time
stamp, then components - or, for the alerts GBCS gives a use-case body (`protocols.gbz.alerts`:
future-dated outcome, firmware receipt, integrity warning, user-interface command), that body.
`protocols.gbz` is the one reader of this framing; this module walks the values it returns,
placing each field from the sizes before it (control 1, cluster 2, length 2, [from-date-time
4], [additional header 2], ZCL header 3 or 5, then the ZCL payload or the ciphered length 2
and the gbcs.md 4.4 block). The ZCL command payload inside is named field by field by `zcl`,
through the ZCL table (see its docstring for why that table is read without zigpy).
"""

from __future__ import annotations

from protocols import gbz
from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.payload import alerts, zcl
from protocols.gbcs.payload.protected import Session
from protocols.gbcs.payload.reader import Reader, node
from protocols.gbcs.payload.zcl_notes import zigbee_time_note
from protocols.gbcs.payload.zcl_table import ZclTable
from protocols.gbcs.tree import Field
from protocols.gbz.payload import ENCRYPTED, FROM_DATE_TIME, LAST

_CONTROL_BITS = ((LAST, "last"), (ENCRYPTED, "encrypted"), (FROM_DATE_TIME, "from-date-time"))
ALERT = 3


def decode(payload: bytes, base: int, session: Session, message_code: int, cra: int, table: ZclTable) -> Field:
    """The whole GBZ `payload` (at message offset `base`); ZCL names from `table`."""
    try:
        value = gbz.parse_alert(payload, message_code=message_code) if cra == ALERT else gbz.parse(payload)
    except gbz.GbzDecodeError as error:
        raise GbcsDecodeError(base + error.offset, error.field, error.reason) from None
    count = payload[2]
    fields = [
        node("profile-id", base, 2, gbz.payload.PROFILE_ID, (), "ZigBee Smart Energy"),
        node("component-count", base + 2, 1, count),
    ]
    pos = base + 3
    if isinstance(value, gbz.GbzAlert):
        fields.append(node("alert-code", pos, 2, value.alert_code, (), f"0x{value.alert_code:04X}"))
        fields.append(node("alert-time", pos + 2, 4, value.timestamp, (), zigbee_time_note(value.timestamp)))
        pos += 6
        if value.body is not None:
            body = _alert_body(message_code, value, pos, base)
            fields.extend(body)
            pos += len(value.body)
    for index, component in enumerate(value.components):
        field, pos = _component(payload, base, pos, session, component, index == len(value.components) - 1, table)
        fields.append(field)
    return node("gbz", base, pos - base, None, tuple(fields))


def _alert_body(message_code: int, alert: gbz.GbzAlert, start: int, base: int) -> tuple[Field, ...]:
    try:
        body = gbz.alerts.parse_body(message_code, alert.alert_code, alert.body or b"")
    except gbz.GbzDecodeError as error:
        raise GbcsDecodeError(start + error.offset, error.field, error.reason) from None
    return alerts.gbz_body_fields(body, start)


def _component(
    payload: bytes, base: int, start: int, session: Session, component: gbz.Component, last: bool, table: ZclTable
) -> tuple[Field, int]:
    frame = component.frame
    control = component.reserved_bits | (LAST if last else 0)
    control |= (FROM_DATE_TIME if component.from_date_time is not None else 0) | (
        ENCRYPTED if component.encrypted else 0
    )
    header_size = 5 if frame.manufacturer_code is not None else 3
    if component.encrypted:
        assert component.sealed is not None  # parsed without a cipher: the block stays as received
        body_size = 2 + header_size + 2 + len(component.sealed)
    else:
        body_size = header_size + len(frame.payload)
    if component.from_date_time is not None:
        body_size += 4
    flags = [name for bit, name in _CONTROL_BITS if control & bit]
    cluster_id = component.cluster_id
    fields = [
        node("extended-header-control", start, 1, control, (), ", ".join(flags) or None),
        node("cluster-id", start + 1, 2, cluster_id, (), table.clusters.get(cluster_id)),
        node("component-length", start + 3, 2, body_size),
    ]
    pos = start + 5
    end = pos + body_size
    if component.from_date_time is not None:
        when = component.from_date_time
        fields.append(node("from-date-time", pos, 4, when, (), zigbee_time_note(when)))
        pos += 4
    if component.encrypted:
        fields.append(node("additional-header-control", pos, 1, component.additional_control))
        fields.append(node("additional-frame-counter", pos + 1, 1, component.frame_counter))
        pos += 2
    fields.extend(zcl.header_fields(frame, pos))
    pos += header_size
    frame_type, direction, command_id = zcl.frame_kind(frame)
    body = Reader(payload, base, pos - base, end - base, session.budget)
    if component.encrypted:
        fields.append(node("ciphered-information-length", pos, 2, body_size - (pos - start - 5) - 2))
        body.pos += 2

        def plaintext(plain: Reader, plain_session: Session) -> tuple[Field, ...]:
            decoded = zcl.payload(plain, plain_session, table, cluster_id, frame_type, direction, command_id)
            if plain.remaining():
                raise plain.fail("plaintext", f"{plain.remaining()} bytes after the ZCL payload")
            return decoded

        fields.append(session.block(body, body.remaining(), "encrypted-payload", plaintext))
    else:
        fields.extend(zcl.payload(body, session, table, cluster_id, frame_type, direction, command_id))
        if body.remaining():
            at = body.offset
            session.unparsed += body.remaining()
            trailing = body.take(body.remaining(), "trailing bytes")
            fields.append(node("trailing-bytes", at, len(trailing), trailing.hex(), (), "not part of the known layout"))
    name = zcl.command_name(table, cluster_id, frame_type, direction, command_id)
    return node("component", start, end - start, None, tuple(fields), name), end
