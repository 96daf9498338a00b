"""Beacon frame body: superframe specification, GTS fields, pending addresses (radio.md 2.3).

A ZigBee coordinator in non-beacon mode answers a Beacon Request with a
beacon whose superframe says beacon order = superframe order = 15, with the
association-permit and PAN-coordinator bits, no GTS, no pending addresses,
and a 15-octet ZigBee beacon payload (decoded by the ZigBee codec, not here).

Bit fields travel as whole octets through construct and are unpacked by the
dataclasses themselves (`from_int`/`to_int`): construct's BitStruct costs
about 13 us per parse even compiled, more than all the rest of a frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from construct import Array, If, Int8ul, Int16ul, Int64ul, Struct, this

from .errors import encode_error, fit


@dataclass(frozen=True, slots=True)
class SuperframeSpec:
    """The 16-bit superframe specification; the defaults are a ZigBee non-beacon network's."""

    beacon_order: int = 15
    superframe_order: int = 15
    final_cap_slot: int = 15
    battery_life_extension: bool = False
    reserved: bool = False
    pan_coordinator: bool = False
    association_permit: bool = False

    @classmethod
    def from_int(cls, value: int) -> SuperframeSpec:
        return cls(
            value & 15,
            value >> 4 & 15,
            value >> 8 & 15,
            bool(value & 0x1000),
            bool(value & 0x2000),
            bool(value & 0x4000),
            bool(value & 0x8000),
        )

    def to_int(self) -> int:
        return (
            fit(self.beacon_order, 4, "beacon_order")
            | fit(self.superframe_order, 4, "superframe_order") << 4
            | fit(self.final_cap_slot, 4, "final_cap_slot") << 8
            | self.battery_life_extension << 12
            | self.reserved << 13
            | self.pan_coordinator << 14
            | self.association_permit << 15
        )


@dataclass(frozen=True, slots=True)
class GtsDescriptor:
    """One guaranteed time slot: device short address, starting slot (4 bits), length (4 bits)."""

    short_address: int
    starting_slot: int
    length: int


@dataclass(frozen=True, slots=True)
class GtsFields:
    """GTS specification (+ directions and descriptors when there are any).

    `directions` is the 7-bit mask (bit i set: descriptor i is receive-only);
    `reserved` holds GTS-spec bits 3-6, `directions_reserved` bit 7 of the mask octet.
    """

    permit: bool = False
    descriptors: tuple[GtsDescriptor, ...] = ()
    directions: int = 0
    reserved: int = 0
    directions_reserved: bool = False


@dataclass(frozen=True, slots=True)
class PendingAddresses:
    """Addresses the coordinator holds indirect data for; `reserved` = spec bits 3 and 7 (as 0b10001000)."""

    short: tuple[int, ...] = ()
    extended: tuple[int, ...] = ()
    reserved: int = 0


BEACON_STRUCT = Struct(
    "superframe" / Int16ul,
    "gts_spec" / Int8ul,
    "gts_directions" / If((this.gts_spec & 7) != 0, Int8ul),
    "gts" / Array(this.gts_spec & 7, Struct("short_address" / Int16ul, "slot" / Int8ul)),
    "pending_spec" / Int8ul,
    "pending_short" / Array(this.pending_spec & 7, Int16ul),
    "pending_extended" / Array(this.pending_spec >> 4 & 7, Int64ul),
)


def beacon_from_raw(raw: dict) -> tuple[SuperframeSpec, GtsFields, PendingAddresses]:
    """The dataclasses from `BEACON_STRUCT`'s parse result."""
    spec = raw["gts_spec"]
    directions = raw["gts_directions"] or 0
    gts = GtsFields(
        bool(spec & 0x80),
        tuple(GtsDescriptor(d["short_address"], d["slot"] & 15, d["slot"] >> 4) for d in raw["gts"]),
        directions & 0x7F,
        spec >> 3 & 15,
        bool(directions & 0x80),
    )
    pending = PendingAddresses(tuple(raw["pending_short"]), tuple(raw["pending_extended"]), raw["pending_spec"] & 0x88)
    return SuperframeSpec.from_int(raw["superframe"]), gts, pending


def beacon_to_raw(superframe: SuperframeSpec, gts: GtsFields, pending: PendingAddresses) -> dict[str, object]:
    """`BEACON_STRUCT`'s build input; Ieee802154EncodeError when a count or bit field does not fit."""
    count = fit(len(gts.descriptors), 3, "gts.descriptors")
    if pending.reserved & ~0x88:
        raise encode_error("pending.reserved", "only bits 3 and 7 of the pending address spec are reserved")
    return dict(
        superframe=superframe.to_int(),
        gts_spec=count | fit(gts.reserved, 4, "gts.reserved") << 3 | gts.permit << 7,
        gts_directions=(fit(gts.directions, 7, "gts.directions") | gts.directions_reserved << 7) if count else None,
        gts=[
            dict(
                short_address=d.short_address,
                slot=fit(d.starting_slot, 4, "gts.starting_slot") | fit(d.length, 4, "gts.length") << 4,
            )
            for d in gts.descriptors
        ],
        pending_spec=(
            fit(len(pending.short), 3, "pending.short")
            | fit(len(pending.extended), 3, "pending.extended") << 4
            | pending.reserved
        ),
        pending_short=list(pending.short),
        pending_extended=list(pending.extended),
    )
