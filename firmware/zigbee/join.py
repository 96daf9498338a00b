"""The joiner's side of joining and rejoining, as a transition table (radio.md 2.6).

Theory of operation. A device joins by (1) scanning for beacons that permit
association, (2) associating with the best parent, (3) waiting for the trust
centre's Transport Key - which it can only open with the link key from its
install code - and (4) announcing itself. A refused association or a key that
never comes or does not verify sends it back to the scan results for the next
candidate parent; when none is left (or the announcement cannot be
delivered even to the parent) the attempt ends in ERROR, a terminal
state: a new attempt starts a new `JoinProgress`. A device that kept its
network in NVM rejoins instead: one secured Rejoin Request to its old parent,
then the announcement.

The table is data: `TRANSITIONS` drives `JoinProgress`, and `diagram()` draws
it (docs/zigbee-stack.md embeds the drawing, and a test keeps the two equal).
Any input the table does not list for the current state is a programming
error in the stack and raises `JoinStateError`; it never passes silently.
"""

from __future__ import annotations

import enum


class JoinState(enum.Enum):
    IDLE = "idle"
    SCANNING = "scanning"
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


S, I = JoinState, JoinInput

#: (state, input) -> next state. Everything not listed is refused.
TRANSITIONS: dict[tuple[JoinState, JoinInput], JoinState] = {
    (S.IDLE, I.SCAN_STARTED): S.SCANNING,
    (S.IDLE, I.REJOIN_STARTED): S.REJOINING,
    (S.SCANNING, I.SCAN_STARTED): S.SCANNING,  # next radio / band
    (S.SCANNING, I.PARENT_CHOSEN): S.ASSOCIATING,
    (S.SCANNING, I.NO_PARENT_LEFT): S.ERROR,
    (S.ASSOCIATING, I.ASSOCIATION_REFUSED): S.SCANNING,
    (S.ASSOCIATING, I.ASSOCIATED): S.AWAITING_KEY,
    (S.AWAITING_KEY, I.KEY_RECEIVED): S.ANNOUNCING,
    (S.AWAITING_KEY, I.KEY_FAILED): S.SCANNING,
    (S.REJOINING, I.REJOIN_ACCEPTED): S.ANNOUNCING,
    (S.REJOINING, I.REJOIN_FAILED): S.ERROR,
    (S.ANNOUNCING, I.ANNOUNCED): S.JOINED,
    (S.ANNOUNCING, I.ANNOUNCE_FAILED): S.ERROR,
}


class JoinStateError(RuntimeError):
    """An input the transition table does not allow in the current state."""


class JoinProgress:
    """One join (or rejoin) attempt: its state and the path it took."""

    def __init__(self) -> None:
        self.state = JoinState.IDLE
        self.history: list[tuple[JoinInput, JoinState]] = []

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
