"""MAC command frames: one frozen dataclass per command (radio.md 2.3, 2.6).

The table `_BODIES` maps each command ID to its payload struct and dataclass,
so adding a command is one entry.  Unknown IDs, and commands whose payload is
secured (we hold no keys), come back as `RawCommand` with the octets intact,
which keeps `build(parse(x)) == x` for everything that parses.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from typing import ClassVar

from construct import Int8ul, Int16ul, Optional, Struct

from .errors import fit


class CommandId(enum.IntEnum):
    """MAC command frame identifiers (IEEE 802.15.4-2006 table 82)."""

    ASSOCIATION_REQUEST = 0x01
    ASSOCIATION_RESPONSE = 0x02
    DISASSOCIATION = 0x03
    DATA_REQUEST = 0x04
    PAN_ID_CONFLICT = 0x05
    ORPHAN_NOTIFICATION = 0x06
    BEACON_REQUEST = 0x07
    COORDINATOR_REALIGNMENT = 0x08
    GTS_REQUEST = 0x09


class Capability(enum.IntFlag):
    """Association Request capability information (router joiner = 0x8E)."""

    ALTERNATE_PAN_COORDINATOR = 0x01
    FFD = 0x02
    MAINS_POWERED = 0x04
    RX_ON_WHEN_IDLE = 0x08
    RESERVED_4 = 0x10
    RESERVED_5 = 0x20
    SECURITY = 0x40
    ALLOCATE_ADDRESS = 0x80


class AssociationStatus(enum.IntEnum):
    """Association Response status values of 802.15.4-2006 (others pass through as ints)."""

    SUCCESS = 0
    PAN_AT_CAPACITY = 1
    ACCESS_DENIED = 2


class DisassociationReason(enum.IntEnum):
    """Disassociation Notification reasons (others pass through as ints)."""

    COORDINATOR_WISHES_DEVICE_TO_LEAVE = 1
    DEVICE_WISHES_TO_LEAVE = 2


@dataclass(frozen=True, slots=True)
class AssociationRequest:
    ID: ClassVar[CommandId] = CommandId.ASSOCIATION_REQUEST
    capability: Capability


@dataclass(frozen=True, slots=True)
class AssociationResponse:
    ID: ClassVar[CommandId] = CommandId.ASSOCIATION_RESPONSE
    short_address: int
    status: int = AssociationStatus.SUCCESS


@dataclass(frozen=True, slots=True)
class Disassociation:
    ID: ClassVar[CommandId] = CommandId.DISASSOCIATION
    reason: int


@dataclass(frozen=True, slots=True)
class DataRequest:
    ID: ClassVar[CommandId] = CommandId.DATA_REQUEST


@dataclass(frozen=True, slots=True)
class PanIdConflict:
    ID: ClassVar[CommandId] = CommandId.PAN_ID_CONFLICT


@dataclass(frozen=True, slots=True)
class OrphanNotification:
    ID: ClassVar[CommandId] = CommandId.ORPHAN_NOTIFICATION


@dataclass(frozen=True, slots=True)
class BeaconRequest:
    ID: ClassVar[CommandId] = CommandId.BEACON_REQUEST


@dataclass(frozen=True, slots=True)
class CoordinatorRealignment:
    """Sent to an orphan (or broadcast) to move it; `channel_page` is the optional 2006 field."""

    ID: ClassVar[CommandId] = CommandId.COORDINATOR_REALIGNMENT
    pan_id: int
    coordinator_short_address: int
    channel: int
    short_address: int
    channel_page: int | None = None


@dataclass(frozen=True, slots=True)
class GtsRequest:
    """GTS characteristics octet: length (4 bits), direction, characteristics type, 2 reserved bits."""

    ID: ClassVar[CommandId] = CommandId.GTS_REQUEST
    length: int
    receive: bool = False
    allocation: bool = True
    reserved: int = 0


@dataclass(frozen=True, slots=True)
class RawCommand:
    """A command we do not decode: unknown ID, or a payload hidden by MAC security."""

    command_id: int
    data: bytes = b""


Command = (
    AssociationRequest
    | AssociationResponse
    | Disassociation
    | DataRequest
    | PanIdConflict
    | OrphanNotification
    | BeaconRequest
    | CoordinatorRealignment
    | GtsRequest
    | RawCommand
)

_EMPTY = Struct()

#: command ID -> (payload struct, dataclass); payload fields are named as the dataclass's.
_BODIES: dict[int, tuple[Struct, type]] = {
    CommandId.ASSOCIATION_REQUEST: (Struct("capability" / Int8ul), AssociationRequest),
    CommandId.ASSOCIATION_RESPONSE: (Struct("short_address" / Int16ul, "status" / Int8ul), AssociationResponse),
    CommandId.DISASSOCIATION: (Struct("reason" / Int8ul), Disassociation),
    CommandId.DATA_REQUEST: (_EMPTY, DataRequest),
    CommandId.PAN_ID_CONFLICT: (_EMPTY, PanIdConflict),
    CommandId.ORPHAN_NOTIFICATION: (_EMPTY, OrphanNotification),
    CommandId.BEACON_REQUEST: (_EMPTY, BeaconRequest),
    CommandId.COORDINATOR_REALIGNMENT: (
        Struct(
            "pan_id" / Int16ul,
            "coordinator_short_address" / Int16ul,
            "channel" / Int8ul,
            "short_address" / Int16ul,
            "channel_page" / Optional(Int8ul),
        ),
        CoordinatorRealignment,
    ),
    CommandId.GTS_REQUEST: (Struct("characteristics" / Int8ul), GtsRequest),
}

#: The Switch cases for command payloads.
COMMAND_STRUCTS = {int(command_id): struct for command_id, (struct, _) in _BODIES.items()}  # plain ints: compiled code


#: Each command dataclass's init fields, in order (dataclasses.fields is slow on the parse path).
_FIELD_NAMES = {cls: tuple(f.name for f in fields(cls)) for _, cls in _BODIES.values()}


def command_from_raw(command_id: int, raw: dict) -> Command:
    """The dataclass for a parsed command payload."""
    if command_id == CommandId.ASSOCIATION_REQUEST:
        return AssociationRequest(Capability(raw["capability"]))
    if command_id == CommandId.GTS_REQUEST:
        characteristics = raw["characteristics"]
        return GtsRequest(
            characteristics & 15, bool(characteristics & 0x10), bool(characteristics & 0x20), characteristics >> 6
        )
    cls = _BODIES[command_id][1]
    return cls(*[raw[name] for name in _FIELD_NAMES[cls]])


def command_to_raw(command: Command) -> dict[str, object]:
    """The payload struct's build input for a decoded command."""
    if isinstance(command, GtsRequest):
        return dict(
            characteristics=fit(command.length, 4, "gts_request.length")
            | command.receive << 4
            | command.allocation << 5
            | fit(command.reserved, 2, "gts_request.reserved") << 6
        )
    if isinstance(command, AssociationRequest):
        return dict(capability=int(command.capability))
    return {f.name: getattr(command, f.name) for f in fields(command)}
