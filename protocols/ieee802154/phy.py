"""PHY of both GB HAN radios: the one table of PHY/MAC timing per channel page, and the PHR codecs.

Two PHYs, told apart by channel page (radio.md 1.1, 1.2):

* page 0, 2.4 GHz O-QPSK, 250 kb/s: 16 us symbols; SHR = 4 preamble octets +
  SFD (5 octets), PHR = 1 octet (bits 0-6 PSDU length, bit 7 reserved),
  32 us per octet;
* pages 28-31, GB868 SUN-FSK, 100 kb/s: 10 us symbols; SHR = 8 preamble + 2
  SFD octets, PHR = 2 octets in the 802.15.4g layout sent MSB first (mode
  switch, 2 reserved bits, FCS type: 0 = 4-octet / 1 = 2-octet, data
  whitening, 11-bit length), 80 us per octet.

Why one table (`TIMINGS`, one `PhyTiming` per page): every timed rule of the
MAC - CSMA-CA backoffs and CCAs, when an ACK goes out after a frame, how long
a sender waits for it, scan dwell, response wait - is a symbol count of
IEEE 802.15.4 times the PHY's symbol period, and the soft MAC
(`firmware.zigbee`), the virtual medium's radios (`hal.virtual`) and both
ends of an ACK must agree on them to the microsecond. Holding them in one
place, in integer microseconds, is what keeps a sender's ACK wait covering
the receiver's ACK on every page. The counts (radio.md 1.1, 1.2, 2.5, 3.1):

* page 0 (IEEE 802.15.4-2006 6.4.1, 7.4.2): aTurnaroundTime 12 symbols
  (192 us), CCA 8 symbols (128 us), aUnitBackoffPeriod 20 symbols (320 us).
  In a non-beacon PAN an ACK starts aTurnaroundTime after the frame's last
  symbol; macAckWaitDuration = aUnitBackoffPeriod + aTurnaroundTime +
  phySHRDuration + 6 octets = 54 symbols (864 us) lets it start as late as
  turnaround + one unit backoff and still be heard whole.
* pages 28-31 (ZigBee R22 GB868 PHY, Annex D.10/D.11, "polite spectrum
  access"): aTxRxTurnAround 45 symbols (450 us); the ACK must start within
  aLBTAckWindowStart .. aLBTAckWindow = 45 .. 100 symbols (450 us .. 1 ms)
  after the frame; the CCA period is 16 symbols (160 us); symbol-counted MAC
  constants scale with the 10 us symbol (aUnitBackoffPeriod 20 symbols =
  200 us). The ACK wait is the latest allowed ACK start plus the ACK's own
  airtime (SHR + PHR + 5-octet PSDU): 1 000 + 1 360 = 2 360 us.

`airtime_us` is an integer number of microseconds so that duty-cycle
accounting can add airtimes exactly; `airtime` is the same in seconds.

The PPDU codec covers PHR + PSDU, i.e. what a radio or sniffer hands over
after it has synchronised on the SHR (the SUN preamble/SFD values are an open
question, radio.md 8.1, so they are not ours to invent).  The PSDU is kept as
logical (de-whitened) octets: whitening is a line coding the radio undoes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from construct import (
    BitsInteger,
    BitStruct,
    Bytes,
    ConstructError,
    Flag,
    Rebuild,
    Struct,
    Terminated,
    len_,
    this,
)

from .errors import decode_error, encode_error, from_construct

#: Channel page of the 2.4 GHz O-QPSK PHY.
OQPSK_PAGE = 0
#: Channel pages of the GB868 sub-GHz SUN-FSK PHY (radio.md 1.2).
SUN_PAGES = frozenset({28, 29, 30, 31})
#: Octets of an immediate ACK's PSDU: frame control, sequence number, FCS (radio.md 2.3).
ACK_PSDU_OCTETS = 5
#: aBaseSuperframeDuration, in symbols (802.15.4-2006 7.4.1): the unit of scan dwell and response wait.
BASE_SUPERFRAME_SYMBOLS = 960
#: macResponseWaitTime default, in base superframes (802.15.4-2006 7.4.2).
RESPONSE_WAIT_SUPERFRAMES = 32


@dataclass(frozen=True, slots=True)
class PhyTiming:
    """The PHY/MAC timing of one channel page: symbol counts of 802.15.4, and the durations they make.

    Counts are kept as the standards give them; every duration is computed
    from them once, in whole microseconds, and kept in seconds (the unit of
    `hal.clock`), since radios and MACs read them for every frame.
    """

    name: str
    symbol_us: int  #: one symbol period
    shr_octets: int  #: preamble + SFD
    phr_octets: int
    octet_us: int  #: microseconds per octet on air
    max_psdu: int  #: largest PSDU the PHR can describe
    turnaround_symbols: int  #: aTurnaroundTime: RX->TX before an ACK, and earliest ACK start
    cca_symbols: int  #: the CCA measurement period
    ack_window_end_symbols: int  #: latest moment after a frame's end at which its ACK may start
    unit_backoff_symbols: int = 20  #: aUnitBackoffPeriod
    symbol: float = field(init=False)  #: one symbol period, seconds
    bit: float = field(init=False)  #: one bit on air, seconds
    turnaround: float = field(init=False)  #: aTurnaroundTime, seconds: when an ACK starts after its frame
    cca_time: float = field(init=False)  #: the CCA measurement period, seconds
    unit_backoff: float = field(init=False)  #: aUnitBackoffPeriod, seconds: the CSMA-CA backoff unit
    ack_window_end: float = field(init=False)  #: seconds after a frame's end by which its ACK must have started
    shr_time: float = field(init=False)  #: seconds of preamble and SFD (a receiver locks on within them)
    ack_airtime: float = field(init=False)  #: seconds on air of an immediate ACK
    #: macAckWaitDuration, seconds from a frame's end: the latest ACK start plus the ACK's airtime
    ack_wait: float = field(init=False)
    #: macResponseWaitTime, seconds: how long a joiner waits before polling for its association response
    response_wait: float = field(init=False)

    def __post_init__(self) -> None:
        ack_airtime_us = self.airtime_us(ACK_PSDU_OCTETS)
        durations_us = {
            "symbol": self.symbol_us,
            "turnaround": self._us(self.turnaround_symbols),
            "cca_time": self._us(self.cca_symbols),
            "unit_backoff": self._us(self.unit_backoff_symbols),
            "ack_window_end": self._us(self.ack_window_end_symbols),
            "shr_time": self.shr_octets * self.octet_us,
            "ack_airtime": ack_airtime_us,
            "ack_wait": self._us(self.ack_window_end_symbols) + ack_airtime_us,
            "response_wait": self._us(BASE_SUPERFRAME_SYMBOLS * RESPONSE_WAIT_SUPERFRAMES),
        }
        for name, microseconds in durations_us.items():
            object.__setattr__(self, name, microseconds / 1_000_000)
        object.__setattr__(self, "bit", self.octet_us / 8 / 1_000_000)

    def _us(self, symbols: int) -> int:
        return symbols * self.symbol_us

    def airtime_us(self, psdu_len: int) -> int:
        """Whole microseconds on air for a PSDU of `psdu_len` octets: SHR + PHR + PSDU."""
        if not 0 <= psdu_len <= self.max_psdu:
            raise ValueError(f"PSDU length {psdu_len} outside 0..{self.max_psdu} on the {self.name} PHY")
        return (self.shr_octets + self.phr_octets + psdu_len) * self.octet_us

    def scan_duration(self, exponent: int) -> float:
        """Seconds one channel is scanned for `exponent` (MLME-SCAN): aBaseSuperframeDuration x (2^n + 1)."""
        if not 0 <= exponent <= 14:
            raise ValueError(f"scan duration exponent {exponent} outside 0..14")
        return self._us(BASE_SUPERFRAME_SYMBOLS * ((1 << exponent) + 1)) / 1_000_000


#: 2.4 GHz O-QPSK (IEEE 802.15.4-2006, radio.md 1.1, 2.5): ACK window 12 + 20 symbols.
OQPSK = PhyTiming(
    name="2.4 GHz O-QPSK",
    symbol_us=16,
    shr_octets=5,
    phr_octets=1,
    octet_us=32,
    max_psdu=127,
    turnaround_symbols=12,
    cca_symbols=8,
    ack_window_end_symbols=12 + 20,
)
#: GB868 SUN-FSK (ZigBee R22 D.10/D.11, radio.md 1.2, 3.1): frames stay within 127 octets, though the
#: 11-bit PHR length allows 2047.
SUN_FSK = PhyTiming(
    name="GB868 SUN-FSK",
    symbol_us=10,
    shr_octets=10,
    phr_octets=2,
    octet_us=80,
    max_psdu=2047,
    turnaround_symbols=45,
    cca_symbols=16,
    ack_window_end_symbols=100,
)
#: The table: channel page -> its timing.
TIMINGS: dict[int, PhyTiming] = {OQPSK_PAGE: OQPSK, **{page: SUN_FSK for page in sorted(SUN_PAGES)}}


def timing(page: int) -> PhyTiming:
    """The PHY timing of channel page `page`; ValueError for pages no GB HAN radio uses."""
    found = TIMINGS.get(page)
    if found is None:
        raise ValueError(f"channel page {page!r} is neither 0 (2.4 GHz O-QPSK) nor 28-31 (GB868)")
    return found


def airtime_us(psdu_len: int, page: int) -> int:
    """Whole microseconds on air for a PSDU of `psdu_len` octets: SHR + PHR + PSDU."""
    return timing(page).airtime_us(psdu_len)


def airtime(psdu_len: int, page: int) -> float:
    """Seconds on air for a PSDU of `psdu_len` octets on channel page `page` (radio.md 1.1/1.2)."""
    return airtime_us(psdu_len, page) / 1_000_000


@dataclass(frozen=True, slots=True)
class Ppdu:
    """A PHY packet after its SHR: the PHR's facts plus the PSDU (MAC frame with FCS).

    `fcs`, `whitening` and `reserved` mirror PHR bits: on page 0 only
    `reserved` (PHR bit 7) exists; on GB868 `fcs` is the FCS size the PHR
    declares (16 or 32 bits) and `reserved` the two reserved bits.
    """

    psdu: bytes
    page: int = OQPSK_PAGE
    fcs: int = 16
    whitening: bool = False
    reserved: int = 0


_OQPSK_PPDU = Struct(
    "phr"
    / BitStruct(
        "reserved" / BitsInteger(1),
        "length" / Rebuild(BitsInteger(7), len_(this._.psdu)),
    ),
    "psdu" / Bytes(this.phr.length),
    Terminated,
)

_SUN_PPDU = Struct(
    "phr"
    / BitStruct(  # big-endian: the SUN PHR goes on air MSB first
        "mode_switch" / Flag,
        "reserved" / BitsInteger(2),
        "fcs_type" / Flag,  # 1 = 2-octet FCS, 0 = 4-octet
        "whitening" / Flag,
        "length" / Rebuild(BitsInteger(11), len_(this._.psdu)),
    ),
    "psdu" / Bytes(this.phr.length),
    Terminated,
)


def parse_ppdu(data: bytes, page: int = OQPSK_PAGE) -> Ppdu:
    """Decode PHR + PSDU received on channel page `page`; Ieee802154DecodeError if malformed."""
    sun = page in SUN_PAGES
    timing(page)  # refuses unknown pages
    stream = io.BytesIO(data)
    try:
        raw = (_SUN_PPDU if sun else _OQPSK_PPDU).parse_stream(stream)
    except ConstructError as exc:
        raise from_construct(exc, stream) from None
    if sun and raw.phr.mode_switch:
        raise decode_error(0, "phr.mode_switch", "a mode-switch PHR (GB868 never switches modes)")
    fcs = 16 if not sun or raw.phr.fcs_type else 32
    if raw.phr.length < fcs // 8:
        raise decode_error(0, "phr.length", f"a {raw.phr.length}-octet PSDU cannot hold its {fcs // 8}-octet FCS")
    if sun:
        return Ppdu(raw.psdu, page, fcs, raw.phr.whitening, raw.phr.reserved)
    return Ppdu(raw.psdu, page, reserved=raw.phr.reserved)


def build_ppdu(ppdu: Ppdu) -> bytes:
    """Encode `ppdu` as PHR + PSDU; Ieee802154EncodeError when the PHR cannot say it."""
    phy = timing(ppdu.page)
    if len(ppdu.psdu) > phy.max_psdu:
        raise encode_error("psdu", f"{len(ppdu.psdu)} octets exceed the PHY maximum {phy.max_psdu}")
    if ppdu.fcs not in (16, 32) or len(ppdu.psdu) < ppdu.fcs // 8:
        raise encode_error("fcs", f"FCS of {ppdu.fcs} bits impossible for a {len(ppdu.psdu)}-octet PSDU")
    if ppdu.page in SUN_PAGES:
        if not 0 <= ppdu.reserved <= 3:
            raise encode_error("reserved", "the SUN PHR has two reserved bits")
        phr = dict(mode_switch=False, reserved=ppdu.reserved, fcs_type=ppdu.fcs == 16, whitening=ppdu.whitening)
        return _SUN_PPDU.build(dict(phr=phr, psdu=ppdu.psdu))
    if ppdu.fcs != 16 or ppdu.whitening or ppdu.reserved not in (0, 1):
        raise encode_error("phr", "the O-QPSK PHR has only a length and one reserved bit (FCS-16, no whitening)")
    return _OQPSK_PPDU.build(dict(phr=dict(reserved=ppdu.reserved), psdu=ppdu.psdu))
