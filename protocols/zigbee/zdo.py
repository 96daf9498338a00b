"""A minimal ZigBee Device Object (ZDP) codec: what a Smart Energy HAN needs to announce devices,
find addresses, read descriptors, discover services and manage leave/permit-join (radio.md 5.8).

A ZDO frame is an APS data frame on endpoint 0, profile 0x0000, whose cluster ID names the command
(responses are the request's ID | 0x8000); its payload is a transaction sequence number and the
command body. `parse_zdo(cluster, data)` and `build_zdo(frame)` therefore take the cluster from
the APS header. Layouts follow the ZigBee spec as zigpy's `zigpy.zdo.types` serialises them (our
tests check byte equality against zigpy). This is the one ZDO codec our code uses: the emulated
devices' answers and the hub's loopback answers to zigpy are built with it; zigpy reads them
with its own, as it reads any device's. (zigpy's serialiser cannot write the spec's empty
Simple_Desc_rsp, Length 0, which a device must answer for an inactive endpoint.)

Node and power descriptors in responses are present exactly when the status is SUCCESS (0), as
the spec says; the simple descriptor has its own length octet.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from construct import (
    Array,
    BitsInteger,
    BitStruct,
    Container,
    FixedSized,
    Flag,
    If,
    Int8ul,
    Int16ul,
    Int64ul,
    Rebuild,
    Struct,
    Terminated,
    len_,
    this,
)

from protocols.zigbee.command_table import CommandTable
from protocols.zigbee.errors import ZigbeeDecodeError, ZigbeeEncodeError

PROTOCOL = "zigbee.zdo"
ZDO_ENDPOINT = 0
RESPONSE_FLAG = 0x8000


class ZdoStatus(enum.IntEnum):
    """ZDP status codes (open set: status fields stay ints)."""

    SUCCESS = 0x00
    INV_REQUESTTYPE = 0x80
    DEVICE_NOT_FOUND = 0x81
    INVALID_EP = 0x82
    NOT_ACTIVE = 0x83
    NOT_SUPPORTED = 0x84
    TIMEOUT = 0x85
    NO_MATCH = 0x86
    NO_ENTRY = 0x88
    NO_DESCRIPTOR = 0x89
    INSUFFICIENT_SPACE = 0x8A
    NOT_PERMITTED = 0x8B
    TABLE_FULL = 0x8C
    NOT_AUTHORIZED = 0x8D


class LogicalType(enum.IntEnum):
    """Node descriptor logical type (3 bits; values 3-7 are reserved and kept as ints)."""

    COORDINATOR = 0
    ROUTER = 1
    END_DEVICE = 2


@dataclass(frozen=True)
class NodeDescriptor:
    """The 13-octet node descriptor. `mac_capability` is the MAC capability octet (radio.md 2.3)."""

    logical_type: int
    mac_capability: int
    manufacturer_code: int
    maximum_buffer_size: int = 82
    maximum_incoming_transfer_size: int = 1600
    server_mask: int = 0
    maximum_outgoing_transfer_size: int = 1600
    descriptor_capability: int = 0
    frequency_band: int = 0b01000  # bit 3: 2400-2483.5 MHz
    aps_flags: int = 0
    complex_descriptor_available: bool = False
    user_descriptor_available: bool = False
    reserved: int = 0


@dataclass(frozen=True)
class PowerDescriptor:
    """The 2-octet power descriptor (4-bit fields)."""

    current_power_mode: int = 0
    available_power_sources: int = 0b0001  # mains
    current_power_source: int = 0b0001
    current_power_level: int = 0b1100  # 100 %


@dataclass(frozen=True)
class SimpleDescriptor:
    """One endpoint's description: profile, device, clusters it serves (in) and uses (out)."""

    endpoint: int
    profile: int
    device_type: int
    device_version: int = 0
    in_clusters: tuple[int, ...] = ()
    out_clusters: tuple[int, ...] = ()
    reserved: int = 0


@dataclass(frozen=True)
class AssociatedDevices:
    """The optional tail of NWK/IEEE_addr_rsp for an extended request: children from `start_index`."""

    start_index: int
    devices: tuple[int, ...] = ()


@dataclass(frozen=True)
class NwkAddrReq:
    ID: ClassVar[int] = 0x0000
    ieee: int
    request_type: int = 0  # 0 single device, 1 extended (with associated devices)
    start_index: int = 0


@dataclass(frozen=True)
class IeeeAddrReq:
    ID: ClassVar[int] = 0x0001
    nwk: int
    request_type: int = 0
    start_index: int = 0


@dataclass(frozen=True)
class NodeDescReq:
    ID: ClassVar[int] = 0x0002
    nwk: int


@dataclass(frozen=True)
class PowerDescReq:
    ID: ClassVar[int] = 0x0003
    nwk: int


@dataclass(frozen=True)
class SimpleDescReq:
    ID: ClassVar[int] = 0x0004
    nwk: int
    endpoint: int


@dataclass(frozen=True)
class ActiveEpReq:
    ID: ClassVar[int] = 0x0005
    nwk: int


@dataclass(frozen=True)
class MatchDescReq:
    ID: ClassVar[int] = 0x0006
    nwk: int
    profile: int
    in_clusters: tuple[int, ...] = ()
    out_clusters: tuple[int, ...] = ()


@dataclass(frozen=True)
class DeviceAnnce:
    ID: ClassVar[int] = 0x0013
    nwk: int
    ieee: int
    capability: int


@dataclass(frozen=True)
class MgmtLeaveReq:
    ID: ClassVar[int] = 0x0034
    ieee: int
    rejoin: bool = False
    remove_children: bool = False
    reserved: int = 0


@dataclass(frozen=True)
class MgmtPermitJoiningReq:
    ID: ClassVar[int] = 0x0036
    duration: int
    tc_significance: int = 1


@dataclass(frozen=True)
class NwkAddrRsp:
    ID: ClassVar[int] = 0x8000
    status: int
    ieee: int
    nwk: int
    associated: AssociatedDevices | None = None


@dataclass(frozen=True)
class IeeeAddrRsp:
    ID: ClassVar[int] = 0x8001
    status: int
    ieee: int
    nwk: int
    associated: AssociatedDevices | None = None


def _check_descriptor(status: int, descriptor: object) -> None:
    if (descriptor is not None) != (status == ZdoStatus.SUCCESS):
        raise ZigbeeEncodeError(PROTOCOL, "descriptor", "present exactly when status is SUCCESS")


@dataclass(frozen=True)
class NodeDescRsp:
    ID: ClassVar[int] = 0x8002
    status: int
    nwk: int
    descriptor: NodeDescriptor | None = None

    def __post_init__(self) -> None:
        _check_descriptor(self.status, self.descriptor)


@dataclass(frozen=True)
class PowerDescRsp:
    ID: ClassVar[int] = 0x8003
    status: int
    nwk: int
    descriptor: PowerDescriptor | None = None

    def __post_init__(self) -> None:
        _check_descriptor(self.status, self.descriptor)


@dataclass(frozen=True)
class SimpleDescRsp:
    """The descriptor is framed by a length octet (0 = absent), so unlike the node and power
    responses its presence does not depend on the status."""

    ID: ClassVar[int] = 0x8004
    status: int
    nwk: int
    descriptor: SimpleDescriptor | None = None


@dataclass(frozen=True)
class ActiveEpRsp:
    ID: ClassVar[int] = 0x8005
    status: int
    nwk: int
    endpoints: tuple[int, ...] = ()


@dataclass(frozen=True)
class MatchDescRsp:
    ID: ClassVar[int] = 0x8006
    status: int
    nwk: int
    endpoints: tuple[int, ...] = ()


@dataclass(frozen=True)
class MgmtLeaveRsp:
    ID: ClassVar[int] = 0x8034
    status: int


@dataclass(frozen=True)
class MgmtPermitJoiningRsp:
    ID: ClassVar[int] = 0x8036
    status: int


ZdoCommand = (
    NwkAddrReq
    | IeeeAddrReq
    | NodeDescReq
    | PowerDescReq
    | SimpleDescReq
    | ActiveEpReq
    | MatchDescReq
    | DeviceAnnce
    | MgmtLeaveReq
    | MgmtPermitJoiningReq
    | NwkAddrRsp
    | IeeeAddrRsp
    | NodeDescRsp
    | PowerDescRsp
    | SimpleDescRsp
    | ActiveEpRsp
    | MatchDescRsp
    | MgmtLeaveRsp
    | MgmtPermitJoiningRsp
)


@dataclass(frozen=True)
class ZdoFrame:
    """A ZDP frame: transaction sequence number and command; `cluster` is the APS cluster ID."""

    tsn: int
    command: ZdoCommand

    @property
    def cluster(self) -> int:
        return self.command.ID


def _u8_list(name: str) -> Struct:
    """`count` octet then that many 8-bit values, as the dataclass field `name` (inline it)."""
    return Struct("count" / Rebuild(Int8ul, len_(this[name])), name / Array(this.count, Int8ul))


def _tail_present(ctx: Container) -> bool:
    """Building: the value has the optional tail. Parsing: octets remain after the fixed part."""
    if ctx._building:
        return ctx.associated is not None
    stream = ctx._io
    position = stream.tell()
    more = stream.read(1) != b""
    stream.seek(position)
    return more


_NODE_DESCRIPTOR = Struct(
    "type_bits"
    / BitStruct(
        "reserved" / BitsInteger(3),
        "user_descriptor_available" / Flag,
        "complex_descriptor_available" / Flag,
        "logical_type" / BitsInteger(3),
    ),
    "band_bits" / BitStruct("frequency_band" / BitsInteger(5), "aps_flags" / BitsInteger(3)),
    "mac_capability" / Int8ul,
    "manufacturer_code" / Int16ul,
    "maximum_buffer_size" / Int8ul,
    "maximum_incoming_transfer_size" / Int16ul,
    "server_mask" / Int16ul,
    "maximum_outgoing_transfer_size" / Int16ul,
    "descriptor_capability" / Int8ul,
)

_POWER_DESCRIPTOR = BitStruct(
    "available_power_sources" / BitsInteger(4),
    "current_power_mode" / BitsInteger(4),
    "current_power_level" / BitsInteger(4),
    "current_power_source" / BitsInteger(4),
)

_SIMPLE_DESCRIPTOR = Struct(
    "endpoint" / Int8ul,
    "profile" / Int16ul,
    "device_type" / Int16ul,
    "version_bits" / BitStruct("reserved" / BitsInteger(4), "device_version" / BitsInteger(4)),
    "in_count" / Rebuild(Int8ul, len_(this.in_clusters)),
    "in_clusters" / Array(this.in_count, Int16ul),
    "out_count" / Rebuild(Int8ul, len_(this.out_clusters)),
    "out_clusters" / Array(this.out_count, Int16ul),
)

_ASSOCIATED = Struct(
    "count" / Rebuild(Int8ul, len_(this.devices)),
    "start_index" / Int8ul,
    "devices" / Array(this.count, Int16ul),
)

_ADDR_RSP = Struct(
    "status" / Int8ul,
    "ieee" / Int64ul,
    "nwk" / Int16ul,
    # The tail is there only for an extended request; without it the body ends after `nwk`.
    "associated" / If(_tail_present, _ASSOCIATED),
)


def _descriptor_rsp(descriptor: Struct) -> Struct:
    return Struct("status" / Int8ul, "nwk" / Int16ul, "descriptor" / If(this.status == 0, descriptor))


_SIMPLE_DESC_RSP = Struct(
    "status" / Int8ul,
    "nwk" / Int16ul,
    "length"
    / Rebuild(
        Int8ul,
        lambda ctx: (
            0
            if ctx.descriptor is None
            else 8 + 2 * len(ctx.descriptor["in_clusters"]) + 2 * len(ctx.descriptor["out_clusters"])
        ),
    ),
    "descriptor" / If(this.length > 0, FixedSized(this.length, Struct(*_SIMPLE_DESCRIPTOR.subcons, Terminated))),
)

_TABLE = CommandTable(
    PROTOCOL,
    [
        (NwkAddrReq, Struct("ieee" / Int64ul, "request_type" / Int8ul, "start_index" / Int8ul)),
        (IeeeAddrReq, Struct("nwk" / Int16ul, "request_type" / Int8ul, "start_index" / Int8ul)),
        (NodeDescReq, Struct("nwk" / Int16ul)),
        (PowerDescReq, Struct("nwk" / Int16ul)),
        (SimpleDescReq, Struct("nwk" / Int16ul, "endpoint" / Int8ul)),
        (ActiveEpReq, Struct("nwk" / Int16ul)),
        (
            MatchDescReq,
            Struct(
                "nwk" / Int16ul,
                "profile" / Int16ul,
                "in_count" / Rebuild(Int8ul, len_(this.in_clusters)),
                "in_clusters" / Array(this.in_count, Int16ul),
                "out_count" / Rebuild(Int8ul, len_(this.out_clusters)),
                "out_clusters" / Array(this.out_count, Int16ul),
            ),
        ),
        (DeviceAnnce, Struct("nwk" / Int16ul, "ieee" / Int64ul, "capability" / Int8ul)),
        (
            MgmtLeaveReq,
            Struct(
                "ieee" / Int64ul,
                "flags_bits" / BitStruct("rejoin" / Flag, "remove_children" / Flag, "reserved" / BitsInteger(6)),
            ),
        ),
        (MgmtPermitJoiningReq, Struct("duration" / Int8ul, "tc_significance" / Int8ul)),
        (NwkAddrRsp, _ADDR_RSP),
        (IeeeAddrRsp, _ADDR_RSP),
        (NodeDescRsp, _descriptor_rsp(_NODE_DESCRIPTOR)),
        (PowerDescRsp, _descriptor_rsp(_POWER_DESCRIPTOR)),
        (SimpleDescRsp, _SIMPLE_DESC_RSP),
        (ActiveEpRsp, Struct("status" / Int8ul, "nwk" / Int16ul, "endpoints_bits" / _u8_list("endpoints"))),
        (MatchDescRsp, Struct("status" / Int8ul, "nwk" / Int16ul, "endpoints_bits" / _u8_list("endpoints"))),
        (MgmtLeaveRsp, Struct("status" / Int8ul)),
        (MgmtPermitJoiningRsp, Struct("status" / Int8ul)),
    ],
)

#: The ZDO clusters this codec carries, request and response IDs.
CLUSTERS = frozenset(cls.ID for cls in _TABLE.classes)


def parse_zdo(cluster: int, data: bytes, *, base: int = 0) -> ZdoFrame:
    """Decode the payload of a ZDO APS frame with cluster ID `cluster`. Raises `ZigbeeDecodeError`
    (offset plus `base`) for clusters we do not carry, malformed bodies and trailing octets."""
    if cluster not in CLUSTERS:
        raise ZigbeeDecodeError(PROTOCOL, base, "cluster", f"unsupported ZDO cluster 0x{cluster:04X}")
    if not data:
        raise ZigbeeDecodeError(PROTOCOL, base, "tsn", "no transaction sequence number")
    return ZdoFrame(data[0], _TABLE.parse_body(cluster, data[1:], base + 1))


def build_zdo(frame: ZdoFrame) -> bytes:
    """Encode a ZDO frame's APS payload (TSN then body); the APS cluster ID is `frame.cluster`."""
    if not 0 <= frame.tsn <= 0xFF:
        raise ZigbeeEncodeError(PROTOCOL, "tsn", f"{frame.tsn} is not an octet")
    return bytes([frame.tsn]) + _TABLE.build_body(frame.command)
