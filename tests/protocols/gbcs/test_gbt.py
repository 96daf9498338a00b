"""GBT segmentation and reassembly (gbcs.md 3.8): own vectors, since RTDS has none."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.gbcs import Frame, GbcsDecodeError, GbcsEncodeError, build, parse
from protocols.gbcs.describe import describe
from protocols.gbcs.envelope import decode, encode
from protocols.gbcs.gbt import GbtReassembler, GbtReassemblyError, segment
from tests.protocols.gbcs.strategies import messages
from tests.protocols.gbcs.vectors import ECS52


@given(messages(), st.integers(min_value=1, max_value=200), st.randoms(use_true_random=False), st.data())
def test_segments_reassemble_in_any_order_with_duplicates(message, block_size, rng, data) -> None:  # type: ignore[no-untyped-def]
    wire = encode(message)
    blocks = segment(wire, block_size=block_size)
    assert len(blocks) == -(-len(wire) // block_size)
    feed = blocks + data.draw(st.lists(st.sampled_from(blocks), max_size=3))  # some duplicates
    rng.shuffle(feed)
    reassembler = GbtReassembler()
    results = [reassembler.add(block) for block in feed]
    completed = [result for result in results if result is not None]
    assert completed == [wire] and reassembler.pending == 0
    assert reassembler.dropped == sum(result is None for result in results[results.index(wire) + 1 :])
    for number, block in enumerate(blocks, start=1):
        parsed, _ = decode(block)
        assert parsed.frame is Frame.GBT and parsed.gbt is not None and parsed.gbt.block_number == number
        assert parsed.gbt.last == (number == len(blocks)) and encode(parsed) == block
        routing = (parsed.originator, parsed.originator_counter, parsed.cra)
        assert routing == (message.originator, message.originator_counter, message.cra)


def test_block_parses_as_gbt_frame_and_describes() -> None:
    blocks = segment(ECS52, block_size=30)
    message = parse(blocks[1])
    assert message.frame is Frame.GBT and message.payload == ECS52[30:60] and message.payload_tree is None
    assert build(message) == blocks[1]
    tree = describe(message)
    assert tree.size == len(blocks[1]) and sum(child.size for child in tree.children) == len(blocks[1])
    data = tree.find("block-data")
    assert data is not None and blocks[1][data.offset : data.offset + data.size] == ECS52[30:60]


def _reassembler_with(blocks: list[bytes]) -> GbtReassembler:
    reassembler = GbtReassembler()
    for block in blocks:
        assert reassembler.add(block) is None
    return reassembler


def test_same_number_different_data_is_refused() -> None:
    blocks = segment(ECS52, block_size=30)
    forged = bytearray(blocks[0])
    forged[-1] ^= 0xFF
    reassembler = _reassembler_with([blocks[0]])
    with pytest.raises(GbtReassemblyError) as caught:
        reassembler.add(bytes(forged))
    assert caught.value.field == "data" and 0 < caught.value.offset < len(forged)
    assert reassembler.pending == 0  # the partial message is dropped


def test_two_different_last_blocks_are_refused() -> None:
    short, long = segment(ECS52, block_size=40), segment(ECS52, block_size=30)
    reassembler = _reassembler_with([short[-1]])  # block 2 says it is last
    with pytest.raises(GbtReassemblyError, match="last"):
        reassembler.add(long[-1])  # block 3 says it is last too


def test_block_beyond_the_last_is_refused() -> None:
    reassembler = _reassembler_with([segment(ECS52, block_size=40)[1]])  # block 2, flagged last
    with pytest.raises(GbtReassemblyError, match="beyond"):
        reassembler.add(segment(ECS52, block_size=20)[2])  # block 3 of 4


def test_mismatched_routing_header_is_refused() -> None:
    blocks = segment(ECS52, block_size=30)
    other_recipient = blocks[1].replace(bytes.fromhex("00DB1234567890A0"), bytes.fromhex("00DB1234567890A1"), 1)
    reassembler = _reassembler_with([blocks[0]])
    with pytest.raises(GbtReassemblyError, match="routing"):
        reassembler.add(other_recipient)


def test_not_a_gbt_block_and_bad_segmenting() -> None:
    with pytest.raises(GbcsDecodeError):
        GbtReassembler().add(ECS52)
    with pytest.raises(GbcsEncodeError):
        segment(ECS52, block_size=0)
    with pytest.raises(GbcsEncodeError):
        segment(segment(ECS52, block_size=30)[0])
    block = bytearray(segment(ECS52, block_size=30)[0])
    number_at = decode(bytes(block))[1].payload_start - 5
    block[number_at : number_at + 2] = b"\x00\x00"
    with pytest.raises(GbcsDecodeError, match="numbered from 1"):
        parse(bytes(block))


def test_repeats_after_completion_are_dropped_and_counted() -> None:
    """Every block sent twice in order: one delivery, no partial left (the review's probe)."""
    blocks = segment(ECS52, block_size=30)
    reassembler = GbtReassembler()
    results = [reassembler.add(block) for block in blocks + blocks + [blocks[0]]]
    assert [result for result in results if result is not None] == [ECS52]
    assert reassembler.pending == 0 and reassembler.dropped == len(blocks) + 1


def _with_flags(block: bytes, **changes: object) -> bytes:
    message, _ = decode(block)
    assert message.gbt is not None
    return encode(replace(message, gbt=replace(message.gbt, **changes)))


@pytest.mark.parametrize(
    "changes, named",
    [
        ({"last": False}, "last True then False"),
        ({"streaming": True}, "streaming"),
        ({"security_control": 0x30}, "security_control"),
    ],
)
def test_repeat_with_different_flags_is_refused(changes: dict[str, object], named: str) -> None:
    blocks = segment(ECS52, block_size=30)
    reassembler = _reassembler_with([blocks[-1]])  # block 3, flagged last
    forged = _with_flags(blocks[-1], **changes)  # same number, same data
    with pytest.raises(GbtReassemblyError, match=named) as caught:
        reassembler.add(forged)
    assert caught.value.field == "block_control" and 0 < caught.value.offset < len(forged)
    assert reassembler.pending == 0


def test_repeat_with_a_newer_acknowledged_number_is_accepted() -> None:
    blocks = segment(ECS52, block_size=30)
    reassembler = _reassembler_with([blocks[0], _with_flags(blocks[0], acknowledged=5)])
    assert [reassembler.add(block) for block in blocks[1:]] == [None, ECS52]


def test_pending_messages_are_capped_by_evicting_the_oldest() -> None:
    reassembler = GbtReassembler(max_pending=2)
    firsts = [segment(_with_counter(ECS52, counter), block_size=30)[0] for counter in (1, 2, 3)]
    for block in firsts:
        assert reassembler.add(block) is None
    assert reassembler.pending == 2 and reassembler.evicted == 1
    rest = segment(_with_counter(ECS52, 1), block_size=30)[1:]  # message 1 was evicted: it cannot complete
    assert [reassembler.add(block) for block in rest] == [None, None]
    assert reassembler.pending == 2 and reassembler.evicted == 2  # message 1 restarted, evicting message 2


def test_completed_keys_are_bounded() -> None:
    reassembler = GbtReassembler(max_completed=1)
    one, two = (segment(_with_counter(ECS52, counter), block_size=200) for counter in (1, 2))
    assert reassembler.add(one[0]) == _with_counter(ECS52, 1)
    assert reassembler.add(two[0]) == _with_counter(ECS52, 2)
    assert reassembler.add(two[0]) is None and reassembler.dropped == 1
    assert reassembler.add(one[0]) == _with_counter(ECS52, 1)  # forgotten: documented as behaving as new


def _with_counter(wire: bytes, counter: int) -> bytes:
    """ECS52 with another originator counter (a different message key); the MAC is not checked here."""
    message, _ = decode(wire)
    return encode(replace(message, originator_counter=counter))


def test_held_bytes_are_bounded_by_evicting_the_oldest() -> None:
    """The hostile run's pattern, scaled down: many partial messages of large blocks. The data held never passes
    `max_bytes`; the oldest partials make room; a message that fits alone still reassembles."""
    big = _with_counter(ECS52, 0)
    block_size = 20
    per_message = len(segment(big, block_size=block_size)) - 1  # all blocks but the last
    reassembler = GbtReassembler(max_bytes=3 * per_message * block_size)
    for counter in range(10):
        for block in segment(_with_counter(ECS52, counter), block_size=block_size)[:-1]:
            assert reassembler.add(block) is None
            assert reassembler.held_bytes <= 3 * per_message * block_size
    assert reassembler.pending == 3 and reassembler.evicted == 7
    blocks = segment(_with_counter(ECS52, 42), block_size=block_size)
    assert [reassembler.add(block) for block in blocks][-1] == _with_counter(ECS52, 42)


def test_a_message_larger_than_max_bytes_is_refused_and_dropped() -> None:
    blocks = segment(ECS52, block_size=30)
    reassembler = GbtReassembler(max_bytes=50)
    assert reassembler.add(blocks[0]) is None
    with pytest.raises(GbtReassemblyError, match="passes 50 bytes"):
        reassembler.add(blocks[1])
    assert reassembler.pending == 0 and reassembler.held_bytes == 0
