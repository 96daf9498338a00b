"""The APS commands of ZigBee security management (radio.md 5.3; layouts as Wireshark's
packet-zbee-aps.c dissects them).

Transport Key, Update Device, Remove Device, Request Key, Switch Key, Tunnel, Verify Key and
Confirm Key: what a Trust Centre and its joiners exchange. The obsolete SKKE (0x01-0x04) and
entity-authentication (0x0A-0x0D) commands are refused by `parse_aps_command` with a typed error.

`key_type` fields are ints (an open set on the wire) with `KeyType` naming the known values; the
fields that follow the key in Transport Key depend on it, and `TransportKey` checks that the
right ones are present.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from construct import Bytes, GreedyBytes, If, Int8ul, Int16ul, Int64ul, Struct, this

from protocols.zigbee.command_table import CommandTable
from protocols.zigbee.errors import ZigbeeEncodeError

PROTOCOL = "zigbee.aps_command"


class KeyType(enum.IntEnum):
    """Key types of Transport Key / Request Key / Verify Key (radio.md 5.3)."""

    TC_MASTER = 0x00
    STANDARD_NETWORK = 0x01
    APP_MASTER = 0x02
    APP_LINK = 0x03
    TC_LINK = 0x04
    HIGH_SECURITY_NETWORK = 0x05


class UpdateStatus(enum.IntEnum):
    """Update Device status: how the device came to be (re)joined (open set: fields stay ints)."""

    STANDARD_SECURED_REJOIN = 0x00
    STANDARD_UNSECURED_JOIN = 0x01
    DEVICE_LEFT = 0x02
    STANDARD_UNSECURED_REJOIN = 0x03


_NETWORK_KEY_TYPES = (KeyType.STANDARD_NETWORK, KeyType.HIGH_SECURITY_NETWORK)
_APP_KEY_TYPES = (KeyType.APP_MASTER, KeyType.APP_LINK)


@dataclass(frozen=True)
class TransportKey:
    """A key delivered by the Trust Centre. Network keys carry `key_seq`, `dst_ieee`, `src_ieee`;
    TC keys `dst_ieee`, `src_ieee`; application keys `partner_ieee` and `initiator`."""

    ID: ClassVar[int] = 0x05
    key_type: int
    key: bytes
    key_seq: int | None = None
    dst_ieee: int | None = None
    src_ieee: int | None = None
    partner_ieee: int | None = None
    initiator: int | None = None

    def __post_init__(self) -> None:
        network = self.key_type in _NETWORK_KEY_TYPES
        application = self.key_type in _APP_KEY_TYPES
        wanted = {
            "key_seq": network,
            "dst_ieee": not application,
            "src_ieee": not application,
            "partner_ieee": application,
            "initiator": application,
        }
        for name, present in wanted.items():
            if (getattr(self, name) is not None) != present:
                raise ZigbeeEncodeError(
                    PROTOCOL, name, f"{'required' if present else 'not carried'} for key type {self.key_type}"
                )


@dataclass(frozen=True)
class UpdateDevice:
    """Router -> TC: a device joined or left through me."""

    ID: ClassVar[int] = 0x06
    device_ieee: int
    short_address: int
    status: int


@dataclass(frozen=True)
class RemoveDevice:
    """TC -> parent router: make this child leave."""

    ID: ClassVar[int] = 0x07
    target_ieee: int


@dataclass(frozen=True)
class RequestKey:
    """Device -> TC: send me a key; `partner_ieee` names the partner of an application link key."""

    ID: ClassVar[int] = 0x08
    key_type: int
    partner_ieee: int | None = None

    def __post_init__(self) -> None:
        if (self.partner_ieee is not None) != (self.key_type in _APP_KEY_TYPES):
            raise ZigbeeEncodeError(PROTOCOL, "partner_ieee", "present exactly for application key types")


@dataclass(frozen=True)
class SwitchKey:
    """TC -> all: make the network key with this sequence number active."""

    ID: ClassVar[int] = 0x09
    key_seq: int


@dataclass(frozen=True)
class Tunnel:
    """TC -> parent: relay `frame` (an APS command frame, secured) to the child `dst_ieee`."""

    ID: ClassVar[int] = 0x0E
    dst_ieee: int
    frame: bytes


@dataclass(frozen=True)
class VerifyKey:
    """Device -> TC: proof of the TC link key (`key_hash` = keyed hash of the key with 0x03)."""

    ID: ClassVar[int] = 0x0F
    key_type: int
    src_ieee: int
    key_hash: bytes


@dataclass(frozen=True)
class ConfirmKey:
    """TC -> device: the verdict on a Verify Key."""

    ID: ClassVar[int] = 0x10
    status: int
    key_type: int
    dst_ieee: int


ApsCommand = TransportKey | UpdateDevice | RemoveDevice | RequestKey | SwitchKey | Tunnel | VerifyKey | ConfirmKey

_is_network = (this.key_type == KeyType.STANDARD_NETWORK) | (this.key_type == KeyType.HIGH_SECURITY_NETWORK)
_is_application = (this.key_type == KeyType.APP_MASTER) | (this.key_type == KeyType.APP_LINK)

_TRANSPORT_KEY = Struct(
    "key_type" / Int8ul,
    "key" / Bytes(16),
    "key_seq" / If(_is_network, Int8ul),
    "dst_ieee" / If(~_is_application, Int64ul),
    "src_ieee" / If(~_is_application, Int64ul),
    "partner_ieee" / If(_is_application, Int64ul),
    "initiator" / If(_is_application, Int8ul),
)

_TABLE = CommandTable(
    PROTOCOL,
    [
        (TransportKey, _TRANSPORT_KEY),
        (UpdateDevice, Struct("device_ieee" / Int64ul, "short_address" / Int16ul, "status" / Int8ul)),
        (RemoveDevice, Struct("target_ieee" / Int64ul)),
        (RequestKey, Struct("key_type" / Int8ul, "partner_ieee" / If(_is_application, Int64ul))),
        (SwitchKey, Struct("key_seq" / Int8ul)),
        (Tunnel, Struct("dst_ieee" / Int64ul, "frame" / GreedyBytes)),
        (VerifyKey, Struct("key_type" / Int8ul, "src_ieee" / Int64ul, "key_hash" / Bytes(16))),
        (ConfirmKey, Struct("status" / Int8ul, "key_type" / Int8ul, "dst_ieee" / Int64ul)),
    ],
)


def parse_aps_command(data: bytes, *, base: int = 0) -> ApsCommand:
    """Decode the payload of an open (or decrypted) APS command frame. Raises `ZigbeeDecodeError`
    (offset plus `base`) for unknown or malformed commands and for trailing octets."""
    return _TABLE.parse(data, base)


def build_aps_command(command: ApsCommand) -> bytes:
    """Encode an APS command (ID octet first); raises `ZigbeeEncodeError` when a field does not fit."""
    return _TABLE.build(command)
