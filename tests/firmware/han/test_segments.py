"""Messages longer than a tunnel takes: GBT blocks that fit, reassembled in any order (gbcs.md 3.8, 6.1)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from firmware.han.segments import Reassembly, fit
from protocols.gbcs.envelope import decode

LONGEST = "NA_CS02bAnyExceptAbnormalRootByRecovery/CS02bAnyExceptAbnormalRootByRecovery_NA_SUCCESS_COMMAND_GBCS.HEX"


def _longest(rtds_dir: Path) -> bytes:
    return bytes.fromhex((rtds_dir / LONGEST).read_text().strip())


def test_a_message_that_fits_goes_whole(rtds_dir: Path) -> None:
    message = _longest(rtds_dir)
    assert fit(message, len(message)) == [message]


@pytest.mark.parametrize("limit", [1500, 600, 300])
def test_a_longer_message_goes_as_blocks_that_fit_and_come_together(rtds_dir: Path, limit: int) -> None:
    message = _longest(rtds_dir)  # 3 986 octets, with a long Other Information repeated in every block
    blocks = fit(message, limit)
    assert len(blocks) > 1 and all(len(block) <= limit for block in blocks)
    numbers = [decode(block)[0].gbt for block in blocks]
    assert [block.block_number for block in numbers if block] == list(range(1, len(blocks) + 1))
    shuffled = blocks[:]
    random.Random(limit).shuffle(shuffled)
    receiving = Reassembly()
    results = [receiving.add(block) for block in shuffled]
    assert results[:-1] == [None] * (len(blocks) - 1) and results[-1] == message


def test_a_limit_too_small_for_any_block_is_refused(rtds_dir: Path) -> None:
    with pytest.raises(ValueError):
        fit(_longest(rtds_dir), 40)  # the routing header each block repeats is longer


def test_data_that_is_not_gbcs_passes_through_for_the_endpoint_to_refuse() -> None:
    assert Reassembly().add(b"\x01\x02\x03") == b"\x01\x02\x03"
