"""The joiner's side of joining and rejoining, as a transition table (radio.md 2.6).

Theory of operation. A device joins by (1) scanning for beacons that permit
association, (2) associating with the best parent, (3) waiting for the trust
centre's Transport Key - which it can only open with the link key from its
install code - and (4) announcing itself. A refused association or a key that
never comes or does not verify sends it back to the scan results for the next
candidate parent. When none is left the device backs off and scans again
(BACKING_OFF), as real devices do, until its attempts are spent; then the
join ends in ERROR, a terminal state, as it does when the announcement cannot
be delivered even to the parent: a new join starts a new `JoinProgress`. A
device that kept its network in NVM rejoins instead: a secured Rejoin Request
to its old parent (again after a backoff if unanswered), then the announcement.

The table is data: `TRANSITIONS` drives `JoinProgress`, and `diagram()` draws
it (docs/zigbee-stack.md embeds the drawing, and a test keeps the two equal).
Any input the table does not list for the current state is a programming
error in the stack and raises `JoinStateError`; it never passes silently.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class JoinState(enum.Enum):
    """Where a join or rejoin attempt is."""

    IDLE = "idle"
    SCANNING = "scanning"
    BACKING_OFF = "backing-off"
    ASSOCIATING = "associating"
    AWAITING_KEY = "awaiting-key"
    REJOINING = "rejoining"
    ANNOUNCING = "announcing"
    JOINED = "joined"
    ERROR = "error"


class JoinInput(enum.Enum):
    """What happened, as the stack reports it."""

    SCAN_STARTED = "scan started"
    PARENT_CHOSEN = "parent chosen"
    ASSOCIATION_REFUSED = "association refused"
    ASSOCIATED = "associated"
    KEY_RECEIVED = "key received"
    KEY_FAILED = "key failed or timed out"
    NO_PARENT_LEFT = "no parent left"
    REJOIN_STARTED = "rejoin started"
    REJOIN_ACCEPTED = "rejoin accepted"
    REJOIN_FAILED = "rejoin failed"
    ANNOUNCED = "announced"
    ANNOUNCE_FAILED = "announce not delivered"
    RETRY_SCHEDULED = "retry after backoff"


#: (state, input) -> next state. Everything not listed is refused.
TRANSITIONS: dict[tuple[JoinState, JoinInput], JoinState] = {
    (JoinState.IDLE, JoinInput.SCAN_STARTED): JoinState.SCANNING,
    (JoinState.IDLE, JoinInput.REJOIN_STARTED): JoinState.REJOINING,
    (JoinState.SCANNING, JoinInput.SCAN_STARTED): JoinState.SCANNING,  # next radio / band
    (JoinState.SCANNING, JoinInput.PARENT_CHOSEN): JoinState.ASSOCIATING,
    (JoinState.SCANNING, JoinInput.RETRY_SCHEDULED): JoinState.BACKING_OFF,
    (JoinState.SCANNING, JoinInput.NO_PARENT_LEFT): JoinState.ERROR,
    (JoinState.BACKING_OFF, JoinInput.SCAN_STARTED): JoinState.SCANNING,
    (JoinState.BACKING_OFF, JoinInput.REJOIN_STARTED): JoinState.REJOINING,
    (JoinState.ASSOCIATING, JoinInput.ASSOCIATION_REFUSED): JoinState.SCANNING,
    (JoinState.ASSOCIATING, JoinInput.ASSOCIATED): JoinState.AWAITING_KEY,
    (JoinState.AWAITING_KEY, JoinInput.KEY_RECEIVED): JoinState.ANNOUNCING,
    (JoinState.AWAITING_KEY, JoinInput.KEY_FAILED): JoinState.SCANNING,
    (JoinState.REJOINING, JoinInput.REJOIN_ACCEPTED): JoinState.ANNOUNCING,
    (JoinState.REJOINING, JoinInput.RETRY_SCHEDULED): JoinState.BACKING_OFF,
    (JoinState.REJOINING, JoinInput.REJOIN_FAILED): JoinState.ERROR,
    (JoinState.ANNOUNCING, JoinInput.ANNOUNCED): JoinState.JOINED,
    (JoinState.ANNOUNCING, JoinInput.ANNOUNCE_FAILED): JoinState.ERROR,
}


class JoinStateError(RuntimeError):
    """An input the transition table does not allow in the current state."""


@dataclass(slots=True)
class JoinProgress:
    """One join (or rejoin): its state and the path it took."""

    state: JoinState = JoinState.IDLE
    history: list[tuple[JoinInput, JoinState]] = field(default_factory=list)

    def happened(self, event: JoinInput) -> JoinState:
        """Apply `event`; returns the new state or raises JoinStateError."""
        following = TRANSITIONS.get((self.state, event))
        if following is None:
            raise JoinStateError(f"{event.value!r} is not expected while {self.state.value}")
        self.state = following
        self.history.append((event, following))
        return following


def diagram() -> str:
    """A Mermaid state diagram of `TRANSITIONS` (what docs/zigbee-stack.md shows)."""
    lines = ["stateDiagram-v2", "    [*] --> idle"]
    lines += [f"    {a.name.lower()} --> {b.name.lower()}: {event.value}" for (a, event), b in TRANSITIONS.items()]
    lines += ["    joined --> [*]", "    error --> [*]"]
    return "\n".join(lines)
