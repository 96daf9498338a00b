"""PHY airtime and PHR codecs (radio.md 1.1, 1.2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.ieee802154 import Ieee802154DecodeError, Ieee802154EncodeError, Ppdu, airtime, airtime_us
from protocols.ieee802154.phy import build_ppdu, parse_ppdu

# source: radio.md 1.1 ("max frame 4 256 us, ACK 352 us, 20-octet PSDU 832 us") and 1.2
# ("max frame 11 120 us, ACK 1 360 us").
AIRTIMES = [(127, 0, 4256), (5, 0, 352), (20, 0, 832), (127, 28, 11120), (5, 28, 1360), (5, 31, 1360)]


@pytest.mark.parametrize("psdu_len, page, micros", AIRTIMES)
def test_airtime_matches_primer(psdu_len: int, page: int, micros: int) -> None:
    assert airtime_us(psdu_len, page) == micros
    assert airtime(psdu_len, page) == pytest.approx(micros * 1e-6, abs=1e-12)


def test_duty_cycle_budget_from_primer() -> None:
    # source: radio.md 1.2: 36 s of airtime buys "about 3 240" maximum-size GB868 frames.
    assert int(36 / airtime(127, 29)) == 3237


@pytest.mark.parametrize("psdu_len, page", [(128, 0), (-1, 0), (5, 1), (5, 27), (2048, 30)])
def test_airtime_refuses_impossible_inputs(psdu_len: int, page: int) -> None:
    with pytest.raises(ValueError):
        airtime(psdu_len, page)


# source: style.md "Tests" example: O-QPSK PHR (1 octet, the PSDU length) before the radio.md 2.4 ACK.
def test_oqpsk_ppdu_vector() -> None:
    wire = bytes.fromhex("050200560b82")
    assert parse_ppdu(wire) == Ppdu(bytes.fromhex("0200560b82"))
    assert build_ppdu(Ppdu(bytes.fromhex("0200560b82"))) == wire


# source: radio.md 1.2: SUN PHR, MSB first: MS(1) reserved(2) FCS type(1: 1 = 2-octet) whitening(1) length(11).
# GB868 (2-octet FCS, whitening on) with a 5-octet PSDU -> 0b0001_1000_0000_0101 = 18 05.
def test_sun_ppdu_vector() -> None:
    psdu = bytes.fromhex("0200560b82")
    wire = bytes.fromhex("1805") + psdu
    assert parse_ppdu(wire, 28) == Ppdu(psdu, 28, fcs=16, whitening=True)
    assert build_ppdu(Ppdu(psdu, 28, fcs=16, whitening=True)) == wire
    # FCS-32, no whitening, 300-octet PSDU: length 0x12C over the 3 high bits.
    long_psdu = bytes(300)
    assert build_ppdu(Ppdu(long_psdu, 30, fcs=32)) == bytes.fromhex("012c") + long_psdu


@pytest.mark.parametrize(
    "wire, page, offset",
    [
        ("", 0, 0),  # no PHR
        ("06020056", 0, 4),  # PHR promises more than there is
        ("01aa", 0, 0),  # shorter than an FCS
        ("030102030405", 0, 4),  # trailing octets after the PSDU
        ("80050200560b82", 28, 0),  # mode switch set: another PHR layout
        ("1001aa", 28, 0),  # 1 octet cannot hold the 2-octet FCS the PHR declares
        ("0003aabbcc", 28, 0),  # 3 octets cannot hold the 4-octet FCS the PHR declares
    ],
)
def test_bad_ppdu_reports_offset(wire: str, page: int, offset: int) -> None:
    with pytest.raises(Ieee802154DecodeError) as info:
        parse_ppdu(bytes.fromhex(wire), page)
    assert info.value.offset == offset


def test_build_refuses_what_the_phr_cannot_say() -> None:
    with pytest.raises(Ieee802154EncodeError):
        build_ppdu(Ppdu(bytes(128)))  # O-QPSK PSDU over 127
    with pytest.raises(Ieee802154EncodeError):
        build_ppdu(Ppdu(bytes(10), fcs=32))  # O-QPSK has no FCS-32
    with pytest.raises(Ieee802154EncodeError):
        build_ppdu(Ppdu(bytes(3), 28, fcs=32))  # shorter than its FCS


@given(st.binary(max_size=140), st.sampled_from([0, 28]))
def test_any_bytes_parse_or_fail_cleanly(data: bytes, page: int) -> None:
    try:
        ppdu = parse_ppdu(data, page)
    except Ieee802154DecodeError as exc:
        assert 0 <= exc.offset <= len(data)
    else:
        assert build_ppdu(ppdu) == data
