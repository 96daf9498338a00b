"""Per-band radio physics of the simulated home: link budget, noise, SINR -> PER (radio.md 4).

Why this shape: the medium must answer "what does node B hear of node A"
thousands of times a second, so everything that does not change per frame
(path loss, walls, shadowing) is folded into one static *gain* per node pair
and band, computed here once and cached by the medium; per frame only the
SINR -> error-rate step runs.

The model, with its sources (all numbers are defaults in `BandModel`, not
hidden constants):

* Link budget (radio.md 4.1): `Prx = Ptx - PL(d) - sum(obstruction losses) + X`.
  `PL(d)` is log-distance from free space at 1 m (31.2 dB at 868 MHz,
  40.2 dB at 2.45 GHz, radio.md 4.1) with exponent n = 2 (line of sight):
  walls and floors are *not* absorbed into the exponent, they are counted
  one by one with the per-band losses of radio.md 4.3 (the multi-wall form).
  `X` is log-normal shadowing, sigma 4 dB (radio.md 4.1 gives 3-8 dB indoors),
  drawn once per link from the medium's seed so a link never flickers.
* Noise floor (radio.md 4.4): `-174 dBm/Hz + 10 log10(B) + NF`: 2 MHz and
  NF 8 dB give -103 dBm at 2.4 GHz; 200 kHz and NF 6 dB give -115 dBm at 868 MHz.
* PER (radio.md 4.5): 2.4 GHz O-QPSK uses the 802.15.4 BER expression that
  ns-3's LrWpanErrorModel uses; 868 MHz 2-FSK uses non-coherent FSK,
  `BER = 0.5 exp(-Eb/N0 / 2)` with `Eb/N0 = SINR * B / R`.
  `PER = 1 - (1 - BER)^(8 L)`, L = octets on air.
* CCA thresholds (radio.md 1.1, 3.1): -91 dBm at 2.4 GHz (OpenThread's
  simulated radio), -87 dBm at 868 MHz (R22 LBT threshold at +14 dBm).
* Capture (radio.md 4.6, a modelling default [?]): 6 dB for O-QPSK, 6 dB for FSK.

Timing (symbol and bit periods, turnaround, CCA period, backoff unit) is not
here: it is a property of the channel page, in the one table
`protocols.ieee802154.phy.TIMINGS`.
"""

from __future__ import annotations

import enum
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from hal.radio import Band

#: Speed of light, m/s (for free-space loss at 1 m).
_C = 299_792_458.0


def dbm_to_mw(dbm: float) -> float:
    return 10.0 ** (dbm / 10.0)


def mw_to_dbm(mw: float) -> float:
    return 10.0 * math.log10(mw) if mw > 0 else -math.inf


def oqpsk_ber(sinr: float) -> float:
    """Bit error rate of 2.4 GHz O-QPSK at linear SINR `sinr` (IEEE 802.15.4 / ns-3, radio.md 4.5)."""
    total = 0.0
    for term, coefficient in _OQPSK_TERMS:
        total += coefficient * math.exp(20.0 * sinr * (1.0 / term - 1.0))
    return min(0.5, max(0.0, (8.0 / 15.0) * (1.0 / 16.0) * total))


_OQPSK_TERMS = tuple((k, (-1) ** k * math.comb(16, k)) for k in range(2, 17))


def fsk_ber(sinr: float) -> float:
    """Bit error rate of GB868 2-FSK (non-coherent) at linear SINR in 200 kHz at 100 kb/s (radio.md 4.5)."""
    eb_n0 = sinr * 200_000.0 / 100_000.0
    return min(0.5, 0.5 * math.exp(-eb_n0 / 2.0))


class Modulation(enum.Enum):
    """The modulation of a band's PHY, which picks its bit error rate curve."""

    OQPSK = "O-QPSK 250 kb/s"
    FSK = "2-FSK 100 kb/s"


_BER: dict[Modulation, Callable[[float], float]] = {Modulation.OQPSK: oqpsk_ber, Modulation.FSK: fsk_ber}


@dataclass(frozen=True, slots=True)
class BandModel:
    """Every physical default of one band, in one place (sources in the module docstring)."""

    band: Band
    frequency_mhz: float
    modulation: Modulation
    bandwidth_hz: float
    noise_figure_db: float
    path_loss_exponent: float = 2.0
    shadowing_sigma_db: float = 4.0
    cca_threshold_dbm: float = -91.0
    capture_db: float = 6.0
    default_tx_dbm: float = 10.0
    min_tx_dbm: float = -20.0
    max_tx_dbm: float = 20.0
    hearing_margin_db: float = 10.0  #: signals this far below the noise floor are not simulated at all

    @property
    def noise_floor_dbm(self) -> float:
        """Thermal noise in the channel plus the receiver's noise figure (radio.md 4.4)."""
        return -174.0 + 10.0 * math.log10(self.bandwidth_hz) + self.noise_figure_db

    @property
    def noise_floor_mw(self) -> float:
        return dbm_to_mw(self.noise_floor_dbm)

    @property
    def audible_dbm(self) -> float:
        """Weakest received power the medium tracks (for delivery, interference and energy)."""
        return self.noise_floor_dbm - self.hearing_margin_db

    def free_space_1m_db(self) -> float:
        """Free-space path loss at 1 m: 20 log10(4 pi f / c) (radio.md 4.1)."""
        return 20.0 * math.log10(4.0 * math.pi * self.frequency_mhz * 1e6 / _C)

    def path_loss_db(self, distance_m: float) -> float:
        """Log-distance loss, reference 1 m; distances under 1 m count as 1 m (near field)."""
        return self.free_space_1m_db() + 10.0 * self.path_loss_exponent * math.log10(max(distance_m, 1.0))

    def ber(self, sinr: float) -> float:
        """Bit error rate at linear SINR."""
        return _BER[self.modulation](sinr)

    def per(self, sinr_db: float, octets: int) -> float:
        """Packet error rate of `octets` on air at `sinr_db` (radio.md 4.5)."""
        return 1.0 - (1.0 - self.ber(10.0 ** (sinr_db / 10.0))) ** (8 * octets)

    def shadowing_db(self, seed: int, node_a: str, node_b: str) -> float:
        """The fixed log-normal shadowing of a link (symmetric; the same seed gives the same value)."""
        first, second = sorted((node_a, node_b))
        return random.Random(f"{seed}/{self.band.value}/{first}/{second}").gauss(0.0, self.shadowing_sigma_db)

    def lqi(self, sinr_db: float) -> int:
        """Link quality 0..255, linear in SINR from -5 dB (0) to +20 dB (255): a vendor-style mapping."""
        return max(0, min(255, int((sinr_db + 5.0) * 255.0 / 25.0)))


#: 2.4 GHz O-QPSK: 2 MHz channel, NF 8 dB (radio.md 1.1, 4.4); +10 dBm default (EN 300 328 allows 10 dBm/MHz).
GHZ_2_4 = BandModel(
    band=Band.GHZ_2_4,
    frequency_mhz=2450.0,
    modulation=Modulation.OQPSK,
    bandwidth_hz=2e6,
    noise_figure_db=8.0,
)

#: GB868 2-FSK: 200 kHz grid, NF 6 dB, +14 dBm default up to +27 dBm (radio.md 1.2, 3.1, 4.4).
MHZ_868 = BandModel(
    band=Band.MHZ_868,
    frequency_mhz=868.0,
    modulation=Modulation.FSK,
    bandwidth_hz=200e3,
    noise_figure_db=6.0,
    cca_threshold_dbm=-87.0,
    default_tx_dbm=14.0,
    min_tx_dbm=-10.0,
    max_tx_dbm=27.0,
)

BAND_MODELS: dict[Band, BandModel] = {Band.GHZ_2_4: GHZ_2_4, Band.MHZ_868: MHZ_868}
