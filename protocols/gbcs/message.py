"""The values a GBCS message decodes into (gbcs.md 3): frozen, so a parsed message can be shared.

Why this shape: `Message` holds exactly what is needed to rebuild the wire bytes (every
field, the raw 12-byte date-time, the signature field's three states, the MAC) plus
what parsing learnt (verdicts, the decoded payload tree). A new command is made from
the same class, then sealed - signed and MACed - by `protocols.gbcs.seal`/`build`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the payload package is written alongside; only its types are needed here
    from protocols.gbcs.payload import DecodedPayload


class Frame(str, enum.Enum):
    """Outer form of a message (gbcs.md 3.1)."""

    GENERAL_CIPHERING = "general-ciphering"  #: `DD 00`: MAC header, grouping header, 12-byte MAC
    GENERAL_SIGNING = "general-signing"  #: `DF 09`: grouping header only, no MAC
    GBT = "gbt"  #: `DD` + non-zero: one General Block Transfer block (gbcs.md 3.8)


class Cra(enum.IntEnum):
    """The CRA flag of the transaction id (gbcs.md 3.4)."""

    COMMAND = 1
    RESPONSE = 2
    ALERT = 3

    @property
    def label(self) -> str:
        """`command` / `response` / `alert`, as `--json` prints it."""
        return self.name.lower()


class Verdict(str, enum.Enum):
    """Outcome of checking a MAC or a signature: a result value, never an exception."""

    VALID = "valid"
    INVALID = "invalid"
    NO_KEY = "no-key"  #: the key store lacks a key the check needs (or no key store was given)
    ABSENT = "absent"  #: the message carries no such field (or a null signature)


@dataclass(frozen=True)
class Verdicts:
    """The two verification outcomes `parse` reports."""

    mac: Verdict = Verdict.ABSENT
    signature: Verdict = Verdict.ABSENT


@dataclass(frozen=True)
class OtherInformation:
    """Other Information (gbcs.md 3.5): message code, then optional supplementary forms in order.

    The forms are cumulative (an ID before a counter before an originator counter); the
    DER key-agreement certificate of an unknown remote party follows the counter.
    """

    message_code: int
    remote_party_id: bytes | None = None  #: supplementary remote-party ID (8 bytes)
    remote_party_counter: int | None = None  #: supplementary remote-party counter (u64)
    originator_counter: int | None = None  #: supplementary originator counter (u64; URP responses)
    certificate: bytes | None = None  #: DER X.509 KA certificate of the remote party (URP commands)


@dataclass(frozen=True)
class GbtBlock:
    """The block part of a GBT message (gbcs.md 3.8): routing-header extras and the GBT header."""

    block_number: int
    last: bool
    streaming: bool = False
    window: int = 0
    acknowledged: int = 0
    security_control: int = 0x11
    invocation_counter: int = 0


@dataclass(frozen=True)
class Message:
    """One GBCS message: grouping header fields, payload, signature field and MAC.

    - `signature`: None = no signature field (a pre-command), b"" = null signature (`00`),
      64 bytes = r||s.
    - `mac`: None for a general-signing message; the 12-byte MAC of a general-ciphering one.
    - `date_time_raw`: the 12-byte DLMS date-time as sent, or None when its length is `00`.
    - `gbt`: set only for a GBT block; then `payload` is the block data (a slice of the
      segmented message's bytes), not a GBCS payload.
    """

    cra: Cra
    originator_counter: int
    originator: bytes
    recipient: bytes
    other_information: OtherInformation
    payload: bytes
    date_time_raw: bytes | None = None
    signature: bytes | None = b""
    mac: bytes | None = None
    gbt: GbtBlock | None = None
    verdicts: Verdicts = Verdicts()
    payload_tree: DecodedPayload | None = field(default=None, compare=False)

    @property
    def frame(self) -> Frame:
        """The outer form this message has (or will have once built)."""
        if self.gbt is not None:
            return Frame.GBT
        return Frame.GENERAL_SIGNING if self.mac is None else Frame.GENERAL_CIPHERING

    @property
    def message_code(self) -> int:
        return self.other_information.message_code

    @property
    def date_time(self) -> datetime | None:
        """The grouping header's date-time, or None when absent or not fully specified."""
        return None if self.date_time_raw is None else dlms_datetime(self.date_time_raw)

    @property
    def unparsed(self) -> int:
        """Payload bytes not decoded into named fields (the whole payload when none was decoded)."""
        return len(self.payload) if self.payload_tree is None else self.payload_tree.unparsed


#: Python time zones (and real ones) lie strictly within a day of UTC.
_MINUTES_PER_DAY = 24 * 60


def dlms_datetime(raw: bytes) -> datetime | None:
    """A 12-byte DLMS date-time as an aware datetime; None when a date/time part is 'not specified'.

    Deviation `80 00` (unspecified) is read as UTC, the GBCS convention; otherwise the
    deviation is minutes UTC-minus-local (IEC 62056-62).
    """
    if len(raw) != 12:
        return None
    year = int.from_bytes(raw[0:2], "big")
    month, day, _weekday, hour, minute, second, hundredths = raw[2:9]
    deviation = int.from_bytes(raw[9:11], "big", signed=True)
    if year == 0xFFFF or 0xFF in (month, day, hour, minute, second):
        return None
    if deviation != -0x8000 and abs(deviation) >= _MINUTES_PER_DAY:
        return None  # a deviation of a day or more names no time zone: not a representable instant
    offset = UTC if deviation in (-0x8000, 0) else timezone(timedelta(minutes=-deviation))
    micro = 0 if hundredths == 0xFF else hundredths * 10_000
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=offset)
    except ValueError:  # e.g. month 0x0D or hundredths 0x64: not a representable instant
        return None
