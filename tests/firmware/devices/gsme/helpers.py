"""Building GBZ commands for the GSME tests from zigpy's schemas (not from corpus bytes)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from firmware.devices.gsme import Gsme, GsmeProfile, load_profile
from hal.nvm import Nvm, NvmStore
from protocols import gbz
from protocols.gbz import Component, GbzPayload, ZclFrame, zcl
from protocols.gbz.frame import CLUSTER_SPECIFIC, SERVER_TO_CLIENT

SUPPLIER = bytes.fromhex("90b3d51f30010000")
GSME_EUI = bytes.fromhex("00db1234567890a1")
ZIGBEE_EPOCH = 946_684_800
START = datetime(2015, 6, 1, 0, 0, tzinfo=UTC).timestamp()  #: a Monday


@dataclass(frozen=True)
class Facts:
    message_code: int = 0x006F
    originator: bytes = SUPPLIER
    counter: int = 1000
    now: float = 0.0
    utc: float = START


def zigbee(unix: float) -> int:
    return int(unix) - ZIGBEE_EPOCH


def command(cluster_id: int, name: str, *, seq: int = 0, fdt: int | None = None, **fields: Any) -> Component:
    to_client = zcl.command_direction(cluster_id, name)
    command_id, payload = zcl.encode_command(cluster_id, name, server_to_client=to_client, **fields)
    control = CLUSTER_SPECIFIC | (SERVER_TO_CLIENT if to_client else 0)
    return Component(cluster_id, ZclFrame(control, seq, command_id, payload), fdt)


def read(cluster_id: int, *ids: int, seq: int = 0) -> Component:
    return Component(cluster_id, ZclFrame(0x00, seq, zcl.READ_ATTRIBUTES, zcl.build_read_attributes(ids)))


def payload(*components: Component) -> bytes:
    return gbz.build(GbzPayload(components))


def memory_partition() -> Nvm:
    """A fresh partition of an in-memory `hal.nvm` store."""
    return NvmStore.memory().partition("device/00db1234567890a1")


def fresh(profile: GsmeProfile | None = None, nvm: Nvm | None = None, seed: int = 3) -> Gsme:
    return Gsme(nvm or memory_partition(), profile or load_profile("prepayment"), random.Random(seed))


def answer(meter: Gsme, *components: Component, **facts: Any) -> tuple[GbzPayload, list]:
    response, alerts = meter.handle(payload(*components), Facts(**facts))
    assert response is not None
    return gbz.parse(response), alerts


def statuses(response: GbzPayload) -> list[tuple[int, tuple[int, ...]]]:
    """Per component: its sequence number and the statuses it reports (Default Response, read records)."""
    out = []
    for component in response.components:
        frame = component.frame
        if frame.profile_wide and frame.command_id == zcl.DEFAULT_RESPONSE:
            out.append((frame.sequence, (zcl.parse_default_response(frame.payload).status,)))
        elif frame.profile_wide and frame.command_id == zcl.READ_ATTRIBUTES_RESPONSE:
            out.append((frame.sequence, tuple(r.status for r in zcl.parse_read_records(frame.payload))))
        else:
            out.append((frame.sequence, ()))
    return out


def read_value(meter: Gsme, cluster_id: int, name: str, utc: float) -> Any:
    """One attribute as the GSME answers it to Read Attributes at `utc`."""
    response, _alerts = answer(meter, read(cluster_id, zcl.attribute_id(cluster_id, name)), utc=utc)
    (record,) = zcl.parse_read_records(response.components[0].frame.payload)
    assert record.status == 0, record
    return record.value
