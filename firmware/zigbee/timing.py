"""MAC timing constants per band, from the symbol counts of IEEE 802.15.4 (radio.md 2.5, 3.1).

Why a table: the soft MAC (CSMA-CA, ACK wait, scans, indirect persistence)
must run with the right timing on 2.4 GHz (16 us symbols) and on the GB
sub-GHz PHY (10 us symbols, radio.md 2.5 last paragraph), and the two differ
only in these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from hal.radio import Band


@dataclass(frozen=True)
class MacTiming:
    """The MAC PIB constants that set timing, in seconds (radio.md 2.5 table)."""

    symbol: float  #: one symbol period
    unit_backoff: float  #: aUnitBackoffPeriod, 20 symbols
    ack_wait: float  #: macAckWaitDuration
    min_be: int = 3  #: macMinBE
    max_be: int = 5  #: macMaxBE
    max_csma_backoffs: int = 4  #: macMaxCSMABackoffs (so at most 5 CCAs)
    max_frame_retries: int = 3  #: macMaxFrameRetries (up to 4 transmissions)
    response_wait: float = 0.49152  #: macResponseWaitTime (32 base superframes)
    scan_dwell: float = 0.13824  #: active scan dwell for ZigBee's n = 3
    #: how long a parent holds indirect data for a sleepy child before reporting it expired;
    #: longer than the 7.5 s GSME poll period so one missed poll does not lose a frame
    transaction_persistence: float = 16.0


#: 2.4 GHz O-QPSK: 16 us symbols; macAckWaitDuration 54 symbols = 864 us (radio.md 2.5).
TIMING_2_4 = MacTiming(symbol=16e-6, unit_backoff=320e-6, ack_wait=864e-6)

#: GB868: 10 us symbols; ACK wait 1.8 ms (RAIL's GB868 ACK timeout), scan dwell 86.4 ms (radio.md 2.5).
TIMING_868 = MacTiming(symbol=10e-6, unit_backoff=200e-6, ack_wait=1.8e-3, response_wait=0.3072, scan_dwell=0.0864)


def timing_for(band: Band) -> MacTiming:
    """The timing table of `band`."""
    return TIMING_868 if band is Band.MHZ_868 else TIMING_2_4
