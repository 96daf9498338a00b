"""The `Radio` interface every 802.15.4 radio implements: virtual, raw serial, or a dongle's.

Why this shape: it follows the embedded platform radio APIs (OpenThread's
`otPlatRadio*`, Zephyr's `ieee802154_radio`, see style.md "HAL interfaces"):
a few small calls, yes/no features as one set of capability flags
(`RadioCaps`), numeric ranges as attributes (`RadioInfo`), and expected
outcomes returned as values (`TxStatus`), never raised. Only faults raise
(`RadioError`, or `TransientRadioError` when retrying may help).

What a radio does not do, the layer above does in software ("soft MAC"):
`firmware.zigbee` reads `caps` and runs CSMA-CA, ACK waits and retries itself
when `CSMA_BACKOFF` / `ACK_TIMEOUT` are absent.

A PSDU here is the MAC frame including its FCS (the PHY header is the radio's
business). Times are seconds on `hal.clock` (the running event loop's
`time()`), so the same code runs in real and virtual time.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from hal.csma import MAC_MAX_CSMA_BACKOFFS, MAC_MAX_FRAME_RETRIES
from protocols.ieee802154.phy import SUN_PAGES


class Band(enum.Enum):
    """The two ISM bands a GB Comms Hub HAN uses (radio.md 1.1 and 1.2)."""

    GHZ_2_4 = "2.4GHz"
    MHZ_868 = "868MHz"


#: Channel pages that carry the GB sub-GHz (868/870 MHz) PHY (radio.md 1.2): the SUN-FSK pages of the PHY table.
SUB_GHZ_PAGES = SUN_PAGES
#: The channels of each page a GB HAN radio may use (radio.md 1.1, 1.2): 2.4 GHz page 0 channels 11-26;
#: GB868 page 28 channels 0-26, page 29 channels 27-34 and 62, page 30 channels 35-61, page 31 channels 0-26.
PAGE_CHANNELS: dict[int, frozenset[int]] = {
    0: frozenset(range(11, 27)),
    28: frozenset(range(27)),
    29: frozenset((*range(27, 35), 62)),
    30: frozenset(range(35, 62)),
    31: frozenset(range(27)),
}


#: The broadcast short address, and the broadcast PAN ID (IEEE 802.15.4 7.2.1.1, radio.md 2.2).
BROADCAST_ADDRESS = 0xFFFF
BROADCAST_PAN_ID = 0xFFFF
#: The short address of a device that has none and uses its extended address (radio.md 2.2).
NO_SHORT_ADDRESS = 0xFFFE


class ChannelError(ValueError):
    """A channel page or number no GB HAN radio has (radio.md 1.1, 1.2)."""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def channel_exists(page: object, number: object) -> bool:
    """Whether `Channel(page, number)` exists (so building it will not raise ChannelError)."""
    if isinstance(page, bool) or isinstance(number, bool) or not isinstance(page, int):
        return False
    return number in PAGE_CHANNELS.get(page, frozenset())


@dataclass(frozen=True, order=True, slots=True)
class Channel:
    """One channel: IEEE 802.15.4 channel page plus channel number within it.

    Only the pages and channels of `PAGE_CHANNELS` exist: anything else raises
    `ChannelError` naming the value, at construction, rather than failing
    deep inside a radio or the medium.
    """

    page: int
    number: int

    def __post_init__(self) -> None:
        numbers = PAGE_CHANNELS.get(self.page) if _is_int(self.page) else None
        if numbers is None:
            raise ChannelError(f"channel page {self.page!r} is neither 0 (2.4 GHz) nor 28-31 (GB868)")
        if not _is_int(self.number) or self.number not in numbers:
            raise ChannelError(
                f"channel {self.number!r} does not exist on page {self.page} "
                f"(channels {min(numbers)}-{max(numbers)}{', 62' if 62 in numbers else ''})"
            )
        # plain ints, whatever int subclass (a zigpy uint8_t, say) the caller had
        object.__setattr__(self, "page", int(self.page))
        object.__setattr__(self, "number", int(self.number))

    @property
    def band(self) -> Band:
        return Band.MHZ_868 if self.page in SUB_GHZ_PAGES else Band.GHZ_2_4

    @classmethod
    def all_of(cls, band: Band) -> frozenset[Channel]:
        """Every channel of `band`."""
        return frozenset(
            cls(page, number)
            for page, numbers in PAGE_CHANNELS.items()
            if (page in SUB_GHZ_PAGES) == (band is Band.MHZ_868)
            for number in numbers
        )

    def __str__(self) -> str:
        return f"{self.page}/{self.number}"


class RadioCaps(enum.Flag):
    """Yes/no features of a radio (OpenThread's OT_RADIO_CAPS_*, Zephyr's ieee802154_hw_caps)."""

    NONE = 0
    ENERGY_SCAN = enum.auto()  #: `energy_detect` measures the channel
    CSMA_BACKOFF = enum.auto()  #: `transmit(mode=TxMode.CSMA)` runs unslotted CSMA-CA itself
    ACK_TIMEOUT = enum.auto()  #: `transmit` waits for the ACK of an AR frame, reports NO_ACK
    TRANSMIT_RETRIES = enum.auto()  #: `transmit` retries an unacknowledged frame itself
    AUTO_ACK = enum.auto()  #: frames that pass the address filter are ACKed by the radio
    PROMISCUOUS = enum.auto()  #: `set_promiscuous(True)` delivers every frame heard
    RX_TIMESTAMP = enum.auto()  #: received frames carry the time their SFD ended
    DUTY_CYCLE = enum.auto()  #: the radio enforces the sub-GHz duty-cycle limit itself


@dataclass(frozen=True, slots=True)
class RadioInfo:
    """What a radio can tune to and how loud it can be (Zephyr's attributes)."""

    name: str
    channels: frozenset[Channel]
    min_power_dbm: float
    max_power_dbm: float
    extended_address: int  #: the radio's EUI-64, as an int

    @property
    def bands(self) -> frozenset[Band]:
        return frozenset(c.band for c in self.channels)

    @property
    def pages(self) -> frozenset[int]:
        return frozenset(c.page for c in self.channels)


class TxMode(enum.Enum):
    """How `transmit` gains the channel (Zephyr's transmit modes)."""

    DIRECT = "direct"  #: send at once, no channel check (ACKs, retries after CCA by the caller)
    CCA = "cca"  #: one clear-channel assessment, then send or report CHANNEL_BUSY
    CSMA = "csma"  #: unslotted CSMA-CA; needs RadioCaps.CSMA_BACKOFF


class TxStatus(enum.Enum):
    """The outcome of one `transmit` (OpenThread's TxDone codes), a value, not an exception."""

    SENT = "sent"  #: on air; and ACKed, when the radio waited for the ACK
    NO_ACK = "no-ack"  #: ACK requested, none came within the timeout (after retries)
    CHANNEL_BUSY = "channel-busy"  #: CCA / CSMA-CA found the channel busy every time
    DUTY_CYCLE = "duty-cycle"  #: refused: sending would break the sub-GHz duty-cycle limit
    ABORTED = "aborted"  #: the radio was switched off or reconfigured mid-transmit


@dataclass(frozen=True, slots=True)
class TxResult:
    """`transmit`'s answer: status, when the frame left, its airtime, and the ACK's pending bit."""

    status: TxStatus
    timestamp: float = 0.0  #: clock time the transmission started (or was refused)
    airtime: float = 0.0  #: seconds on air, PHY header included (0 if never sent)
    frame_pending: bool = False  #: the ACK's frame-pending bit (indirect data waits for us)
    attempts: int = 1  #: transmissions made, retries included


@dataclass(frozen=True, slots=True)
class ReceivedFrame:
    """One PSDU as heard by a radio, with the link facts upper layers and captures want."""

    psdu: bytes  #: MAC frame including FCS
    channel: Channel
    rssi: float  #: dBm
    lqi: int  #: 0-255
    timestamp: float  #: clock time at end of reception
    fcs_ok: bool = True  #: False only in promiscuous mode, where damaged frames are passed up


@dataclass(frozen=True, slots=True)
class AddressFilter:
    """The addresses a radio accepts and ACKs for (otPlatRadioSetPanId/ShortAddress/ExtendedAddress)."""

    pan_id: int | None = None
    short_address: int | None = None
    extended_address: int | None = None
    pan_coordinator: bool = False  #: accept frames with no destination address (to the PAN coordinator)
    #: sources for which our ACKs set frame-pending (the source-match table of indirect transmission)
    pending_sources: frozenset[int] = field(default_factory=frozenset)


class RadioError(Exception):
    """A radio fault: the call could not be carried out (unplugged, bad channel, closed)."""


class TransientRadioError(RadioError):
    """A radio fault that may pass: retrying the same call later may succeed."""


Receiver = Callable[[ReceivedFrame], None]


@runtime_checkable
class Radio(Protocol):
    """A half-duplex 802.15.4 radio. All coroutines run on the `hal.clock` loop.

    Receiving is always on while the radio is open; frames arrive through the
    callback given to `set_receiver`, filtered by `set_address_filter` unless
    promiscuous. A driver must not keep the caller's buffers.
    """

    caps: RadioCaps
    info: RadioInfo

    @property
    def channel(self) -> Channel:
        """The channel currently tuned."""
        ...

    async def set_channel(self, channel: Channel) -> None:
        """Tune to `channel`. Raises RadioError if not in `info.channels`. May wait (PLL settle)."""
        ...

    async def set_power(self, dbm: float) -> float:
        """Set TX power; returns the power actually used (clamped to the radio's range)."""
        ...

    async def cca(self) -> bool:
        """One clear-channel assessment (8 symbols): True when the channel is clear. Waits."""
        ...

    async def energy_detect(self, duration: float) -> float:
        """Peak energy on the current channel over `duration` seconds, in dBm. Needs ENERGY_SCAN."""
        ...

    async def transmit(
        self,
        psdu: bytes,
        *,
        mode: TxMode = TxMode.CCA,
        max_csma_backoffs: int = MAC_MAX_CSMA_BACKOFFS,
        max_frame_retries: int = MAC_MAX_FRAME_RETRIES,
    ) -> TxResult:
        """Send one PSDU (FCS included) and return how it went.

        Waits for the end of the transmission, and for the ACK when the frame
        requests one and the radio has ACK_TIMEOUT. Retries only with
        TRANSMIT_RETRIES. `mode=TxMode.CSMA` needs CSMA_BACKOFF.
        Raises RadioError on faults, never for busy channels or missing ACKs.
        """
        ...

    def set_receiver(self, receiver: Receiver | None) -> None:
        """Install the callback that receives every accepted frame (None to stop)."""
        ...

    def set_address_filter(self, address_filter: AddressFilter | None) -> None:
        """Accept and (with AUTO_ACK) acknowledge only frames for these addresses."""
        ...

    def set_promiscuous(self, enabled: bool) -> None:
        """Deliver every frame heard, FCS-damaged ones too, and ACK none. Needs PROMISCUOUS."""
        ...

    async def close(self) -> None:
        """Stop receiving and release the radio. Idempotent."""
        ...
