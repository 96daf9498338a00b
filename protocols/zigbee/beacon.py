"""The ZigBee beacon payload: what a coordinator or router puts in its MAC beacon so joiners can
choose a network and a parent (radio.md 2.3).

15 octets: protocol ID (0), stack profile (low nibble, 2 = ZigBee PRO) and protocol version (high
nibble, 2), then a capacity octet (bits 0-1 reserved, bit 2 router capacity, bits 3-6 depth,
bit 7 end-device capacity), the extended PAN ID (LSB first), the TX offset (3 octets, 0xFFFFFF in
non-beacon networks) and the nwkUpdateId. It lives with the ZigBee codecs, not the MAC's, because
the MAC carries it as an opaque beacon payload.
"""

from __future__ import annotations

from dataclasses import dataclass

from construct import BitsInteger, BitStruct, Flag, Int8ul, Int24ul, Int64ul, Struct, Terminated

from protocols.zigbee import construct_support
from protocols.zigbee.values import value_from, value_to_dict

PROTOCOL = "zigbee.beacon"
STACK_PROFILE_PRO = 2
NON_BEACON_TX_OFFSET = 0xFFFFFF


@dataclass(frozen=True)
class BeaconPayload:
    """A ZigBee beacon payload; `extended_pan_id` is an int as read LSB-first from the air."""

    extended_pan_id: int
    router_capacity: bool = True
    end_device_capacity: bool = True
    device_depth: int = 0
    update_id: int = 0
    stack_profile: int = STACK_PROFILE_PRO
    protocol_version: int = 2
    protocol_id: int = 0
    tx_offset: int = NON_BEACON_TX_OFFSET
    reserved: int = 0


_BEACON = Struct(
    "protocol_id" / Int8ul,
    "version_bits" / BitStruct("protocol_version" / BitsInteger(4), "stack_profile" / BitsInteger(4)),
    "capacity_bits"
    / BitStruct(
        "end_device_capacity" / Flag,
        "device_depth" / BitsInteger(4),
        "router_capacity" / Flag,
        "reserved" / BitsInteger(2),
    ),
    "extended_pan_id" / Int64ul,
    "tx_offset" / Int24ul,
    "update_id" / Int8ul,
    Terminated,
)


def parse_beacon_payload(data: bytes, *, base: int = 0) -> BeaconPayload:
    """Decode a MAC beacon's payload. Raises `ZigbeeDecodeError` (offset plus `base`)."""
    return value_from(BeaconPayload, construct_support.parse(_BEACON, data, PROTOCOL, base=base))


def build_beacon_payload(beacon: BeaconPayload) -> bytes:
    """Encode a beacon payload; raises `ZigbeeEncodeError` when a field does not fit."""
    return construct_support.build(_BEACON, value_to_dict(beacon, _BEACON), PROTOCOL)
