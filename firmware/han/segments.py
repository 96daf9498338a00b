"""GBCS messages longer than a tunnel takes: cut into GBT blocks, and put together again (gbcs.md 3.8, 6.1).

Why: a GB-HRGP tunnel carries at most the peer's maximum incoming transfer size (1 500 octets
in GBCS) in one TransferData, and GBCS messages can be longer (15 RTDS commands are, all CS02b
credential updates). Each end of a tunnel cuts such a message into GBT block messages
(`protocols.gbcs.gbt`) that fit, and the receiving end reassembles them before its GBCS
endpoint sees the message, so neither the CHF nor a meter handles blocks. APS fragmentation
still carries each block across the air in 802.15.4 frames.

Block size: a block message repeats the message's routing header (titles, date-time, Other
Information, which is long for CS02 certificates), so the data per block is the limit minus
that header, found by building the first block once.
"""

from __future__ import annotations

import logging

from protocols.gbcs.envelope import decode
from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.gbt import GbtReassembler, segment

LOGGER = logging.getLogger(__name__)
#: Octets kept free in each block for the block header and the growth of its BER lengths.
_BLOCK_MARGIN = 16


def fit(message: bytes, limit: int) -> list[bytes]:
    """`message` as one transfer when it fits in `limit` octets, else as GBT blocks that each fit.

    Raises GbcsDecodeError when a too-long message is not a GBCS message (it cannot be segmented)
    and ValueError when even a one-octet block would not fit.
    """
    if len(message) <= limit:
        return [message]
    overhead = len(segment(message, block_size=1)[0]) - 1
    block_size = limit - overhead - _BLOCK_MARGIN
    if block_size < 1:
        raise ValueError(f"a GBT block of this message needs more than {limit} octets")
    return segment(message, block_size=block_size)


class Reassembly:
    """Receiving end: whole messages pass through, GBT blocks are collected until their message is whole."""

    def __init__(self) -> None:
        self._reassembler = GbtReassembler()

    def add(self, data: bytes) -> bytes | None:
        """The whole message `data` completes, or None while blocks are missing. Data that is not a GBCS
        message at all passes through unchanged (its receiver refuses it as malformed)."""
        try:
            message, _ = decode(data)
        except GbcsDecodeError:
            return data
        if message.gbt is None:
            return data
        try:
            return self._reassembler.add(data)
        except GbcsDecodeError as exc:
            LOGGER.info("GBT block refused: %s", exc)
            return None
