"""The parameter types of EZSP commands and callbacks, as a small declarative codec (UG100 "Data types").

Why a codec of our own: the EZSP reference defines every frame's parameters
as a sequence of fixed types (uint8_t, EmberNodeId, EmberEUI64, EmberKeyData,
length-prefixed byte strings, and a dozen structs); the command table in
`ezsp_commands` lists them per frame, and this module reads and writes them.
Both the NCP side (our virtual dongle) and a host side (tests, bench) use the
same table, so a frame's layout is written once.

Conventions (UG100): integers little-endian; an EUI-64 is 8 octets, least
significant first, kept here as an int in canonical order; keys are 16
octets; `LV` is a uint8_t length then that many octets (`LV32`: a uint32_t
length). Structs are frozen dataclasses whose `LAYOUT` names each field's
type in wire order.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from .errors import SerialDecodeError, SerialEncodeError

PROTOCOL = "ezsp"


class WireType(Protocol):
    """One EZSP parameter type: `read` at a position, `write` a value."""

    @property
    def name(self) -> str: ...

    def read(self, data: bytes, pos: int, field: str) -> tuple[Any, int]: ...

    def write(self, value: Any, field: str) -> bytes: ...


def _short(data: bytes, pos: int, need: int, field: str) -> SerialDecodeError:
    return SerialDecodeError(PROTOCOL, len(data), field, f"needs {need} bytes at offset {pos}, {len(data) - pos} left")


@dataclass(frozen=True, slots=True)
class Integer:
    """A fixed-size little-endian integer (`struct` format character)."""

    name: str
    code: str

    def read(self, data: bytes, pos: int, field: str) -> tuple[int, int]:
        size = struct.calcsize(self.code)
        if pos + size > len(data):
            raise _short(data, pos, size, field)
        return struct.unpack_from("<" + self.code, data, pos)[0], pos + size

    def write(self, value: Any, field: str) -> bytes:
        try:
            return struct.pack("<" + self.code, int(value))
        except (struct.error, TypeError, ValueError) as exc:
            raise SerialEncodeError(PROTOCOL, field, f"{value!r} is not a {self.name}: {exc}") from None


@dataclass(frozen=True, slots=True)
class Boolean:
    name: str = "bool"

    def read(self, data: bytes, pos: int, field: str) -> tuple[bool, int]:
        if pos >= len(data):
            raise _short(data, pos, 1, field)
        return data[pos] != 0, pos + 1

    def write(self, value: Any, field: str) -> bytes:
        return b"\x01" if value else b"\x00"


@dataclass(frozen=True, slots=True)
class Eui64:
    """An EUI-64 on the wire least significant octet first; an int in canonical order here."""

    name: str = "EmberEUI64"

    def read(self, data: bytes, pos: int, field: str) -> tuple[int, int]:
        if pos + 8 > len(data):
            raise _short(data, pos, 8, field)
        return int.from_bytes(data[pos : pos + 8], "little"), pos + 8

    def write(self, value: Any, field: str) -> bytes:
        if not isinstance(value, int) or not 0 <= value < 1 << 64:
            raise SerialEncodeError(PROTOCOL, field, f"{value!r} is not a 64-bit EUI")
        return value.to_bytes(8, "little")


@dataclass(frozen=True, slots=True)
class FixedBytes:
    """A fixed number of octets (EmberKeyData: 16)."""

    name: str
    size: int

    def read(self, data: bytes, pos: int, field: str) -> tuple[bytes, int]:
        if pos + self.size > len(data):
            raise _short(data, pos, self.size, field)
        return bytes(data[pos : pos + self.size]), pos + self.size

    def write(self, value: Any, field: str) -> bytes:
        if not isinstance(value, bytes | bytearray) or len(value) != self.size:
            raise SerialEncodeError(PROTOCOL, field, f"expected {self.size} octets, got {value!r}")
        return bytes(value)


@dataclass(frozen=True, slots=True)
class LengthPrefixed:
    """Octets after a length of `prefix` bytes (LV: 1, LV32: 4)."""

    name: str
    prefix: int

    def read(self, data: bytes, pos: int, field: str) -> tuple[bytes, int]:
        if pos + self.prefix > len(data):
            raise _short(data, pos, self.prefix, field)
        length = int.from_bytes(data[pos : pos + self.prefix], "little")
        start = pos + self.prefix
        if start + length > len(data):
            raise _short(data, start, length, field)
        return bytes(data[start : start + length]), start + length

    def write(self, value: Any, field: str) -> bytes:
        if not isinstance(value, bytes | bytearray):
            raise SerialEncodeError(PROTOCOL, field, f"expected octets, got {value!r}")
        if len(value) >= 1 << (8 * self.prefix):
            raise SerialEncodeError(PROTOCOL, field, f"{len(value)} octets do not fit a {self.prefix}-byte length")
        return len(value).to_bytes(self.prefix, "little") + bytes(value)


@dataclass(frozen=True, slots=True)
class Rest:
    """uint16_t values to the end of the frame (cluster lists whose counts came in earlier fields)."""

    name: str = "uint16_t[]"

    def read(self, data: bytes, pos: int, field: str) -> tuple[tuple[int, ...], int]:
        if (len(data) - pos) % 2:
            raise SerialDecodeError(PROTOCOL, len(data), field, "an odd number of octets in a uint16_t list")
        count = (len(data) - pos) // 2
        return struct.unpack_from(f"<{count}H", data, pos), len(data)

    def write(self, value: Any, field: str) -> bytes:
        try:
            return struct.pack(f"<{len(value)}H", *value)
        except (struct.error, TypeError) as exc:
            raise SerialEncodeError(PROTOCOL, field, f"{value!r} is not a list of uint16_t: {exc}") from None


@dataclass(frozen=True, slots=True)
class LengthPrefixedList:
    """A uint8_t count, then that many uint16_t (EmberNodeId relay lists)."""

    name: str = "uint16_t list"

    def read(self, data: bytes, pos: int, field: str) -> tuple[tuple[int, ...], int]:
        count, pos = U8.read(data, pos, field)
        if pos + 2 * count > len(data):
            raise _short(data, pos, 2 * count, field)
        return struct.unpack_from(f"<{count}H", data, pos), pos + 2 * count

    def write(self, value: Any, field: str) -> bytes:
        return U8.write(len(value), field) + Rest().write(value, field)


U8 = Integer("uint8_t", "B")
U16 = Integer("uint16_t", "H")
U32 = Integer("uint32_t", "I")
I8 = Integer("int8_t", "b")
BOOL = Boolean()
EUI64 = Eui64()
KEY = FixedBytes("EmberKeyData", 16)
LV = LengthPrefixed("LV", 1)
LV32 = LengthPrefixed("LV32", 4)
U16_REST = Rest()
U16_LIST = LengthPrefixedList()


class StructValue:
    """Base of the EZSP structs: a frozen dataclass with a `LAYOUT` of (field, type) in wire order."""

    LAYOUT: ClassVar[tuple[tuple[str, WireType], ...]]


@dataclass(frozen=True, slots=True)
class Struct:
    """The wire type of a `StructValue` class."""

    cls: type[StructValue]

    @property
    def name(self) -> str:
        return self.cls.__name__

    def read(self, data: bytes, pos: int, field: str) -> tuple[StructValue, int]:
        values = {}
        for name, kind in self.cls.LAYOUT:
            values[name], pos = kind.read(data, pos, f"{field}.{name}")
        return self.cls(**values), pos

    def write(self, value: Any, field: str) -> bytes:
        if not isinstance(value, self.cls):
            raise SerialEncodeError(PROTOCOL, field, f"expected {self.name}, got {type(value).__name__}")
        return b"".join(kind.write(getattr(value, name), f"{field}.{name}") for name, kind in self.cls.LAYOUT)


def read_fields(layout: Sequence[tuple[str, WireType]], data: bytes, what: str) -> dict[str, Any]:
    """Every field of `layout` from `data`; SerialDecodeError if short or with octets left over."""
    values: dict[str, Any] = {}
    pos = 0
    for name, kind in layout:
        values[name], pos = kind.read(data, pos, f"{what}.{name}")
    if pos != len(data):
        raise SerialDecodeError(PROTOCOL, pos, what, f"{len(data) - pos} octets after the last parameter")
    return values


def write_fields(layout: Sequence[tuple[str, WireType]], values: dict[str, Any], what: str) -> bytes:
    """The parameters of `layout` from `values` (every field required, no unknown ones)."""
    unknown = set(values) - {name for name, _ in layout}
    if unknown:
        raise SerialEncodeError(PROTOCOL, what, f"unknown parameters {sorted(unknown)}")
    out = bytearray()
    for name, kind in layout:
        if name not in values:
            raise SerialEncodeError(PROTOCOL, f"{what}.{name}", "missing")
        out += kind.write(values[name], f"{what}.{name}")
    return bytes(out)


def replace(value: StructValue, **changes: Any) -> Any:
    """A copy of a struct with some fields changed."""
    return dataclasses.replace(value, **changes)  # type: ignore[type-var]  # every StructValue is a dataclass


# --- the structs (UG100 "Structures"; field order as the EZSP reference lists it) --------------


@dataclass(frozen=True, slots=True)
class NetworkParameters(StructValue):
    """EmberNetworkParameters."""

    extended_pan_id: int
    pan_id: int
    radio_tx_power: int
    radio_channel: int
    join_method: int = 0
    nwk_manager_id: int = 0
    nwk_update_id: int = 0
    channels: int = 0

    LAYOUT: ClassVar = (
        ("extended_pan_id", EUI64),
        ("pan_id", U16),
        ("radio_tx_power", I8),
        ("radio_channel", U8),
        ("join_method", U8),
        ("nwk_manager_id", U16),
        ("nwk_update_id", U8),
        ("channels", U32),
    )


@dataclass(frozen=True, slots=True)
class ApsFrame(StructValue):
    """EmberApsFrame."""

    profile_id: int
    cluster_id: int
    source_endpoint: int
    destination_endpoint: int
    options: int = 0
    group_id: int = 0
    sequence: int = 0

    LAYOUT: ClassVar = (
        ("profile_id", U16),
        ("cluster_id", U16),
        ("source_endpoint", U8),
        ("destination_endpoint", U8),
        ("options", U16),
        ("group_id", U16),
        ("sequence", U8),
    )


@dataclass(frozen=True, slots=True)
class InitialSecurityState(StructValue):
    """EmberInitialSecurityState."""

    bitmask: int
    preconfigured_key: bytes
    network_key: bytes
    network_key_sequence: int
    trust_center_eui64: int

    LAYOUT: ClassVar = (
        ("bitmask", U16),
        ("preconfigured_key", KEY),
        ("network_key", KEY),
        ("network_key_sequence", U8),
        ("trust_center_eui64", EUI64),
    )


@dataclass(frozen=True, slots=True)
class CurrentSecurityState(StructValue):
    """EmberCurrentSecurityState."""

    bitmask: int
    trust_center_eui64: int

    LAYOUT: ClassVar = (("bitmask", U16), ("trust_center_eui64", EUI64))


@dataclass(frozen=True, slots=True)
class KeyContext(StructValue):
    """sl_zb_sec_man_context_t (EZSP 13): which key an export/import/check is about."""

    core_key_type: int
    key_index: int = 0
    derived_type: int = 0
    eui64: int = 0
    multi_network_index: int = 0
    flags: int = 0
    psa_key_alg_permission: int = 0

    LAYOUT: ClassVar = (
        ("core_key_type", U8),
        ("key_index", U8),
        ("derived_type", U16),
        ("eui64", EUI64),
        ("multi_network_index", U8),
        ("flags", U8),
        ("psa_key_alg_permission", U32),
    )


@dataclass(frozen=True, slots=True)
class ApsKeyMetadata(StructValue):
    """sl_zb_sec_man_aps_key_metadata_t: a link key's flags, frame counters and time to live."""

    bitmask: int
    outgoing_frame_counter: int
    incoming_frame_counter: int
    ttl_seconds: int = 0

    LAYOUT: ClassVar = (
        ("bitmask", U16),
        ("outgoing_frame_counter", U32),
        ("incoming_frame_counter", U32),
        ("ttl_seconds", U16),
    )


@dataclass(frozen=True, slots=True)
class NetworkKeyInfo(StructValue):
    """sl_zb_sec_man_network_key_info_t."""

    network_key_set: bool
    alternate_network_key_set: bool
    network_key_sequence: int
    alternate_network_key_sequence: int
    network_key_frame_counter: int

    LAYOUT: ClassVar = (
        ("network_key_set", BOOL),
        ("alternate_network_key_set", BOOL),
        ("network_key_sequence", U8),
        ("alternate_network_key_sequence", U8),
        ("network_key_frame_counter", U32),
    )


@dataclass(frozen=True, slots=True)
class ChildData(StructValue):
    """EmberChildData (EZSP 10 and later)."""

    eui64: int
    node_type: int
    node_id: int
    phy: int = 0
    power: int = 0
    timeout: int = 0
    remaining_timeout: int = 0

    LAYOUT: ClassVar = (
        ("eui64", EUI64),
        ("node_type", U8),
        ("node_id", U16),
        ("phy", U8),
        ("power", U8),
        ("timeout", U8),
        ("remaining_timeout", U32),
    )


@dataclass(frozen=True, slots=True)
class NeighborEntry(StructValue):
    """EmberNeighborTableEntry."""

    short_id: int
    average_lqi: int
    in_cost: int
    out_cost: int
    age: int
    long_id: int

    LAYOUT: ClassVar = (
        ("short_id", U16),
        ("average_lqi", U8),
        ("in_cost", U8),
        ("out_cost", U8),
        ("age", U8),
        ("long_id", EUI64),
    )


@dataclass(frozen=True, slots=True)
class RouteEntry(StructValue):
    """EmberRouteTableEntry."""

    destination: int
    next_hop: int
    status: int
    age: int
    concentrator_type: int
    route_record_state: int

    LAYOUT: ClassVar = (
        ("destination", U16),
        ("next_hop", U16),
        ("status", U8),
        ("age", U8),
        ("concentrator_type", U8),
        ("route_record_state", U8),
    )


@dataclass(frozen=True, slots=True)
class TokenInfo(StructValue):
    """EmberTokenInfo: one NVM3 token's key, kind and size."""

    nvm3_key: int
    is_counter: bool
    is_indexed: bool
    size: int
    array_size: int

    LAYOUT: ClassVar = (
        ("nvm3_key", U32),
        ("is_counter", BOOL),
        ("is_indexed", BOOL),
        ("size", U8),
        ("array_size", U8),
    )


@dataclass(frozen=True, slots=True)
class MulticastEntry(StructValue):
    """EmberMulticastTableEntry: endpoint 0 means the entry is unused."""

    multicast_id: int
    endpoint: int
    network_index: int = 0

    LAYOUT: ClassVar = (("multicast_id", U16), ("endpoint", U8), ("network_index", U8))


NETWORK_PARAMETERS = Struct(NetworkParameters)
MULTICAST_ENTRY = Struct(MulticastEntry)
APS_FRAME = Struct(ApsFrame)
INITIAL_SECURITY_STATE = Struct(InitialSecurityState)
CURRENT_SECURITY_STATE = Struct(CurrentSecurityState)
KEY_CONTEXT = Struct(KeyContext)
APS_KEY_METADATA = Struct(ApsKeyMetadata)
NETWORK_KEY_INFO = Struct(NetworkKeyInfo)
CHILD_DATA = Struct(ChildData)
NEIGHBOR_ENTRY = Struct(NeighborEntry)
ROUTE_ENTRY = Struct(RouteEntry)
TOKEN_INFO = Struct(TokenInfo)
