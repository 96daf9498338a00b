"""GBZ payloads of GSME/GPF messages (gbcs.md 5.3): ZCL commands in a GB wrapper.

A GBZ payload is profile id `01 09`, a component count, (for alerts) an alert
code and time stamp, then components. Each component is an extended-header
control byte (bit 0 last component, bit 1 encrypted, bit 4 from-date-time
present), a big-endian cluster id and length, then a ZCL frame whose payload
is decoded by `zcl`, or - when encrypted - the gbcs.md 4.4 block whose
plaintext is that payload. Alerts with a use-case layout instead of components
are handed to `alerts`.
"""

from __future__ import annotations

from protocols.gbcs.payload import alerts, zcl
from protocols.gbcs.payload.protected import Session
from protocols.gbcs.payload.reader import Reader, node
from protocols.gbcs.payload.zcl_notes import zigbee_time_note
from protocols.gbcs.payload.zcl_table import ZclTable
from protocols.gbcs.tree import Field

PROFILE_ID = 0x0109
_LAST, _ENCRYPTED, _FROM_DATE_TIME = 0x01, 0x02, 0x10
_CONTROL_BITS = ((_LAST, "last"), (_ENCRYPTED, "encrypted"), (_FROM_DATE_TIME, "from-date-time"))


def decode(reader: Reader, session: Session, message_code: int, cra: int, table: ZclTable) -> Field:
    """The whole GBZ payload at `r` (which must end where the payload ends); ZCL names from `table`."""
    start = reader.offset
    profile = reader.uint(2, "profile id")
    if profile != PROFILE_ID:
        raise reader.fail("profile id", f"0x{profile:04X} is not the GBZ profile 0x0109", reader.pos - 2)
    count = reader.u8("component count")
    fields = [
        node("profile-id", start, 2, profile, (), "ZigBee Smart Energy"),
        node("component-count", start + 2, 1, count),
    ]
    if cra == 3:
        code_at = reader.offset
        alert_code = reader.uint(2, "alert code")
        time = reader.uint(4, "alert time stamp")
        fields.append(node("alert-code", code_at, 2, alert_code, (), f"0x{alert_code:04X}"))
        fields.append(node("alert-time", code_at + 2, 4, time, (), zigbee_time_note(time)))
        special = alerts.gbz_alert_body(message_code)
        if special is not None:
            fields.extend(special(reader))
            if reader.remaining():
                raise reader.fail("gbz alert", f"{reader.remaining()} bytes after the alert body")
            return node("gbz", start, reader.offset - start, None, tuple(fields))
    for index in range(count):
        fields.append(_component(reader, session, index, table))
    if reader.remaining():
        raise reader.fail("gbz", f"{reader.remaining()} bytes after the {count} component(s) the count byte announces")
    return node("gbz", start, reader.offset - start, None, tuple(fields))


def _component(reader: Reader, session: Session, index: int, table: ZclTable) -> Field:
    start = reader.offset
    control = reader.u8("extended header control")
    cluster_id = reader.uint(2, "cluster id")
    length = reader.uint(2, "component length")
    body = reader.sub(length, f"component {index}")
    flags = [name for bit, name in _CONTROL_BITS if control & bit]
    fields = [
        node("extended-header-control", start, 1, control, (), ", ".join(flags) or None),
        node("cluster-id", start + 1, 2, cluster_id, (), table.clusters.get(cluster_id)),
        node("component-length", start + 3, 2, length),
    ]
    if control & _FROM_DATE_TIME:
        when = body.uint(4, "from date time")
        fields.append(node("from-date-time", body.offset - 4, 4, when, (), zigbee_time_note(when)))
    if control & _ENCRYPTED:
        fields.append(node("additional-header-control", body.offset, 1, body.u8("additional header control")))
        fields.append(node("additional-frame-counter", body.offset, 1, body.u8("additional frame counter")))
    header, frame_type, direction, command_id = zcl.header(body)
    fields.extend(header)
    if control & _ENCRYPTED:
        size_at = body.offset
        size = body.uint(2, "ciphered information length")
        fields.append(node("ciphered-information-length", size_at, 2, size))

        def plaintext(pr: Reader, ps: Session) -> tuple[Field, ...]:
            decoded = zcl.payload(pr, ps, table, cluster_id, frame_type, direction, command_id)
            if pr.remaining():
                raise pr.fail("plaintext", f"{pr.remaining()} bytes after the ZCL payload")
            return decoded

        fields.append(session.block(body, size, "encrypted-payload", plaintext))
    else:
        fields.extend(zcl.payload(body, session, table, cluster_id, frame_type, direction, command_id))
    if body.remaining():
        at = body.offset
        session.unparsed += body.remaining()
        trailing = body.take(body.remaining(), "trailing bytes")
        fields.append(node("trailing-bytes", at, len(trailing), trailing.hex(), (), "not part of the known layout"))
    name = zcl.command_name(table, cluster_id, frame_type, direction, command_id)
    return node("component", start, reader.offset - start, None, tuple(fields), name)
