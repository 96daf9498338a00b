"""APS fragmentation and reassembly, and APS duplicate rejection (radio.md 5.3), sans-I/O.

Why: GBCS messages ride in Tunneling TransferData and run to well over a
kilobyte, while one NWK frame carries about 80 octets of APS payload. APS
splits a message into blocks sharing one APS counter: the first fragment's
extended header carries the number of blocks, the others their block number.
The receiver collects blocks per (source, APS counter) and hands up the whole
message once every block is in; a message not completed within
`reassembly_timeout` is discarded and reported.

Duplicate rejection: the same (source, APS counter[, block]) seen again among
that source's latest keys is acknowledged again but not delivered twice.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field

#: Largest message we reassemble; the issue asks for at least 1,600 octets (GBCS over Tunneling).
MAX_MESSAGE = 8192
#: Blocks numbers are one octet.
MAX_BLOCKS = 255


class FragmentError(ValueError):
    """A message that cannot be split or a block that does not fit the message being reassembled."""


def split(payload: bytes, block_size: int) -> list[bytes]:
    """Cut `payload` into blocks of at most `block_size` octets (at least one block)."""
    if block_size <= 0:
        raise FragmentError(f"block size must be positive, got {block_size}")
    if len(payload) > MAX_MESSAGE:
        raise FragmentError(f"message of {len(payload)} octets exceeds {MAX_MESSAGE}")
    blocks = [payload[i : i + block_size] for i in range(0, len(payload), block_size)] or [b""]
    if len(blocks) > MAX_BLOCKS:
        raise FragmentError(f"{len(blocks)} blocks exceed {MAX_BLOCKS}")
    return blocks


@dataclass(slots=True)
class _Partial:
    total: int | None
    blocks: dict[int, bytes] = field(default_factory=dict)
    expires: float = 0.0


class Reassembler:
    """Collects fragments per (source, APS counter) until the message is whole."""

    def __init__(self, *, timeout: float = 10.0) -> None:
        self._timeout = timeout
        self._partials: dict[Hashable, _Partial] = {}

    def first_received(self, key: Hashable, total: int, data: bytes, now: float) -> bytes | None:
        """Block 0 arrived, announcing `total` blocks; returns the message if now complete."""
        if not 1 <= total <= MAX_BLOCKS:
            raise FragmentError(f"first fragment announces {total} blocks")
        partial = self._partials.setdefault(key, _Partial(total=None))
        if partial.total is not None and partial.total != total:
            raise FragmentError(f"first fragment announces {total} blocks, earlier said {partial.total}")
        partial.total = total
        return self._add(key, partial, 0, data, now)

    def block_received(self, key: Hashable, number: int, data: bytes, now: float) -> bytes | None:
        """Block `number` (>= 1) arrived; returns the message if now complete."""
        if not 1 <= number < MAX_BLOCKS:
            raise FragmentError(f"block number {number} out of range")
        partial = self._partials.setdefault(key, _Partial(total=None))
        if partial.total is not None and number >= partial.total:
            raise FragmentError(f"block {number} beyond the {partial.total} announced")
        return self._add(key, partial, number, data, now)

    def _add(self, key: Hashable, partial: _Partial, number: int, data: bytes, now: float) -> bytes | None:
        partial.blocks[number] = data
        partial.expires = now + self._timeout
        if sum(len(b) for b in partial.blocks.values()) > MAX_MESSAGE:
            del self._partials[key]
            raise FragmentError(f"reassembled message exceeds {MAX_MESSAGE} octets")
        if partial.total is None or len(partial.blocks) < partial.total:
            return None
        del self._partials[key]
        return b"".join(partial.blocks[i] for i in range(partial.total))

    def deadline(self) -> float | None:
        return min((p.expires for p in self._partials.values()), default=None)

    def expire(self, now: float) -> list[Hashable]:
        """Drop and return the keys of messages not completed in time."""
        gone = [k for k, p in self._partials.items() if p.expires <= now]
        for key in gone:
            del self._partials[key]
        return gone


class DuplicateFilter:
    """Remembers, per source, the most recent `depth` (counter, block) keys delivered.

    Why a window in counter space, not in time: a sender's 8-bit APS counter
    wraps after 256 messages, which a busy sender reaches in a few seconds, so
    a time window long enough to cover its retries would also reject new
    messages that merely reuse an old counter. A retry is always of one of the
    sender's latest few messages (it has at most a handful outstanding), so
    the last `depth` keys per source catch every retry without ever holding a
    key long enough for the counter to come round again (`depth` < 256).
    """

    def __init__(self, *, depth: int = 32) -> None:
        if not 1 <= depth < 256:
            raise ValueError(f"depth must be 1..255 (below the 8-bit counter's period), got {depth}")
        self._depth = depth
        self._recent: dict[Hashable, deque[Hashable]] = {}

    def seen(self, source: Hashable, key: Hashable) -> bool:
        """True if `key` is among `source`'s latest keys; otherwise records it and returns False."""
        recent = self._recent.setdefault(source, deque(maxlen=self._depth))
        if key in recent:
            return True
        recent.append(key)
        return False

    def forget(self, source: Hashable) -> None:
        """Drop what we remember of `source` (it left the network)."""
        self._recent.pop(source, None)
