"""The NCP's side of ASH: sequencing, acknowledgement, rejection and retransmission (UG101), sans-I/O.

Theory of operation (UG101 sections 3-4, as an NCP applies them):

* States: FAILED until the host sends RST (power-on, or after ERROR), then
  CONNECTED. In FAILED only RST is acted on; DATA is dropped (counted).
* RST -> RSTACK (version 2, reset code), both frame counters back to 0, every
  queued and unacknowledged frame discarded, and `Reset` returned so the EZSP
  layer restarts as after a reboot.
* DATA from the host: in sequence (frmNum == the ackNum we expect) -> ACK at
  once and `Deliver` the EZSP frame; a retransmission of one we already have
  -> ACK again, nothing delivered; out of sequence -> one NAK, then silence
  ("reject condition") until an in-sequence frame arrives. A DATA frame that
  fails its CRC is treated the same way (the de-framer reports it Dropped).
* Every DATA, ACK or NAK from the host acknowledges our frames below its
  ackNum. A NAK also asks for the rest again: each unacknowledged frame from
  the NAK's ackNum is resent with reTx set.
* Our DATA: at most `window` frames unacknowledged (UG101's TX_K, 1..7); the
  others wait in order. The oldest unacknowledged frame has an ACK timer of
  t_rx_ack (1.6 s at first; on a timeout it doubles, at most 3.2 s; after an
  acknowledgement it becomes 7/8 of itself plus half the measured time, at
  least 0.4 s). A timeout resends every unacknowledged frame with reTx; after
  `max_timeouts` timeouts in a row the NCP sends ERROR (0x51, exceeded ACK
  timeouts) and goes to FAILED.
* The host's nRdy flag means it cannot take callbacks now: frames marked
  `callback` wait while it is set (and at most T_REMOTE_NOTRDY = 1 s after the
  last one), responses go on.

Inputs are named for what happened and take `now`; outputs are `Write`
(bytes for the wire), `Deliver` (an EZSP frame for the layer above) and
`Reset` (the host reset the link). `deadline()` is the next timer.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

from protocols.serial import ash
from protocols.serial.ash import AshAck, AshData, AshError, AshFrame, AshNak, AshRst, AshRstAck, ResetCode
from protocols.serial.errors import Dropped

#: UG101 timer values, seconds.
T_RX_ACK_INIT = 1.6
T_RX_ACK_MIN = 0.4
T_RX_ACK_MAX = 3.2
T_REMOTE_NOTRDY = 1.0
#: UG101 defaults: frames in flight, and ACK timeouts in a row before the NCP gives up.
TX_K = 5
ACK_TIMEOUTS = 4


class LinkState(enum.Enum):
    FAILED = "failed"
    CONNECTED = "connected"


@dataclass(frozen=True, slots=True)
class Write:
    """Send these bytes to the host."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Deliver:
    """An EZSP frame from the host, in sequence."""

    ezsp: bytes


@dataclass(frozen=True, slots=True)
class Reset:
    """The host reset the link (RST): the EZSP layer restarts as after a reboot."""


Action = Write | Deliver | Reset


@dataclass(slots=True)
class _Outgoing:
    number: int
    ezsp: bytes
    callback: bool
    sent_at: float = 0.0


@dataclass(slots=True)
class LinkCounters:
    """What happened on the link, for tests, logs and the bench."""

    data_received: int = 0
    duplicates: int = 0
    naks_sent: int = 0
    naks_received: int = 0
    retransmissions: int = 0
    dropped: int = 0  #: frames the de-framer threw away, or frames ignored while FAILED


def _distance(low: int, high: int) -> int:
    """How many frame numbers from `low` up to `high`, modulo 8."""
    return (high - low) % 8


class AshNcpLink:
    """The NCP end of one ASH link (see the module docstring)."""

    def __init__(
        self,
        *,
        window: int = TX_K,
        max_timeouts: int = ACK_TIMEOUTS,
        reset_code: ResetCode = ResetCode.SOFTWARE,
    ) -> None:
        if not 1 <= window <= 7:
            raise ValueError(f"ASH window {window} is outside 1..7")
        self.window = window
        self.max_timeouts = max_timeouts
        self.reset_code = reset_code
        self.state = LinkState.FAILED
        self.counters = LinkCounters()
        self.t_rx_ack = T_RX_ACK_INIT
        self._clear()

    def _clear(self) -> None:
        self._expected = 0  # the frmNum we expect next from the host (our ackNum)
        self._next_number = 0  # the frmNum of our next new DATA frame
        self._unacked: deque[_Outgoing] = deque()
        self._waiting: deque[_Outgoing] = deque()
        self._rejecting = False
        self._timeouts = 0
        self._ack_deadline: float | None = None
        self._host_not_ready_until: float | None = None

    # --- what the host sent ------------------------------------------------------------------

    def frame_received(self, frame: AshFrame | Dropped, now: float) -> list[Action]:
        """One frame (or a de-framer drop) from the host."""
        if isinstance(frame, Dropped):
            self.counters.dropped += 1
            if self.state is LinkState.CONNECTED and frame.raw[:1] and not frame.raw[0] & 0x80:
                return self._reject()  # a damaged DATA frame
            return []
        if isinstance(frame, AshRst):
            return self._reset()
        if self.state is LinkState.FAILED:
            self.counters.dropped += 1
            return []
        if isinstance(frame, AshData):
            return self._data(frame, now)
        if isinstance(frame, AshAck | AshNak):
            self._not_ready(frame.not_ready, now)
            actions = self._acknowledged(frame.ack_number, now)
            if isinstance(frame, AshNak):
                self.counters.naks_received += 1
                actions += [self._transmit(frame, now, retransmission=True) for frame in list(self._unacked)]
            return actions + self._send_waiting(now)
        # RSTACK / ERROR only ever travel NCP -> host: a host sending them is confused; ignore.
        self.counters.dropped += 1
        return []

    def _reset(self) -> list[Action]:
        self._clear()
        self.state = LinkState.CONNECTED
        self.t_rx_ack = T_RX_ACK_INIT
        return [Write(ash.build(AshRstAck(self.reset_code))), Reset()]

    def _data(self, frame: AshData, now: float) -> list[Action]:
        actions = self._acknowledged(frame.ack_number, now)
        if frame.frame_number == self._expected:
            self._expected = (self._expected + 1) % 8
            self._rejecting = False
            self.counters.data_received += 1
            actions += [self._ack(), Deliver(frame.payload)]
        elif frame.retransmission:
            self.counters.duplicates += 1
            actions.append(self._ack())
        else:
            actions += self._reject()
        return actions + self._send_waiting(now)

    def _ack(self) -> Write:
        return Write(ash.build(AshAck(self._expected)))

    def _reject(self) -> list[Action]:
        if self._rejecting:
            return []
        self._rejecting = True
        self.counters.naks_sent += 1
        return [Write(ash.build(AshNak(self._expected)))]

    def _not_ready(self, flag: bool, now: float) -> None:
        self._host_not_ready_until = now + T_REMOTE_NOTRDY if flag else None

    def _acknowledged(self, ack_number: int, now: float) -> list[Action]:
        """Frames below `ack_number` are acknowledged: drop them, adapt t_rx_ack, rearm the timer."""
        if not self._unacked:
            return []
        oldest = self._unacked[0].number
        count = _distance(oldest, ack_number)
        if count == 0 or count > len(self._unacked):
            return []  # nothing new acknowledged (or a stale ackNum)
        for _ in range(count):
            done = self._unacked.popleft()
        elapsed = now - done.sent_at
        self.t_rx_ack = min(T_RX_ACK_MAX, max(T_RX_ACK_MIN, 7 / 8 * self.t_rx_ack + elapsed / 2))
        self._timeouts = 0
        self._ack_deadline = now + self.t_rx_ack if self._unacked else None
        return []

    # --- what the EZSP layer sends -----------------------------------------------------------

    def send(self, ezsp: bytes, now: float, *, callback: bool = False) -> list[Action]:
        """Queue one EZSP frame for the host; written now if the window allows."""
        if self.state is LinkState.FAILED:
            return []
        self._waiting.append(_Outgoing(0, ezsp, callback))
        return self._send_waiting(now)

    def _host_ready(self, now: float) -> bool:
        return self._host_not_ready_until is None or now >= self._host_not_ready_until

    def _send_waiting(self, now: float) -> list[Action]:
        actions: list[Action] = []
        ready = self._host_ready(now)
        for frame in list(self._waiting):
            if len(self._unacked) >= self.window:
                break
            if frame.callback and not ready:
                continue  # held while the host is not ready; responses overtake it
            self._waiting.remove(frame)
            frame.number = self._next_number
            self._next_number = (self._next_number + 1) % 8
            self._unacked.append(frame)
            actions.append(self._transmit(frame, now, retransmission=False))
        return actions

    def _transmit(self, frame: _Outgoing, now: float, *, retransmission: bool) -> Write:
        frame.sent_at = now
        if retransmission:
            self.counters.retransmissions += 1
        if self._ack_deadline is None or retransmission:
            self._ack_deadline = now + self.t_rx_ack
        data = AshData(frame.number, self._expected, frame.ezsp, retransmission)
        return Write(ash.build(data))

    # --- time --------------------------------------------------------------------------------

    def deadline(self) -> float | None:
        """When `timer_fired` must be called next: the ACK timer, or the end of the host's nRdy."""
        times = [t for t in (self._ack_deadline, self._host_not_ready_until) if t is not None]
        if self._host_not_ready_until is not None and not self._waiting:
            times.remove(self._host_not_ready_until)
        return min(times) if times else None

    def timer_fired(self, now: float) -> list[Action]:
        """Resend on an ACK timeout (ERROR after too many); release callbacks after nRdy lapses."""
        actions: list[Action] = []
        if self._host_not_ready_until is not None and now >= self._host_not_ready_until:
            self._host_not_ready_until = None
            actions += self._send_waiting(now)
        if self._ack_deadline is None or now < self._ack_deadline or not self._unacked:
            return actions
        self._timeouts += 1
        if self._timeouts >= self.max_timeouts:
            self.state = LinkState.FAILED
            self._clear()
            return [*actions, Write(ash.build(AshError(ResetCode.EXCEEDED_MAXIMUM_ACK_TIMEOUT_COUNT)))]
        self.t_rx_ack = min(T_RX_ACK_MAX, 2 * self.t_rx_ack)
        self._ack_deadline = None
        return actions + [self._transmit(frame, now, retransmission=True) for frame in list(self._unacked)]
