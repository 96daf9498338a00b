"""Answering GBZ reads from a set of ZCL attribute values, and the response framing the GSME and GPF share.

Why separate: the GSME answers Read Attributes from its own state, and the GPF answers the reads
it serves itself (GCS13b, GCS14, GCS60, GCS21j ... meters.md 4.5) from its mirror of the GSME -
the same rules either way (meters.md 4.4): one record per requested id, UNSUPPORTED_ATTRIBUTE for
an id the device does not serve, the type from zigpy's table; Break On Error after a component
with a failed record (later components get FAILURE with command id 0xFF); responses that carry
consumption or balances are encrypted (meters.md 4.3). `answer_reads` is the GPF's entry point.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from protocols.gbz import Component, GbzPayload, ZclFrame, zcl
from protocols.gbz.frame import DISABLE_DEFAULT_RESPONSE, SERVER_TO_CLIENT

from .model import FAILURE, MALFORMED_COMMAND, SUCCESS, UNSUP_GENERAL_COMMAND, UNSUPPORTED_ATTRIBUTE, Reply

#: The command id a Default Response for a not-attempted component carries (meters.md 4.4).
NOT_ATTEMPTED = 0xFF
#: Attributes whose values are sent encrypted in a Read Attributes Response (meters.md 4.3: consumption
#: registers of GCS13a/b/c and the debts of GCS14).
SENSITIVE = {
    zcl.METERING: frozenset({0x0000, 0x0100, 0x0102, 0x0104, 0x0106, 0x0700, 0x0701, 0x0702, 0x0703}),
    zcl.PREPAYMENT: frozenset({0x0005, 0x0211, 0x0221, 0x0231}),
}
#: A value source: (cluster, attribute) -> the value, or None when the device does not serve it.
Lookup = Callable[[int, int], Any]


@dataclass(frozen=True, slots=True)
class ReadResult:
    reply: Reply
    ok: bool  #: every record SUCCESS (else Break On Error applies)


def read_attributes(
    cluster_id: int, attribute_ids: tuple[int, ...], lookup: Lookup, status_of: Lookup | None = None
) -> ReadResult:
    """The Read Attributes Response for `attribute_ids`; `status_of` may force a status per attribute (faults)."""
    records = []
    for attr_id in attribute_ids:
        forced = None if status_of is None else status_of(cluster_id, attr_id)
        kind = zcl.attribute_type(cluster_id, attr_id)
        value = None if forced is not None or kind is None else lookup(cluster_id, attr_id)
        if forced is not None:
            records.append(zcl.AttributeRecord(attr_id, forced))
        elif value is None or kind is None:
            records.append(zcl.AttributeRecord(attr_id, UNSUPPORTED_ATTRIBUTE))
        else:
            records.append(zcl.AttributeRecord(attr_id, SUCCESS, zcl.data_type_id(kind), value))
    payload = zcl.build_read_records(tuple(records))
    encrypt = bool(SENSITIVE.get(cluster_id, frozenset()) & set(attribute_ids))
    reply = Reply(zcl.READ_ATTRIBUTES_RESPONSE, payload, profile_wide=True, encrypt=encrypt)
    return ReadResult(reply, all(record.status == SUCCESS for record in records))


def response_component(request: Component, reply: Reply, *, cipher_enabled: bool) -> Component:
    """The component answering `request` with `reply`: same cluster and sequence number, opposite direction."""
    if reply.profile_wide:
        to_client = not request.frame.server_to_client
        control = (SERVER_TO_CLIENT if to_client else 0) | (DISABLE_DEFAULT_RESPONSE if reply.encrypt else 0)
    else:
        control = 0x01 | (SERVER_TO_CLIENT if reply.server_to_client else 0) | DISABLE_DEFAULT_RESPONSE
    frame = ZclFrame(control, request.frame.sequence, reply.command_id, reply.payload)
    return Component(request.cluster_id, frame, encrypted=reply.encrypt and cipher_enabled)


def default_response(request: Component, command_id: int, status: int) -> Component:
    """A Default Response to `request` (ZCL 2.5.12), in the direction opposite to it."""
    payload = zcl.build_default_response(zcl.DefaultResponse(command_id, status))
    reply = Reply(zcl.DEFAULT_RESPONSE, payload, profile_wide=True)
    return response_component(request, reply, cipher_enabled=False)


def not_attempted(request: Component) -> Component:
    """What a component after a failed one gets under Break On Error (meters.md 4.4)."""
    return default_response(request, NOT_ATTEMPTED, FAILURE)


def number_encrypted(components: list[Component]) -> tuple[Component, ...]:
    """Set the additional-header frame counters 0, 1, 2 ... over the encrypted components (gbcs.md 5.3)."""
    out, counter = [], 0
    for component in components:
        if component.encrypted:
            out.append(Component(component.cluster_id, component.frame, component.from_date_time, True, counter))
            counter += 1
        else:
            out.append(component)
    return tuple(out)


def answer_reads(
    payload: GbzPayload, values: Mapping[tuple[int, int], Any], *, cipher_enabled: bool = True
) -> GbzPayload:
    """Answer a GBZ payload of Read Attributes components from `values` ((cluster, attribute) -> value).

    The GPF's reads from its mirror: any other component is answered UNSUP_GENERAL_COMMAND or, after a
    failure, not attempted. The caller seals encrypted components with `protocols.gbz.build(cipher=...)`.
    """
    out: list[Component] = []
    broken = False
    for component in payload.components:
        frame = component.frame
        if broken:
            out.append(not_attempted(component))
        elif frame.profile_wide and frame.command_id == zcl.READ_ATTRIBUTES and len(frame.payload) % 2:
            out.append(default_response(component, frame.command_id, MALFORMED_COMMAND))
            broken = True
        elif frame.profile_wide and frame.command_id == zcl.READ_ATTRIBUTES:
            ids = zcl.parse_read_attributes(frame.payload)
            result = read_attributes(component.cluster_id, ids, lambda cluster, attr: values.get((cluster, attr)))
            out.append(response_component(component, result.reply, cipher_enabled=cipher_enabled))
            broken = not result.ok
        else:
            out.append(default_response(component, frame.command_id, UNSUP_GENERAL_COMMAND))
            broken = True
    return GbzPayload(number_encrypted(out))
