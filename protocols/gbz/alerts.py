"""GBZ alert bodies with a use-case layout (gbcs.md 5.5; meters.md 5.2).

- 0x00CD future-dated execution outcome (alert 0x8F66 success / 0x8F67 failure): a length
  byte 0x0E then the message code (2) and originator counter (8) of the future-dated command,
  and the cluster (2), ZCL frame control (1) and command id (1) of the component executed.
- 0x00CF firmware distribution receipt (alert 0x8F72): the calculated image hash as `09 20` +
  32 bytes (a DLMS-style octet string, kept in the GBZ form too).
- 0x00F2 integrity warning (alert 0x81A0): a 2-byte reason.

Each is a frozen value with `parse`/`build`, used through `GbzAlert.body`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from protocols.gbz.errors import GbzDecodeError, GbzEncodeError

#: Alert message codes (Other Information) of the layouts below.
FUTURE_DATED_MESSAGE_CODE = 0x00CD
FIRMWARE_RECEIPT_MESSAGE_CODE = 0x00CF
INTEGRITY_MESSAGE_CODE = 0x00F2
#: Alert codes (meters.md 5.3).
FUTURE_DATED_SUCCESS, FUTURE_DATED_FAILURE = 0x8F66, 0x8F67
FIRMWARE_VERIFIED = 0x8F72
INTEGRITY_WARNING = 0x81A0
_FUTURE_DATED_SIZE = 14
_HASH_SIZE = 32


@dataclass(frozen=True, slots=True)
class FutureDatedOutcome:
    """The 0x00CD body: which command (message code, counter) and component (cluster, frame control, id) ran."""

    message_code: int
    counter: int
    cluster_id: int
    frame_control: int
    command_id: int

    @classmethod
    def parse(cls, body: bytes) -> FutureDatedOutcome:
        if len(body) != 1 + _FUTURE_DATED_SIZE or body[0] != _FUTURE_DATED_SIZE:
            raise GbzDecodeError(
                0, "future-dated details", f"expected 0E + 14 bytes, got {body[:1].hex()} + {len(body) - 1}"
            )
        return cls(
            int.from_bytes(body[1:3], "big"),
            int.from_bytes(body[3:11], "big"),
            int.from_bytes(body[11:13], "big"),
            body[13],
            body[14],
        )

    def build(self) -> bytes:
        try:
            return (
                bytes((_FUTURE_DATED_SIZE,))
                + self.message_code.to_bytes(2, "big")
                + self.counter.to_bytes(8, "big")
                + self.cluster_id.to_bytes(2, "big")
                + bytes((self.frame_control, self.command_id))
            )
        except (OverflowError, ValueError) as exc:
            raise GbzEncodeError("future-dated details", str(exc)) from None


@dataclass(frozen=True, slots=True)
class ImageHash:
    """The 0x00CF body: the 32-byte hash of the firmware image the device calculated."""

    digest: bytes

    @classmethod
    def parse(cls, body: bytes) -> ImageHash:
        if len(body) != 2 + _HASH_SIZE or body[:2] != b"\x09\x20":
            raise GbzDecodeError(0, "image hash", f"expected 09 20 + 32 bytes, got {len(body)} bytes")
        return cls(body[2:])

    def build(self) -> bytes:
        if len(self.digest) != _HASH_SIZE:
            raise GbzEncodeError("digest", f"{len(self.digest)} bytes, a hash is 32")
        return b"\x09\x20" + self.digest


class IntegrityReason(enum.IntEnum):
    """0x81A0 reasons (meters.md 5.2)."""

    OTHER = 0
    NON_VOLATILE_MEMORY = 1
    PROGRAM_EXECUTION = 2
    PROGRAM_STORAGE = 3
    RAM = 4
    UNEXPECTED_HARDWARE_RESET = 5
    WATCHDOG = 6
    METROLOGY_FIRMWARE_VERIFICATION = 7
    MEASUREMENT_FAULT = 8
    UNSPECIFIED_INTEGRITY_ERROR = 9


@dataclass(frozen=True, slots=True)
class IntegrityWarning:
    """The 0x00F2 body: a 2-byte reason."""

    reason: int

    @classmethod
    def parse(cls, body: bytes) -> IntegrityWarning:
        if len(body) != 2:
            raise GbzDecodeError(0, "integrity reason", f"{len(body)} bytes, expected 2")
        return cls(int.from_bytes(body, "big"))

    def build(self) -> bytes:
        if not 0 <= self.reason <= 0xFFFF:
            raise GbzEncodeError("reason", f"{self.reason} is not 16 bits")
        return self.reason.to_bytes(2, "big")
