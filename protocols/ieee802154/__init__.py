"""IEEE 802.15.4 for the GB HAN: PHY headers and airtime, MAC frames, FCS, ACKs.

Public API (see docs/ieee802154.md):

* `parse(psdu, fcs=16) -> Frame` and `build(frame, fcs=16) -> bytes`, with
  `Frame = DataFrame | AckFrame | BeaconFrame | CommandFrame`;
* `peek(psdu) -> Header`: the MHR without a full decode (hot path);
* `build_ack(seq, frame_pending=False)`, `fcs16`, `fcs32`, `check_fcs`, `append_fcs`;
* `phy.airtime(psdu_len, page)`, `phy.parse_ppdu` / `phy.build_ppdu`;
* errors `Ieee802154DecodeError` (with `.offset`) and `Ieee802154EncodeError`.
"""

from __future__ import annotations

from . import phy
from .beacon import GtsDescriptor, GtsFields, PendingAddresses, SuperframeSpec
from .commands import (
    AssociationRequest,
    AssociationResponse,
    AssociationStatus,
    BeaconRequest,
    Capability,
    Command,
    CommandId,
    CoordinatorRealignment,
    DataRequest,
    Disassociation,
    DisassociationReason,
    GtsRequest,
    OrphanNotification,
    PanIdConflict,
    RawCommand,
)
from .errors import Ieee802154DecodeError, Ieee802154EncodeError
from .fcs import append_fcs, check_fcs, fcs16, fcs32
from .header import BROADCAST_ADDRESS, BROADCAST_PAN_ID, AddrMode, FrameType, FrameVersion, Header, build_ack, peek
from .mac import AckFrame, BeaconFrame, CommandFrame, DataFrame, Frame, build, parse
from .phy import Ppdu, airtime, airtime_us, build_ppdu, parse_ppdu
from .security import SecurityHeader

__all__ = [
    "BROADCAST_ADDRESS",
    "BROADCAST_PAN_ID",
    "AckFrame",
    "AddrMode",
    "AssociationRequest",
    "AssociationResponse",
    "AssociationStatus",
    "BeaconFrame",
    "BeaconRequest",
    "Capability",
    "Command",
    "CommandFrame",
    "CommandId",
    "CoordinatorRealignment",
    "DataFrame",
    "DataRequest",
    "Disassociation",
    "DisassociationReason",
    "Frame",
    "FrameType",
    "FrameVersion",
    "GtsDescriptor",
    "GtsFields",
    "GtsRequest",
    "Header",
    "Ieee802154DecodeError",
    "Ieee802154EncodeError",
    "OrphanNotification",
    "PanIdConflict",
    "PendingAddresses",
    "Ppdu",
    "RawCommand",
    "SecurityHeader",
    "SuperframeSpec",
    "airtime",
    "airtime_us",
    "append_fcs",
    "build",
    "build_ack",
    "build_ppdu",
    "check_fcs",
    "fcs16",
    "fcs32",
    "parse",
    "parse_ppdu",
    "peek",
    "phy",
]
