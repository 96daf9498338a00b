"""Records GBCS packs into the octet strings of DLMS alerts (gbcs.md 5.5; meters.md 5.2), and the
user-interface command ids generic alerts name.

Why here and not in `protocols.dlms`: `commshub decode` splits these records in every process
that meets an alert, and importing the DLMS package for that costs more (it is compiled and
loaded whole) than decoding the corpus's alerts; this module needs nothing but bytes.

A DLMS alert is a data-notification whose body is `structure{ alert code, date-time,
use-case members... }` (meters.md 5.1); most members are plain A-XDR values, but three use
cases pack a fixed record into one octet string:

- 0x00CC future-dated execution outcome (alerts 0x8F66 / 0x8F67): os(19) = message code (2)
  | originator counter (8) of the future-dated command | class id (2) | OBIS (6) | attribute (1)
  of the object it wrote;
- 0x00D5 failure to deliver a remote-party message to the ESME (0x8F84), and DBCH10's discarded
  message (0x8F2C): os(25) = originator (8) | target (8) | CRA flag (1) | originator counter (8)
  of the message;
- 0x00F0 integrity warning (0x81A0): os(2) = the reason (meters.md 5.2's list).

Each is a frozen value with `parse`/`build` (big-endian fields, gbcs.md 0); its `LAYOUT`
lists (name in a decoded tree, attribute, size) in wire order so a display can place the fields.
The OBIS code stays its 6 bytes (`protocols.dlms.Obis(record.instance)` gives the typed form).

Generic alerts 0x8161 / 0x8162 (user-interface command (not) actioned, meters.md 5.2) carry a
`UserInterfaceCommand` id: a long-unsigned member in DLMS, 2 bytes after the header in GBZ
(`protocols.gbz.alerts.UserInterfaceAlert`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from protocols.gbcs.errors import GbcsDecodeError, GbcsEncodeError

#: Generic-alert codes whose alerts name a user-interface command (meters.md 5.2).
UI_COMMAND_ACTIONED, UI_COMMAND_NOT_ACTIONED = 0x8161, 0x8162
FUTURE_DATED_MESSAGE_CODE = 0x00CC
DELIVERY_FAILURE_MESSAGE_CODE = 0x00D5
INTEGRITY_MESSAGE_CODE = 0x00F0


def _exact(raw: bytes, size: int, field: str) -> None:
    if len(raw) != size:
        raise GbcsDecodeError(0, field, f"{len(raw)} bytes where the record has {size}")


def _pack(field: str, *parts: tuple[int, int]) -> bytes:
    """Big-endian (value, size) parts; GbcsEncodeError naming `field` when one does not fit."""
    try:
        return b"".join(value.to_bytes(size, "big") for value, size in parts)
    except OverflowError:
        raise GbcsEncodeError(field, "a member does not fit its size") from None


@dataclass(frozen=True, slots=True)
class FutureDatedExecution:
    """The os(19) of an 0x00CC alert: which future-dated command ran, and the attribute it wrote."""

    message_code: int
    counter: int
    class_id: int
    instance: bytes  #: the OBIS code's 6 bytes
    attribute: int

    SIZE: ClassVar = 19
    LAYOUT: ClassVar = (
        ("message-code", "message_code", 2),
        ("originator-counter", "counter", 8),
        ("class-id", "class_id", 2),
        ("instance-id", "instance", 6),
        ("attribute-id", "attribute", 1),
    )

    @classmethod
    def parse(cls, raw: bytes) -> FutureDatedExecution:
        _exact(raw, cls.SIZE, "future-dated details")
        return cls(
            int.from_bytes(raw[0:2], "big"),
            int.from_bytes(raw[2:10], "big"),
            int.from_bytes(raw[10:12], "big"),
            raw[12:18],
            raw[18],
        )

    def build(self) -> bytes:
        if len(self.instance) != 6:
            raise GbcsEncodeError("instance", "an OBIS code is 6 bytes")
        head = _pack("future-dated details", (self.message_code, 2), (self.counter, 8), (self.class_id, 2))
        return head + self.instance + _pack("attribute", (self.attribute, 1))


@dataclass(frozen=True, slots=True)
class UndeliveredMessage:
    """The os(25) naming a message the CHF could not deliver (0x00D5) or discarded (DBCH10)."""

    originator: bytes
    target: bytes
    cra: int
    counter: int

    SIZE: ClassVar = 25
    LAYOUT: ClassVar = (
        ("originator", "originator", 8),
        ("target", "target", 8),
        ("cra-flag", "cra", 1),
        ("originator-counter", "counter", 8),
    )

    @classmethod
    def parse(cls, raw: bytes) -> UndeliveredMessage:
        _exact(raw, cls.SIZE, "undelivered message")
        return cls(raw[0:8], raw[8:16], raw[16], int.from_bytes(raw[17:25], "big"))

    def build(self) -> bytes:
        if len(self.originator) != 8 or len(self.target) != 8:
            raise GbcsEncodeError("undelivered message", "originator and target are 8-byte EUIs")
        return self.originator + self.target + _pack("undelivered message", (self.cra, 1), (self.counter, 8))


@dataclass(frozen=True, slots=True)
class IntegrityWarning:
    """The os(2) of an 0x00F0 alert: why the meter's integrity check failed (meters.md 5.2)."""

    reason: int

    SIZE: ClassVar = 2
    LAYOUT: ClassVar = (("integrity-reason", "reason", 2),)

    @classmethod
    def parse(cls, raw: bytes) -> IntegrityWarning:
        _exact(raw, cls.SIZE, "integrity reason")
        return cls(int.from_bytes(raw, "big"))

    def build(self) -> bytes:
        return _pack("integrity reason", (self.reason, 2))


Record = FutureDatedExecution | UndeliveredMessage | IntegrityWarning


class UserInterfaceCommand(enum.IntEnum):
    """User-interface command ids a 0x8161 / 0x8162 alert names (meters.md 5.2, Wireshark's table)."""

    ACTIVATE_BOOST = 0x0001
    ACTIVATE_EMERGENCY_CREDIT = 0x0002
    ADD_CREDIT = 0x0005
    ALLOW_USER_INTERFACE_ACCESS = 0x0008
    CANCEL_BOOST = 0x000A
    CHECK_FOR_HAN_COMMANDS = 0x000B
    DISABLE_PRIVACY_PIN = 0x000C
    ENABLE_SUPPLY = 0x000E
    EXTEND_BOOST = 0x000F
    SET_PRIVACY_PIN = 0x0012
    TEST_ALCS_1 = 0x0013
    TEST_ALCS_2 = 0x0014
    TEST_ALCS_3 = 0x0015
    TEST_ALCS_4 = 0x0016
    TEST_ALCS_5 = 0x0017
    TEST_VALVE = 0x0018
    RESET_BATTERY_CAPACITY = 0x0019
    FIND_AND_JOIN_SMHAN = 0x001A
