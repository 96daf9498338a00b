"""Builders shared by the firmware.zigbee tests: a virtual home with a hub stack and devices."""

from __future__ import annotations

import asyncio

import zigpy.device
import zigpy.types as zt
import zigpy.zcl.foundation as zf

from firmware.devices import EmulatedDevice, ZclEndpoint, electricity_meter
from firmware.zigbee import Role, ZigbeeStack
from firmware.zigbee.aps import ApsIndication
from hal.radio import Band
from hal.virtual import MATERIALS, Medium
from protocols.zigbee import install_code_crc, install_code_to_link_key

#: radio.md 5.7 worked example: install code followed by its CRC-16/X-25.
CODE = bytes.fromhex("83FED3407A939723A5C639B26916D505C3B5")


def install_code(n: int) -> bytes:
    """A distinct valid 16-octet install code (with its CRC) per device number."""
    code = bytes([n & 0xFF, 0x5A] * 8)
    return code + install_code_crc(code)


def medium_with(*nodes: tuple[str, tuple[float, float, float]], loss: float = 0.0) -> Medium:
    """A medium of free-standing nodes (no walls); `loss` is the injected random frame loss."""
    medium = Medium(seed=1)
    for name, position in nodes:
        medium.add_node(name, position)
    medium.faults.frame_loss = loss
    return medium


def far_in_a_cabinet(medium: Medium, name: str, *, distance: float = 60.0) -> None:
    """A node `distance` m from the origin inside a metal cabinet (30 dB at 2.4 GHz, 22.5 dB at 868 MHz)."""
    medium.add_node(name, (distance, 0.0, 0.0), enclosure=MATERIALS["metal-cabinet"])


async def muffle_2_4(device: EmulatedDevice) -> None:
    """Turn the device's 2.4 GHz radio down to -20 dBm: together with `far_in_a_cabinet` the hub
    cannot hear it on 2.4 GHz for any shadowing draw, while on 868 MHz it stays loud enough for
    carrier sense (above -87 dBm) both ways, so no hidden-node collisions blur the test."""
    for radio in device.radios:
        if radio.channel.band is Band.GHZ_2_4:
            await radio.set_power(-20.0)


async def formed_hub(
    medium: Medium, *, bands: tuple[Band, ...] = (Band.GHZ_2_4,), node: str = "hub", store: dict[str, int] | None = None
) -> ZigbeeStack:
    """A coordinator stack on `node`'s radios, network formed, joining open for 10 minutes."""
    radios = [medium.radio(node, band) for band in bands]
    hub = ZigbeeStack(radios=radios, ieee=radios[0].info.extended_address, role=Role.COORDINATOR, store=store)
    await hub.form()
    hub.permit_joining(600)
    return hub


def admit(hub: ZigbeeStack, device: EmulatedDevice) -> None:
    """What zigpy's permit_with_link_key does on our stack: register the device's install-code key."""
    hub.link_keys[device.ieee] = install_code_to_link_key(device.install_code)


def meter(
    medium: Medium, node: str, *, code: bytes = CODE, bands: tuple[Band, ...] = (Band.GHZ_2_4,), reading: int = 0
) -> EmulatedDevice:
    return electricity_meter([medium.radio(node, band) for band in bands], code, reading=reading)


def endpoint_with(cluster: int, attribute: int, value: object) -> ZclEndpoint:
    return ZclEndpoint(endpoint=1, profile=0x0109, device_type=0x0501, servers={cluster: {attribute: value}})


class Initialized:
    """A zigpy listener: each device zigpy finished interviewing, in a queue."""

    def __init__(self) -> None:
        self.devices: asyncio.Queue[zigpy.device.Device] = asyncio.Queue()

    def device_initialized(self, device: zigpy.device.Device) -> None:
        self.devices.put_nowait(device)


METERING, SUMMATION = 0x0702, 0x0000


def read_request(tsn: int) -> bytes:
    """ZCL Read Attributes of CurrentSummationDelivered (zigpy's codec, radio.md 5.4)."""
    header = zf.ZCLHeader.general(tsn, zf.GeneralCommand.Read_Attributes)
    return header.serialize() + zt.List[zt.uint16_t]([SUMMATION]).serialize()


def summation_in(payload: bytes) -> int:
    """The value of a Read Attributes Response carrying CurrentSummationDelivered."""
    header, rest = zf.ZCLHeader.deserialize(payload)
    assert header.command_id == zf.GeneralCommand.Read_Attributes_rsp
    record, _ = zf.ReadAttributeRecord.deserialize(rest)
    assert record.status == zf.Status.SUCCESS and record.attrid == SUMMATION
    return int(record.value.value)


async def read_summation(hub: ZigbeeStack, device: EmulatedDevice, inbox: list[ApsIndication], tsn: int) -> int:
    await hub.send(
        device.nwk, cluster=METERING, profile=0x0109, src_endpoint=1, dst_endpoint=1, payload=read_request(tsn)
    )
    for _ in range(400):
        for ind in inbox:
            if ind.src == device.nwk and ind.cluster == METERING and ind.payload[1] == tsn:
                return summation_in(ind.payload)
        await asyncio.sleep(0.05)
    raise AssertionError("no response")
