"""GBT (General Block Transfer) segmentation and reassembly (gbcs.md 3.8).

Why: a HAN tunnel carries at most 1 500 bytes (gbcs.md 6.1) and 15 RTDS messages are
longer, so long messages travel as numbered blocks, each behind a routing header that
repeats the message's transaction id, titles, date-time and Other Information.

The layout is the Wireshark dissector's and unverified (no RTDS vectors); our choices
where it is silent: blocks are numbered from 1, carry consecutive slices of the whole
message (MAC header included), are not MACed, and use security control 0x11 with
invocation counter 0. The reassembler keys partial messages by (originator, counter),
accepts blocks in any order and exact duplicates, and refuses anything inconsistent
with a `GbtReassemblyError` (a GbcsDecodeError whose offset is into the offending block),
including a repeated block whose flags differ from the first copy's. It delivers each
message once and bounds what it holds (see `GbtReassembler`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from protocols.gbcs import envelope
from protocols.gbcs.errors import GbcsDecodeError, GbcsEncodeError
from protocols.gbcs.lengths import encode_length
from protocols.gbcs.message import GbtBlock, Message

#: The most blocks one message can have: the block number is a u16.
MAX_BLOCKS = 0xFFFF
#: Default bound on block data held for incomplete messages: the largest one GBCS message can be
#: (`lengths.MAX_LENGTH`, 16 MiB), so any single message reassembles.
MAX_HELD_BYTES = 0x1000000


class GbtReassemblyError(GbcsDecodeError):
    """A block that contradicts the blocks already received for the same message."""


def segment(data: bytes, *, block_size: int = 1024, window: int = 0) -> list[bytes]:
    """Cut the GBCS message `data` into GBT block messages of at most `block_size` data bytes each."""
    if block_size < 1:
        raise GbcsEncodeError("block_size", "must be at least 1")
    message, _ = envelope.decode(data)
    if message.gbt is not None:
        raise GbcsEncodeError("data", "is already a GBT block")
    chunks = [data[pos : pos + block_size] for pos in range(0, len(data), block_size)]
    if len(chunks) > MAX_BLOCKS:
        raise GbcsEncodeError("block_size", f"{len(chunks)} blocks needed, at most {MAX_BLOCKS} can be numbered")
    routing = replace(message, payload=b"", signature=None, mac=None)
    return [
        envelope.encode(
            replace(routing, payload=chunk, gbt=GbtBlock(number, last=number == len(chunks), window=window))
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


@dataclass
class _Partial:
    """The blocks received so far for one message: each block's header (flags) and data."""

    routing: Message  #: the first block's routing header (payload emptied)
    blocks: dict[int, tuple[GbtBlock, bytes]] = field(default_factory=dict)
    last: int | None = None
    size: int = 0  #: data bytes held in `blocks`


def _routing(message: Message) -> Message:
    return replace(message, payload=b"", gbt=None)


def _header(block: GbtBlock) -> GbtBlock:
    """What a repeat of a block must match: everything but the acknowledged-block number.

    The acknowledged number reports the sender's view of the other direction, so a
    retransmission may legitimately carry a newer one; any other difference (the last
    flag, streaming, window, security fields) means the two copies disagree.
    """
    return replace(block, acknowledged=0)


#: The block header fields a repeated block must match (`_header`).
_REPEATED_FIELDS = ("last", "streaming", "window", "security_control", "invocation_counter")


class GbtReassembler:
    """Collects GBT blocks of any number of messages; `add` returns each message once complete.

    Theory of operation: partial messages are keyed by (originator, originator counter).
    A message is delivered exactly once: when its last missing block arrives its key moves
    to a bounded record of completed keys (the `max_completed` most recent), and any later
    block of that message is dropped and counted in `dropped` - never a second partial,
    never a second delivery. At most `max_pending` messages are held incomplete, holding at
    most `max_bytes` of block data together; a block of a new message beyond the count, or
    one whose data would pass the byte bound, evicts the oldest other partials (counted in
    `evicted`), so an endless stream of abandoned messages cannot grow memory, and a live
    stream is never refused because of old ones. One message that alone would pass
    `max_bytes` is refused (GbtReassemblyError) and dropped. A key evicted from the
    completed record behaves as new.
    """

    def __init__(self, *, max_pending: int = 64, max_completed: int = 1024, max_bytes: int = MAX_HELD_BYTES) -> None:
        if max_pending < 1 or max_completed < 0 or max_bytes < 1:
            raise ValueError("max_pending and max_bytes must be at least 1 and max_completed at least 0")
        self._max_pending, self._max_completed, self._max_bytes = max_pending, max_completed, max_bytes
        self._held = 0  # data bytes of every partial together
        self._pending: dict[tuple[bytes, int], _Partial] = {}  # insertion order = age
        self._completed: dict[tuple[bytes, int], None] = {}  # an ordered set, oldest first
        self.dropped = 0  #: blocks dropped because their message was already delivered
        self.evicted = 0  #: partial messages evicted to respect `max_pending`

    @property
    def pending(self) -> int:
        """Messages with some, but not all, of their blocks."""
        return len(self._pending)

    @property
    def held_bytes(self) -> int:
        """Block data held for incomplete messages (at most `max_bytes`)."""
        return self._held

    def add(self, data: bytes) -> bytes | None:
        """Take one GBT block message; return the reassembled GBCS message when this block completes it.

        Returns None while the message is incomplete, for an acknowledgement block, and for
        a block of a message already delivered (then `dropped` grows). Raises
        GbcsDecodeError for a malformed block and GbtReassemblyError for one that
        contradicts earlier blocks (then the partial message is dropped: it cannot be trusted).
        """
        message, regions = envelope.decode(data)
        block = message.gbt
        if block is None:
            raise GbcsDecodeError(0, "tag", "not a GBT block (expected DD followed by a transaction id)")
        if not message.payload:
            return None  # an acknowledgement block carries no data (gbcs.md 3.8)
        key = (message.originator, message.originator_counter)
        if key in self._completed:
            self.dropped += 1
            return None
        partial = self._pending.get(key)
        if partial is None:
            partial = self._start(key, message)
        try:
            self._check(partial, message, regions)
            if block.block_number not in partial.blocks:
                self._make_room(key, partial, len(message.payload), regions.payload_start)
        except GbtReassemblyError:
            self._drop(key)
            raise
        if block.block_number not in partial.blocks:
            partial.size += len(message.payload)
            self._held += len(message.payload)
        partial.blocks[block.block_number] = (_header(block), message.payload)
        if block.last:
            partial.last = block.block_number
        if partial.last is None or len(partial.blocks) < partial.last:
            return None
        self._drop(key)
        whole = b"".join(partial.blocks[number][1] for number in range(1, partial.last + 1))
        self._check_content(whole, partial.routing)
        self._remember(key)
        return whole

    def _start(self, key: tuple[bytes, int], message: Message) -> _Partial:
        if len(self._pending) >= self._max_pending:
            self._drop(next(iter(self._pending)))
            self.evicted += 1
        partial = self._pending[key] = _Partial(_routing(message))
        return partial

    def _drop(self, key: tuple[bytes, int]) -> None:
        partial = self._pending.pop(key, None)
        if partial is not None:
            self._held -= partial.size

    def _make_room(self, key: tuple[bytes, int], partial: _Partial, size: int, data_at: int) -> None:
        """Evict the oldest other partials until `size` more bytes fit in `max_bytes`."""
        if partial.size + size > self._max_bytes:
            reason = f"message passes {self._max_bytes} bytes held for reassembly at block data of {size} bytes"
            raise GbtReassemblyError(data_at, "data", reason)
        while self._held + size > self._max_bytes:
            oldest = next(other for other in self._pending if other != key)
            self._drop(oldest)
            self.evicted += 1

    def _remember(self, key: tuple[bytes, int]) -> None:
        if self._max_completed == 0:
            return
        self._completed[key] = None
        if len(self._completed) > self._max_completed:
            del self._completed[next(iter(self._completed))]

    @staticmethod
    def _check(partial: _Partial, message: Message, regions: envelope.Regions) -> None:
        block = message.gbt
        assert block is not None
        # block control, block number (2) and acknowledged (2) precede the data length and the data
        control_at = regions.payload_start - len(encode_length(len(message.payload))) - 5
        if _routing(message) != partial.routing:
            raise GbtReassemblyError(1, "routing_header", "differs from earlier blocks of the same message")
        seen = partial.blocks.get(block.block_number)
        if seen is not None:
            header, payload = seen
            if payload != message.payload:
                reason = f"block {block.block_number} received twice with different data"
                raise GbtReassemblyError(regions.payload_start, "data", reason)
            if header != _header(block):
                changed = ", ".join(
                    f"{name} {getattr(header, name)} then {getattr(block, name)}"
                    for name in _REPEATED_FIELDS
                    if getattr(header, name) != getattr(block, name)
                )
                reason = f"block {block.block_number} received twice with different flags ({changed})"
                raise GbtReassemblyError(control_at, "block_control", reason)
        if block.last and partial.last is not None and partial.last != block.block_number:
            reason = f"second last block ({block.block_number}; earlier {partial.last})"
            raise GbtReassemblyError(control_at, "block_control", reason)
        last = block.block_number if block.last else partial.last
        highest = max([block.block_number, *partial.blocks])
        if last is not None and highest > last:
            raise GbtReassemblyError(control_at, "block_number", f"block {highest} is beyond the last block {last}")

    @staticmethod
    def _check_content(whole: bytes, routing: Message) -> None:
        """The reassembled message must be the one the routing headers announced."""
        inner, _ = envelope.decode(whole)
        announced = (routing.cra, routing.originator, routing.recipient, routing.originator_counter)
        if (inner.cra, inner.originator, inner.recipient, inner.originator_counter) != announced:
            raise GbtReassemblyError(0, "routing_header", "the reassembled message's grouping header differs from it")
