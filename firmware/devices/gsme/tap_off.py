"""The GPF's tap-off rule (gbcs.md 6.3, meters.md 4.5): which components of a GSME command the mirror applies.

For a tap-off use case (GCS01a, GCS01b, GCS05, GCS07, GCS23, GCS25, GCS25a, GCS44) the GSME
executes the command; when its response comes back through the CHF, the GPF applies to its own
copy every command component whose response component is a success - provided the response
matches the command: as many components, and for each the same cluster and sequence number in
the opposite direction. A response that does not match applies nothing (the GPF then raises
0x819E, "Tap Off Message Response or Alert Failure"). Pure functions: the GPF keeps a `Gsme`
of its own as the mirror and hands it the selected components.
"""

from __future__ import annotations

from protocols.gbz import Component, GbzPayload, zcl

#: Message codes of the tap-off use cases (meters.md 1.2 "TOM").
TAP_OFF_MESSAGE_CODES = frozenset({0x006B, 0x00A3, 0x006F, 0x0071, 0x007C, 0x007E, 0x00D8, 0x0088})
TAP_OFF_FAILURE_ALERT = 0x819E


def is_tap_off(message_code: int) -> bool:
    return message_code in TAP_OFF_MESSAGE_CODES


def _succeeded(response: Component) -> bool:
    frame = response.frame
    if frame.profile_wide and frame.command_id == zcl.DEFAULT_RESPONSE:
        return zcl.parse_default_response(frame.payload).status == 0
    if frame.profile_wide and frame.command_id == zcl.READ_ATTRIBUTES_RESPONSE:
        return all(record.status == 0 for record in zcl.parse_read_records(frame.payload))
    return True


def tap_off_components(command: GbzPayload, response: GbzPayload) -> tuple[Component, ...] | None:
    """The command components the mirror applies; None when the response does not match the command."""
    if len(command.components) != len(response.components):
        return None
    selected = []
    for asked, answered in zip(command.components, response.components, strict=True):
        if (
            asked.cluster_id != answered.cluster_id
            or asked.frame.sequence != answered.frame.sequence
            or asked.frame.server_to_client == answered.frame.server_to_client
        ):
            return None
        if answered.sealed is None and _succeeded(answered):
            selected.append(asked)
    return tuple(selected)
