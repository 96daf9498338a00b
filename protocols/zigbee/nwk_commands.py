"""The NWK commands our stack sends and answers (radio.md 5.1; layouts as Wireshark's
packet-zbee-nwk.c and scapy's ZigbeeNWKCommandPayload dissect them).

Route request/reply/record (one level of routing), network status, leave, rejoin request/response,
link status, network report/update (PAN ID conflict, the only report and update types), and
end-device timeout request/response. Each command is a frozen dataclass with a class-level `ID`;
option octets are split into named fields with their reserved bits kept, so any parsed command
rebuilds byte-exact.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from construct import (
    Array,
    BitsInteger,
    BitStruct,
    Const,
    Flag,
    If,
    Int8ul,
    Int16ul,
    Int64ul,
    Rebuild,
    Struct,
    len_,
    this,
)

from protocols.zigbee.command_table import CommandTable


class NwkStatus(enum.IntEnum):
    """Network Status command codes (open set: the field stays an int)."""

    NO_ROUTE_AVAILABLE = 0x00
    TREE_LINK_FAILURE = 0x01
    NON_TREE_LINK_FAILURE = 0x02
    LOW_BATTERY = 0x03
    NO_ROUTING_CAPACITY = 0x04
    NO_INDIRECT_CAPACITY = 0x05
    INDIRECT_TRANSACTION_EXPIRY = 0x06
    TARGET_DEVICE_UNAVAILABLE = 0x07
    TARGET_ADDRESS_UNALLOCATED = 0x08
    PARENT_LINK_FAILURE = 0x09
    VALIDATE_ROUTE = 0x0A
    SOURCE_ROUTE_FAILURE = 0x0B
    MANY_TO_ONE_ROUTE_FAILURE = 0x0C
    ADDRESS_CONFLICT = 0x0D
    VERIFY_ADDRESSES = 0x0E
    PAN_IDENTIFIER_UPDATE = 0x0F
    NETWORK_ADDRESS_UPDATE = 0x10
    BAD_FRAME_COUNTER = 0x11
    BAD_KEY_SEQUENCE_NUMBER = 0x12


@dataclass(frozen=True)
class RouteRequest:
    ID: ClassVar[int] = 0x01
    request_id: int
    dst: int
    path_cost: int = 0
    many_to_one: int = 0
    multicast: bool = False
    dst_ieee: int | None = None
    reserved: int = 0
    reserved_high: bool = False


@dataclass(frozen=True)
class RouteReply:
    ID: ClassVar[int] = 0x02
    request_id: int
    originator: int
    responder: int
    path_cost: int = 0
    multicast: bool = False
    originator_ieee: int | None = None
    responder_ieee: int | None = None
    reserved: int = 0
    reserved_high: bool = False


@dataclass(frozen=True)
class NetworkStatus:
    ID: ClassVar[int] = 0x03
    status: int
    dst: int


@dataclass(frozen=True)
class Leave:
    """Bit 7 remove children, bit 6 request (a parent asks the device to leave), bit 5 rejoin."""

    ID: ClassVar[int] = 0x04
    remove_children: bool = False
    request: bool = False
    rejoin: bool = False
    reserved: int = 0


@dataclass(frozen=True)
class RouteRecord:
    ID: ClassVar[int] = 0x05
    relays: tuple[int, ...] = ()


@dataclass(frozen=True)
class RejoinRequest:
    """`capability` is the MAC capability octet (radio.md 2.3: router joiner 0x8E)."""

    ID: ClassVar[int] = 0x06
    capability: int


@dataclass(frozen=True)
class RejoinResponse:
    ID: ClassVar[int] = 0x07
    short_address: int
    status: int


@dataclass(frozen=True)
class LinkStatusEntry:
    """One neighbour: its address and the link costs (1-7, 0 = unknown) in each direction."""

    address: int
    incoming_cost: int
    outgoing_cost: int
    reserved_low: int = 0
    reserved_high: int = 0


@dataclass(frozen=True)
class LinkStatus:
    ID: ClassVar[int] = 0x08
    entries: tuple[LinkStatusEntry, ...] = ()
    first_frame: bool = True
    last_frame: bool = True
    reserved: bool = False


@dataclass(frozen=True)
class NetworkReport:
    """Router -> network manager: PAN IDs heard that conflict with ours (report type 0, the only one)."""

    ID: ClassVar[int] = 0x09
    extended_pan_id: int
    pan_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class NetworkUpdate:
    """Network manager -> all: move to `new_pan_id` (update type 0, the only one)."""

    ID: ClassVar[int] = 0x0A
    extended_pan_id: int
    update_id: int
    new_pan_id: int


@dataclass(frozen=True)
class EndDeviceTimeoutRequest:
    """`timeout` is the enumerated value (0 = 10 s, n = 2**n minutes)."""

    ID: ClassVar[int] = 0x0B
    timeout: int
    configuration: int = 0


@dataclass(frozen=True)
class EndDeviceTimeoutResponse:
    ID: ClassVar[int] = 0x0C
    status: int
    parent_info: int = 0


NwkCommand = (
    RouteRequest
    | RouteReply
    | NetworkStatus
    | Leave
    | RouteRecord
    | RejoinRequest
    | RejoinResponse
    | LinkStatus
    | NetworkReport
    | NetworkUpdate
    | EndDeviceTimeoutRequest
    | EndDeviceTimeoutResponse
)

_ROUTE_REQUEST = Struct(
    "options_bits"
    / BitStruct(
        "reserved_high" / Flag,
        "multicast" / Flag,
        "dst_ieee_present" / Rebuild(Flag, this._.dst_ieee != None),  # noqa: E711 - construct expression
        "many_to_one" / BitsInteger(2),
        "reserved" / BitsInteger(3),
    ),
    "request_id" / Int8ul,
    "dst" / Int16ul,
    "path_cost" / Int8ul,
    "dst_ieee" / If(this.options_bits.dst_ieee_present, Int64ul),
)

_ROUTE_REPLY = Struct(
    "options_bits"
    / BitStruct(
        "reserved_high" / Flag,
        "multicast" / Flag,
        "responder_ieee_present" / Rebuild(Flag, this._.responder_ieee != None),  # noqa: E711 - construct expression
        "originator_ieee_present" / Rebuild(Flag, this._.originator_ieee != None),  # noqa: E711 - construct expression
        "reserved" / BitsInteger(4),
    ),
    "request_id" / Int8ul,
    "originator" / Int16ul,
    "responder" / Int16ul,
    "path_cost" / Int8ul,
    "originator_ieee" / If(this.options_bits.originator_ieee_present, Int64ul),
    "responder_ieee" / If(this.options_bits.responder_ieee_present, Int64ul),
)

_LEAVE = BitStruct("remove_children" / Flag, "request" / Flag, "rejoin" / Flag, "reserved" / BitsInteger(5))

_LINK_STATUS = Struct(
    "options_bits"
    / BitStruct(
        "reserved" / Flag,
        "last_frame" / Flag,
        "first_frame" / Flag,
        "count" / Rebuild(BitsInteger(5), len_(this._.entries)),
    ),
    "entries"
    / Array(
        this.options_bits.count,
        Struct(
            "address" / Int16ul,
            "cost_bits"
            / BitStruct(
                "reserved_high" / BitsInteger(1),
                "outgoing_cost" / BitsInteger(3),
                "reserved_low" / BitsInteger(1),
                "incoming_cost" / BitsInteger(3),
            ),
        ),
    ),
)

_NETWORK_REPORT = Struct(
    "options_bits"
    / BitStruct("report_type" / Const(0, BitsInteger(3)), "count" / Rebuild(BitsInteger(5), len_(this._.pan_ids))),
    "extended_pan_id" / Int64ul,
    "pan_ids" / Array(this.options_bits.count, Int16ul),
)

_NETWORK_UPDATE = Struct(
    "options_bits" / BitStruct("update_type" / Const(0, BitsInteger(3)), "count" / Const(1, BitsInteger(5))),
    "extended_pan_id" / Int64ul,
    "update_id" / Int8ul,
    "new_pan_id" / Int16ul,
)

_TABLE = CommandTable(
    "zigbee.nwk_command",
    [
        (RouteRequest, _ROUTE_REQUEST),
        (RouteReply, _ROUTE_REPLY),
        (NetworkStatus, Struct("status" / Int8ul, "dst" / Int16ul)),
        (Leave, _LEAVE),
        (RouteRecord, Struct("count" / Rebuild(Int8ul, len_(this.relays)), "relays" / Array(this.count, Int16ul))),
        (RejoinRequest, Struct("capability" / Int8ul)),
        (RejoinResponse, Struct("short_address" / Int16ul, "status" / Int8ul)),
        (LinkStatus, _LINK_STATUS),
        (NetworkReport, _NETWORK_REPORT),
        (NetworkUpdate, _NETWORK_UPDATE),
        (EndDeviceTimeoutRequest, Struct("timeout" / Int8ul, "configuration" / Int8ul)),
        (EndDeviceTimeoutResponse, Struct("status" / Int8ul, "parent_info" / Int8ul)),
    ],
)


def parse_nwk_command(data: bytes, *, base: int = 0) -> NwkCommand:
    """Decode the payload of an open NWK command frame. Raises `ZigbeeDecodeError` (offset plus
    `base`) for unknown or malformed commands and for trailing octets."""
    return _TABLE.parse(data, base)


def build_nwk_command(command: NwkCommand) -> bytes:
    """Encode a NWK command (ID octet first); raises `ZigbeeEncodeError` when a field does not fit."""
    return _TABLE.build(command)
