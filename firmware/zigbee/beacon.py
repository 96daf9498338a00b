"""The 15-octet ZigBee beacon payload that routers put in their MAC beacons (radio.md 2.3).

Why here: the MAC codec carries the beacon payload as raw bytes and the NWK
codecs do not cover it, yet a joiner must read the extended PAN ID, the
capacity bits and the depth from it to pick a parent (radio.md 2.6 step 2).
It is one fixed-layout record, so one private construct struct does it.
"""

from __future__ import annotations

from dataclasses import dataclass

from construct import BitsInteger, BitStruct, ByteSwapped, ConstructError, Flag, Int8ul, Int24ul, Int64ul, Struct

_BEACON = Struct(
    "protocol_id" / Int8ul,
    "info" / ByteSwapped(
        BitStruct(  # little-endian 16-bit word listed from bit 15 down (style.md construct tips)
            "end_device_capacity" / Flag,
            "depth" / BitsInteger(4),
            "router_capacity" / Flag,
            "reserved" / BitsInteger(2),
            "protocol_version" / BitsInteger(4),
            "stack_profile" / BitsInteger(4),
        )
    ),
    "extended_pan_id" / Int64ul,
    "tx_offset" / Int24ul,
    "update_id" / Int8ul,
)


class BeaconPayloadError(ValueError):
    """A beacon payload that is not a ZigBee PRO beacon payload."""


@dataclass(frozen=True)
class ZigbeeBeacon:
    """What a router advertises: which network, whether it takes children, and how deep it is."""

    extended_pan_id: int
    router_capacity: bool = True
    end_device_capacity: bool = True
    depth: int = 0
    update_id: int = 0
    stack_profile: int = 2
    protocol_version: int = 2


def build_beacon_payload(beacon: ZigbeeBeacon) -> bytes:
    """The 15 payload octets of `beacon` (TX offset 0xFFFFFF: non-beacon network)."""
    return _BEACON.build(
        {
            "protocol_id": 0,
            "info": {
                "end_device_capacity": beacon.end_device_capacity,
                "depth": beacon.depth,
                "router_capacity": beacon.router_capacity,
                "reserved": 0,
                "protocol_version": beacon.protocol_version,
                "stack_profile": beacon.stack_profile,
            },
            "extended_pan_id": beacon.extended_pan_id,
            "tx_offset": 0xFFFFFF,
            "update_id": beacon.update_id,
        }
    )


def parse_beacon_payload(data: bytes) -> ZigbeeBeacon:
    """Decode a beacon payload; raises BeaconPayloadError for anything but ZigBee PRO's."""
    if len(data) < 15:
        raise BeaconPayloadError(f"beacon payload of {len(data)} octets, ZigBee's is 15")
    try:
        raw = _BEACON.parse(data[:15])
    except ConstructError as e:  # pragma: no cover - 15 octets always parse
        raise BeaconPayloadError(str(e)) from None
    if raw.protocol_id != 0:
        raise BeaconPayloadError(f"protocol id {raw.protocol_id} is not ZigBee (0)")
    info = raw.info
    return ZigbeeBeacon(
        extended_pan_id=raw.extended_pan_id,
        router_capacity=info.router_capacity,
        end_device_capacity=info.end_device_capacity,
        depth=info.depth,
        update_id=raw.update_id,
        stack_profile=info.stack_profile,
        protocol_version=info.protocol_version,
    )
