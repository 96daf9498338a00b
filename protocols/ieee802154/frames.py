"""The MAC frame values: one frozen dataclass per frame type (radio.md 2.1).

They live apart from the codec so that both decoders of `mac.parse` (the
struct-free fast path in `fastpath` and the construct reference in `mac`)
return the very same classes without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from .beacon import GtsFields, PendingAddresses, SuperframeSpec
from .commands import Command
from .header import FrameType, Header
from .security import SecurityHeader


@dataclass(frozen=True, slots=True)
class DataFrame:
    """A data frame; `payload` is the raw MAC payload (a ZigBee NWK frame, or ciphertext + MIC)."""

    header: Header
    payload: bytes = b""
    security: SecurityHeader | None = None


@dataclass(frozen=True, slots=True)
class AckFrame:
    """An acknowledgement: immediate ACKs are header-only; 2015 frames may carry a payload."""

    header: Header
    payload: bytes = b""
    security: SecurityHeader | None = None


@dataclass(frozen=True, slots=True)
class BeaconFrame:
    """A beacon; `payload` is the raw beacon payload (ZigBee's 15 octets)."""

    header: Header
    superframe: SuperframeSpec = SuperframeSpec()  # noqa: RUF009 - a frozen value: one shared default is safe
    gts: GtsFields = GtsFields()  # noqa: RUF009 - a frozen value: one shared default is safe
    pending: PendingAddresses = PendingAddresses()  # noqa: RUF009 - a frozen value: one shared default is safe
    payload: bytes = b""
    security: SecurityHeader | None = None


@dataclass(frozen=True, slots=True)
class CommandFrame:
    """A MAC command; secured command payloads come back as `RawCommand`."""

    header: Header
    command: Command
    security: SecurityHeader | None = None


Frame = DataFrame | AckFrame | BeaconFrame | CommandFrame

#: The dataclass of each frame type.
FRAME_CLASSES = {
    FrameType.BEACON: BeaconFrame,
    FrameType.DATA: DataFrame,
    FrameType.ACK: AckFrame,
    FrameType.COMMAND: CommandFrame,
}
