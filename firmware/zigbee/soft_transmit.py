"""The soft transmitter: one frame through unslotted CSMA-CA, ACK wait and retries, as a sans-I/O machine.

Why: a raw radio without CSMA_BACKOFF or ACK_TIMEOUT (style.md "Soft MAC") still
needs the standard channel access and acknowledgement rules of radio.md 2.5,
so the MAC runs them itself. This is not a second CSMA-CA: the backoff rules
are `hal.csma`'s, the one machine `VirtualRadio` runs too; this machine adds
what surrounds them for one frame (the ACK wait and the retries). It decides;
an adapter (`mac.py`) does the waiting, the CCAs and the transmissions. Its
durations are the channel page's (`protocols.ieee802154.phy.PhyTiming`).

Theory of operation (radio.md 2.5):
- BACKOFF: wait the random number of unit backoff periods that the shared
  CSMA-CA machine (`hal.csma.UnslottedCsmaCa`, the same one `VirtualRadio`
  runs) draws, then ask for a CCA.
- CCA clear -> TRANSMIT (the adapter sends DIRECT). CCA busy -> that machine
  widens the backoff or gives up -> done, CHANNEL_BUSY.
- After sending: no ACK requested -> done, SENT. Otherwise ACK_WAIT for
  macAckWaitDuration (`PhyTiming.ack_wait`); an ACK with our DSN -> done, SENT (with its pending bit);
  timeout -> retry the whole procedure (fresh NB and BE) up to
  macMaxFrameRetries times, then done, NO_ACK.
- Inputs that do not fit the state (a late ACK, a stale timer) are ignored.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

from hal.csma import MAC_MAX_FRAME_RETRIES, Backoff, ChannelAccessFailure, UnslottedCsmaCa
from hal.radio import TxStatus
from protocols.ieee802154.phy import PhyTiming


class _State(enum.Enum):
    BACKOFF = "backoff"
    CCA = "cca"
    TRANSMIT = "transmit"
    ACK_WAIT = "ack-wait"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class DoCca:
    """Order: run one clear-channel assessment now and report it with `cca_done`."""


@dataclass(frozen=True, slots=True)
class DoTransmit:
    """Order: put the frame on air now (no channel check) and report with `transmitted`."""


@dataclass(frozen=True, slots=True)
class Finished:
    """The outcome of the whole procedure."""

    status: TxStatus
    attempts: int
    frame_pending: bool = False


Action = DoCca | DoTransmit | Finished


class SoftTransmit:
    """One frame through CSMA-CA and (when `ack_request`) ACK wait with retries."""

    def __init__(
        self,
        *,
        dsn: int,
        ack_request: bool,
        timing: PhyTiming,
        rng: random.Random,
        csma: bool = True,
        max_frame_retries: int = MAC_MAX_FRAME_RETRIES,
    ) -> None:
        self._dsn, self._ack_request, self._timing = dsn, ack_request, timing
        self._max_frame_retries = max_frame_retries
        self._csma: UnslottedCsmaCa | None = UnslottedCsmaCa(rng) if csma else None
        self._state = _State.DONE
        self._deadline: float | None = None
        self._attempts = 0

    def deadline(self) -> float | None:
        """When `timer_fired` is next due (None when nothing is timed)."""
        return self._deadline

    @property
    def done(self) -> bool:
        return self._state is _State.DONE

    def start(self, now: float) -> list[Action]:
        """Begin a fresh channel access (first attempt or a retry)."""
        self._attempts += 1
        if self._csma is None:
            self._state, self._deadline = _State.TRANSMIT, None
            return [DoTransmit()]
        return self._back_off(self._csma.start(), now)

    def _back_off(self, backoff: Backoff, now: float) -> list[Action]:
        self._state = _State.BACKOFF
        self._deadline = now + backoff.periods * self._timing.unit_backoff
        if backoff.periods == 0:
            return self.timer_fired(now)
        return []

    def timer_fired(self, now: float) -> list[Action]:
        """The deadline passed: end a back-off (-> CCA) or an ACK wait (-> retry or NO_ACK)."""
        if self._deadline is None or now < self._deadline:
            return []  # stale timer
        self._deadline = None
        if self._state is _State.BACKOFF:
            self._state = _State.CCA
            return [DoCca()]
        if self._state is _State.ACK_WAIT:
            if self._attempts > self._max_frame_retries:
                return self._finish(TxStatus.NO_ACK)
            return self.start(now)
        return []

    def cca_done(self, clear: bool, now: float) -> list[Action]:
        """The CCA ordered by `DoCca` finished."""
        if self._state is not _State.CCA or self._csma is None:
            return []
        next_step = self._csma.cca_done(clear)
        if isinstance(next_step, Backoff):
            return self._back_off(next_step, now)
        if isinstance(next_step, ChannelAccessFailure):
            return self._finish(TxStatus.CHANNEL_BUSY)
        self._state = _State.TRANSMIT
        return [DoTransmit()]

    def transmitted(self, status: TxStatus, now: float) -> list[Action]:
        """The radio finished sending (status from a DIRECT transmit)."""
        if self._state is not _State.TRANSMIT:
            return []
        if status is not TxStatus.SENT:
            return self._finish(status)
        if not self._ack_request:
            return self._finish(TxStatus.SENT)
        self._state = _State.ACK_WAIT
        self._deadline = now + self._timing.ack_wait
        return []

    def ack_received(self, dsn: int, frame_pending: bool, now: float) -> list[Action]:
        """An ACK frame arrived; only one carrying our DSN while we wait counts."""
        if self._state is not _State.ACK_WAIT or dsn != self._dsn:
            return []
        return self._finish(TxStatus.SENT, frame_pending)

    def _finish(self, status: TxStatus, frame_pending: bool = False) -> list[Action]:
        self._state, self._deadline = _State.DONE, None
        return [Finished(status, self._attempts, frame_pending)]
