"""GBZ command payloads as GSME and GPF use cases lay them out (gbcs.md 5.3, meters.md 1.2, 4.2-4.3).

A use case is a list of ZCL commands, each one GBZ component: a Read Attributes, or a
cluster-specific command built from zigpy's schema for it (`protocols.gbz.zcl.encode_command`),
sent in the direction meters.md 4.2 gives it - client to server for reads and Metering,
Prepayment and Events commands (frame control 0x01), server to client for the Publish...
and Device Management and Messaging writes (0x09). Sequence numbers run 0, 1, 2 ... over the
components; a command that has no time field of its own is future-dated by the component's
from-date-time (GCS05's low credit warning level, GCS15d/e's log window).

Times are ZigBee UTC (seconds since 2000-01-01); in a time field 0 means now and 0xFFFFFFFF
never (cancel), as in GBZ from-date-times (meters.md 3.4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from firmware.gbcs.alerts import zigbee_utc
from firmware.headend.parameters import Moment, Parameter
from firmware.headend.usecase import Request, UseCase
from protocols import gbz
from protocols.gbcs import registry
from protocols.gbz import Component, GbzPayload, ZclFrame, zcl
from protocols.gbz.frame import CLUSTER_SPECIFIC, PROFILE_WIDE, SERVER_TO_CLIENT

NOW, NEVER = 0, 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class ZclCommand:
    """One component to be: cluster, frame control, command id, payload, optional from-date-time."""

    cluster_id: int
    frame_control: int
    command_id: int
    payload: bytes
    from_date_time: int | None = None


#: A use case's commands from its request.
Commands = Callable[[Request], list[ZclCommand]]


def read(cluster_id: int, *attribute_ids: int) -> ZclCommand:
    """Read Attributes of `attribute_ids`, client to server."""
    return ZclCommand(cluster_id, PROFILE_WIDE, zcl.READ_ATTRIBUTES, zcl.build_read_attributes(attribute_ids))


def command(cluster_id: int, name: str, *, from_date_time: int | None = None, **fields: Any) -> ZclCommand:
    """The cluster command `name` with `fields`, in the direction zigpy's table gives it."""
    server_to_client = zcl.command_direction(cluster_id, name)
    command_id, payload = zcl.encode_command(cluster_id, name, server_to_client=server_to_client, **fields)
    frame_control = CLUSTER_SPECIFIC | (SERVER_TO_CLIENT if server_to_client else 0)
    return ZclCommand(cluster_id, frame_control, command_id, payload, from_date_time)


def time_field(moment: Moment) -> int:
    """A ZCL time field: 0 now, 0xFFFFFFFF never, else ZigBee UTC."""
    if moment.never:
        return NEVER
    return NOW if moment.utc is None else zigbee_utc(moment.utc)


def issuer_event_id(req: Request) -> int:
    """A command's issuer event id: its ZigBee UTC time, so a later command carries a later id."""
    return zigbee_utc(req.utc)


def window(req: Request) -> tuple[int, int]:
    """A log read's `from` / `to` as ZigBee UTC times."""
    return zigbee_utc(req["from"].utc), zigbee_utc(req["to"].utc)


def request(commands: list[ZclCommand]) -> bytes:
    """The GBZ payload of `commands`, sequence numbers from 0."""
    components = tuple(
        Component(
            item.cluster_id, ZclFrame(item.frame_control, sequence, item.command_id, item.payload), item.from_date_time
        )
        for sequence, item in enumerate(commands)
    )
    return gbz.build(GbzPayload(components))


def gbz_case(
    name: str,
    title: str,
    commands: Commands,
    *,
    parameters: tuple[Parameter, ...] = (),
    target: str = "gsme",
    top_up: bool = False,
) -> UseCase:
    """A use case whose payload is the GBZ payload of `commands`."""
    return UseCase(
        name, title, target, lambda req: request(commands(req)), parameters, top_up=top_up, family=registry.GBZ
    )
