"""Per-band physics against the primer's worked numbers (radio.md 4.1, 4.4, 4.5)."""

from __future__ import annotations

import math

import pytest

from hal.radio import Band
from hal.virtual.propagation import BAND_MODELS, fsk_ber, oqpsk_ber

GHZ, MHZ = BAND_MODELS[Band.GHZ_2_4], BAND_MODELS[Band.MHZ_868]


def test_free_space_loss_at_one_metre() -> None:
    # radio.md 4.1: 31.2 dB at 868 MHz; 40.2 dB at 2.45 GHz
    assert MHZ.path_loss_db(1.0) == pytest.approx(31.2, abs=0.05)
    assert GHZ.path_loss_db(1.0) == pytest.approx(40.2, abs=0.05)
    assert GHZ.path_loss_db(0.1) == GHZ.path_loss_db(1.0)  # near field clamps to the reference
    assert GHZ.path_loss_db(10.0) - GHZ.path_loss_db(1.0) == pytest.approx(20.0)  # n = 2


def test_noise_floors() -> None:
    # radio.md 4.4: 2 MHz and NF 8 dB -> -103 dBm; 200 kHz and NF 6 dB -> -115 dBm
    assert GHZ.noise_floor_dbm == pytest.approx(-103.0, abs=0.05)
    assert MHZ.noise_floor_dbm == pytest.approx(-115.0, abs=0.05)


# radio.md 4.5 O-QPSK table: SINR dB -> (BER, PER of 26 octets, PER of 133 octets)
OQPSK_TABLE = [
    (-3, 1.6e-2, 0.97, 1.00),
    (-2, 5.2e-3, 0.66, 1.00),
    (-1, 1.2e-3, 0.21, 0.71),
    (0, 1.6e-4, 0.033, 0.16),
    (1, 1.3e-5, 0.003, 0.014),
]


@pytest.mark.parametrize("sinr_db, ber, per26, per133", OQPSK_TABLE)
def test_oqpsk_matches_the_primer_table(sinr_db: float, ber: float, per26: float, per133: float) -> None:
    assert oqpsk_ber(10 ** (sinr_db / 10)) == pytest.approx(ber, rel=0.06)
    assert GHZ.per(sinr_db, 26) == pytest.approx(per26, abs=0.01, rel=0.1)
    assert GHZ.per(sinr_db, 133) == pytest.approx(per133, abs=0.01, rel=0.1)


# radio.md 4.5 FSK: PER of a 139-octet frame at Eb/N0 (= SINR + 3 dB) 11, 12, 13, 14 dB
@pytest.mark.parametrize("eb_n0_db, per", [(11, 0.64), (12, 0.18), (13, 0.026), (14, 0.002)])
def test_fsk_matches_the_primer(eb_n0_db: float, per: float) -> None:
    sinr_db = eb_n0_db - 10 * math.log10(2)
    assert MHZ.per(sinr_db, 139) == pytest.approx(per, rel=0.1, abs=0.001)


def test_ber_limits() -> None:
    assert oqpsk_ber(0.0) == pytest.approx(0.5) and fsk_ber(0.0) == pytest.approx(0.5)
    assert oqpsk_ber(100.0) == 0.0 and fsk_ber(1000.0) < 1e-100


def test_sensitivity_lands_where_the_primer_says() -> None:
    # radio.md 4.5: ~1 % PER near -102 dBm at 2.4 GHz (20-octet PSDU) and near -105 dBm at 868 MHz
    assert GHZ.per(-102 - GHZ.noise_floor_dbm, 26) < 0.02 < GHZ.per(-104 - GHZ.noise_floor_dbm, 26)
    assert MHZ.per(-104 - MHZ.noise_floor_dbm, 32) < 0.02 < MHZ.per(-107 - MHZ.noise_floor_dbm, 32)


def test_lqi_is_monotone_and_bounded() -> None:
    values = [GHZ.lqi(s) for s in range(-20, 40)]
    assert values == sorted(values) and values[0] == 0 and values[-1] == 255
