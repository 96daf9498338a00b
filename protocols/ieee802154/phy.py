"""PHY layer of both GB HAN radios: airtime and the PHY header (PHR) codecs (radio.md 1.1, 1.2).

Two PHYs, told apart by channel page:

* page 0, 2.4 GHz O-QPSK, 250 kb/s: SHR = 4 preamble octets + SFD (5 octets),
  PHR = 1 octet (bits 0-6 PSDU length, bit 7 reserved), 32 us per octet;
* pages 28-31, GB868 SUN-FSK, 100 kb/s: SHR = 8 preamble + 2 SFD octets,
  PHR = 2 octets in the 802.15.4g layout sent MSB first (mode switch,
  2 reserved bits, FCS type: 0 = 4-octet / 1 = 2-octet, data whitening,
  11-bit length), 80 us per octet.

`airtime_us` is an integer number of microseconds so that duty-cycle
accounting can add airtimes exactly; `airtime` is the same in seconds.

The PPDU codec covers PHR + PSDU, i.e. what a radio or sniffer hands over
after it has synchronised on the SHR (the SUN preamble/SFD values are an open
question, radio.md 8.1, so they are not ours to invent).  The PSDU is kept as
logical (de-whitened) octets: whitening is a line coding the radio undoes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

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


@dataclass(frozen=True)
class PhyTiming:
    """The numbers airtime depends on, per PHY."""

    shr_octets: int  #: preamble + SFD
    phr_octets: int
    octet_us: int  #: microseconds per octet on air
    max_psdu: int  #: largest PSDU the PHR can describe


OQPSK = PhyTiming(shr_octets=5, phr_octets=1, octet_us=32, max_psdu=127)
#: GB868 frames stay within 127 octets (radio.md 1.2); the 11-bit PHR length allows 2047.
SUN_FSK = PhyTiming(shr_octets=10, phr_octets=2, octet_us=80, max_psdu=2047)


def timing(page: int) -> PhyTiming:
    """The PHY timing of channel page `page`; ValueError for pages no GB HAN radio uses."""
    if page == OQPSK_PAGE:
        return OQPSK
    if page in SUN_PAGES:
        return SUN_FSK
    raise ValueError(f"channel page {page!r} is neither 0 (2.4 GHz O-QPSK) nor 28-31 (GB868)")


def airtime_us(psdu_len: int, page: int) -> int:
    """Whole microseconds on air for a PSDU of `psdu_len` octets: SHR + PHR + PSDU."""
    phy = timing(page)
    if not 0 <= psdu_len <= phy.max_psdu:
        raise ValueError(f"PSDU length {psdu_len} outside 0..{phy.max_psdu} for page {page}")
    return (phy.shr_octets + phy.phr_octets + psdu_len) * phy.octet_us


def airtime(psdu_len: int, page: int) -> float:
    """Seconds on air for a PSDU of `psdu_len` octets on channel page `page` (radio.md 1.1/1.2)."""
    return airtime_us(psdu_len, page) / 1_000_000


@dataclass(frozen=True)
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
