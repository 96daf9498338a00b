"""Unslotted CSMA-CA as a sans-I/O machine (IEEE 802.15.4 non-beacon mode, radio.md 2.5).

Why a machine, and why in `hal`: `VirtualRadio` runs it when it claims CSMA_BACKOFF, and a soft
MAC above a raw radio (`firmware.zigbee`) needs the very same algorithm, so
it lives here with no clock and no I/O. The caller waits the periods it is
told, performs a CCA and reports the result:

    csma = UnslottedCsmaCa(rng)
    action = csma.start()                    # Backoff(periods)
    while isinstance(action, Backoff):
        await sleep(action.periods * unit_backoff); action = csma.cca_done(await cca())
    # action is Transmit() or ChannelAccessFailure()

Rules: NB = 0, BE = macMinBE; wait random(0 .. 2^BE - 1) unit periods; CCA;
clear -> transmit; busy -> NB += 1, BE = min(BE + 1, macMaxBE); NB over
macMaxCSMABackoffs -> failure. With the defaults (3, 5, 4) that is at most
five CCAs and 7 + 15 + 31 + 31 + 31 = 115 periods of waiting.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

#: macMinBE, macMaxBE, macMaxCSMABackoffs (radio.md 2.5).
MAC_MIN_BE = 3
MAC_MAX_BE = 5
MAC_MAX_CSMA_BACKOFFS = 4
#: macMaxFrameRetries (radio.md 2.5): up to four transmissions of an unacknowledged frame, whoever retries.
MAC_MAX_FRAME_RETRIES = 3


@dataclass(frozen=True, slots=True)
class Backoff:
    """Wait this many unit backoff periods, then perform a CCA and call `cca_done`."""

    periods: int


@dataclass(frozen=True, slots=True)
class Transmit:
    """The channel was clear: send now."""


@dataclass(frozen=True, slots=True)
class ChannelAccessFailure:
    """Every CCA found the channel busy (the MAC's CHANNEL_ACCESS_FAILURE)."""


class UnslottedCsmaCa:
    """One channel-access attempt for one frame."""

    def __init__(
        self,
        rng: random.Random,
        *,
        min_be: int = MAC_MIN_BE,
        max_be: int = MAC_MAX_BE,
        max_backoffs: int = MAC_MAX_CSMA_BACKOFFS,
    ) -> None:
        if not 0 <= min_be <= max_be or max_backoffs < 0:
            raise ValueError(f"bad CSMA-CA parameters: min_be={min_be}, max_be={max_be}, max_backoffs={max_backoffs}")
        self._rng = rng
        self._min_be, self._max_be, self._max_backoffs = min_be, max_be, max_backoffs
        self.nb = 0
        self.be = min_be

    def _backoff(self) -> Backoff:
        return Backoff(self._rng.randrange(1 << self.be))

    def start(self) -> Backoff:
        """Begin (or restart) the procedure: the first random backoff."""
        self.nb, self.be = 0, self._min_be
        return self._backoff()

    def cca_done(self, clear: bool) -> Backoff | Transmit | ChannelAccessFailure:
        """The CCA after the last backoff said `clear`: what to do next."""
        if clear:
            return Transmit()
        self.nb += 1
        self.be = min(self.be + 1, self._max_be)
        if self.nb > self._max_backoffs:
            return ChannelAccessFailure()
        return self._backoff()
