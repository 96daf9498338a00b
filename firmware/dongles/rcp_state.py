"""What a virtual RCP remembers between Spinel commands, and how that becomes a radio's address filter.

Kept apart from the I/O in `spinel_rcp` so that the rules read on their own
(spinel.md 4-5, OpenThread `radio.h`):

* the radio receives only when PHY_ENABLED and MAC_RAW_STREAM_ENABLED are
  both 1 (the second is "receive on / sleep" on an RCP); asleep, it neither
  passes frames up nor acknowledges any;
* MAC_PROMISCUOUS_MODE 1 and 2 both mean "everything" (read back as 2);
* PANID 0xFFFF means "any PAN", SADDR 0xFFFE or 0xFFFF "no short address";
* LADDR and the extended source-match entries are EUI-64s in canonical
  (big-endian) order, as ints here;
* with source match enabled, our ACKs set frame-pending for the sources in
  the two tables. (With it disabled, a real radio sets frame-pending on every
  ACK to a Data Request; `hal.radio.AddressFilter` can only name sources, so
  the virtual RCP sets it on none - a documented departure.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hal.radio import AddressFilter
from protocols.serial.spinel import PromiscuousMode, ScanState, Status

#: TX power an RCP starts with after a reset, dBm (OpenThread's default).
DEFAULT_TX_POWER = 0
#: What the virtual RCP reports as PHY_RX_SENSITIVITY, dBm.
RX_SENSITIVITY = -100


class StatusError(Exception):
    """A command the RCP refuses with a LAST_STATUS."""

    def __init__(self, status: Status) -> None:
        super().__init__(status.name)
        self.status = status


@dataclass(slots=True)
class RcpState:
    """Every property a host can set, at its power-on value."""

    phy_enabled: bool = False
    raw_stream: bool = False
    promiscuous: PromiscuousMode = PromiscuousMode.OFF
    pan_id: int = 0xFFFF
    short_address: int = 0xFFFE
    extended_address: int = 0
    src_match: bool = False
    short_sources: set[int] = field(default_factory=set)
    extended_sources: set[int] = field(default_factory=set)
    pan_coordinator: bool = False
    cca_threshold: int = -75
    tx_power: int = DEFAULT_TX_POWER
    scan_state: ScanState = ScanState.IDLE
    scan_mask: list[int] = field(default_factory=list)
    scan_period_ms: int = 0

    @property
    def receiving(self) -> bool:
        return self.phy_enabled and self.raw_stream

    def address_filter(self) -> AddressFilter | None:
        """The filter the radio should have now; None (no ACKs) while asleep or promiscuous."""
        if not self.receiving or self.promiscuous != PromiscuousMode.OFF:
            return None
        return AddressFilter(
            pan_id=None if self.pan_id == 0xFFFF else self.pan_id,
            short_address=None if self.short_address >= 0xFFFE else self.short_address,
            extended_address=self.extended_address,
            pan_coordinator=self.pan_coordinator,
            pending_sources=frozenset(self.short_sources | self.extended_sources) if self.src_match else frozenset(),
        )

    def pending_for(self, source: int | None) -> bool:
        """Whether our ACK to a frame from `source` carries frame-pending."""
        return (
            self.src_match and source is not None and (source in self.short_sources or source in self.extended_sources)
        )
