"""GBZ alert bodies with a use-case layout (gbcs.md 5.5; meters.md 5.2).

- 0x00CD future-dated execution outcome (alert 0x8F66 success / 0x8F67 failure): a length
  byte 0x0E then the message code (2) and originator counter (8) of the future-dated command,
  and the cluster (2), ZCL frame control (1) and command id (1) of the component executed.
- 0x00CF firmware distribution receipt (alert 0x8F72): the calculated image hash as `09 20` +
  32 bytes (a DLMS-style octet string, kept in the GBZ form too).
- 0x00F2 integrity warning (alert 0x81A0): a 2-byte reason.
- 0x1000 / 0x1001 generic alerts 0x8161 / 0x8162 (user-interface command (not) actioned,
  meters.md 5.2): the 2-byte id of the user-interface command.

Each is a frozen value with `parse`/`build`, used through `GbzAlert.body`; `body_type` says
which one (if any) an alert carries, from its message code and alert code. Every other GBZ
alert carries components after its header (none for a bare alert; GCS53's 0x008B carries one
Metering Publish Snapshot component). Each value's `LAYOUT` lists its fields - (name in a
decoded tree, attribute, size) - in wire order, so a display can place them without reading
the bytes again.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from protocols.gbcs.alert_records import UI_COMMAND_ACTIONED, UI_COMMAND_NOT_ACTIONED, UserInterfaceCommand
from protocols.gbz.errors import GbzDecodeError, GbzEncodeError

__all__ = [
    "UI_COMMAND_ACTIONED",
    "UI_COMMAND_NOT_ACTIONED",
    "AlertBody",
    "FutureDatedOutcome",
    "ImageHash",
    "IntegrityReason",
    "IntegrityWarning",
    "UserInterfaceAlert",
    "UserInterfaceCommand",
    "body_type",
    "parse_body",
]

#: Alert message codes (Other Information) of the layouts below.
FUTURE_DATED_MESSAGE_CODE = 0x00CD
FIRMWARE_RECEIPT_MESSAGE_CODE = 0x00CF
INTEGRITY_MESSAGE_CODE = 0x00F2
GENERIC_CRITICAL, GENERIC_NON_CRITICAL = 0x1000, 0x1001
#: Alert codes (meters.md 5.3).
FUTURE_DATED_SUCCESS, FUTURE_DATED_FAILURE = 0x8F66, 0x8F67
FIRMWARE_VERIFIED = 0x8F72
INTEGRITY_WARNING = 0x81A0
FIRMWARE_VERIFICATION_FAILED = 0x8F1C
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

    LAYOUT: ClassVar = (
        ("length", "length", 1),
        ("message-code", "message_code", 2),
        ("originator-counter", "counter", 8),
        ("cluster-id", "cluster_id", 2),
        ("zcl-frame-control", "frame_control", 1),
        ("command-id", "command_id", 1),
    )

    @property
    def length(self) -> int:
        """The length byte before the fields: always 14."""
        return _FUTURE_DATED_SIZE

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

    LAYOUT: ClassVar = (("calculated-image-hash", "digest", 2 + _HASH_SIZE),)

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

    LAYOUT: ClassVar = (("integrity-reason", "reason", 2),)

    @classmethod
    def parse(cls, body: bytes) -> IntegrityWarning:
        if len(body) != 2:
            raise GbzDecodeError(0, "integrity reason", f"{len(body)} bytes, expected 2")
        return cls(int.from_bytes(body, "big"))

    def build(self) -> bytes:
        if not 0 <= self.reason <= 0xFFFF:
            raise GbzEncodeError("reason", f"{self.reason} is not 16 bits")
        return self.reason.to_bytes(2, "big")


@dataclass(frozen=True, slots=True)
class UserInterfaceAlert:
    """The body of a generic 0x8161 / 0x8162 alert: which user-interface command was (not) actioned."""

    command: int

    LAYOUT: ClassVar = (("user-interface-command", "command", 2),)

    @classmethod
    def parse(cls, body: bytes) -> UserInterfaceAlert:
        if len(body) != 2:
            raise GbzDecodeError(0, "user-interface command", f"{len(body)} bytes, expected 2")
        return cls(int.from_bytes(body, "big"))

    def build(self) -> bytes:
        if not 0 <= self.command <= 0xFFFF:
            raise GbzEncodeError("command", f"{self.command} is not 16 bits")
        return self.command.to_bytes(2, "big")


AlertBody = FutureDatedOutcome | ImageHash | IntegrityWarning | UserInterfaceAlert
#: Message code -> the body every alert under it carries (gbcs.md 5.5, meters.md 5.2).
_BODIES: dict[int, type[AlertBody]] = {
    FUTURE_DATED_MESSAGE_CODE: FutureDatedOutcome,
    FIRMWARE_RECEIPT_MESSAGE_CODE: ImageHash,
    INTEGRITY_MESSAGE_CODE: IntegrityWarning,
}
#: Generic-alert codes whose alerts carry a body, and which (meters.md 5.2).
_GENERIC_BODIES: dict[int, type[AlertBody]] = {
    UI_COMMAND_ACTIONED: UserInterfaceAlert,
    UI_COMMAND_NOT_ACTIONED: UserInterfaceAlert,
}


def body_type(message_code: int, alert_code: int) -> type[AlertBody] | None:
    """The use-case body an alert carries after its header, or None when components follow."""
    if message_code in (GENERIC_CRITICAL, GENERIC_NON_CRITICAL):
        return _GENERIC_BODIES.get(alert_code)
    return _BODIES.get(message_code)


def parse_body(message_code: int, alert_code: int, body: bytes) -> AlertBody:
    """The typed body of an alert whose `body_type` is not None."""
    kind = body_type(message_code, alert_code)
    if kind is None:
        raise GbzDecodeError(0, "alert body", f"message code 0x{message_code:04X} alert 0x{alert_code:04X} has none")
    return kind.parse(body)
