"""Encrypted blocks inside payloads (gbcs.md 4.4): name their parts, decrypt through the caller.

The block layout is the same in GBZ components and DLMS protected data:
`31` security control, `00000000` invocation counter, ciphertext, 12-byte GCM tag.
Keys live above the codec, so decryption is the `PayloadContext.decrypt`
callable; this module only records each attempt and decodes the plaintext with
the decoder the family passes in (offsets into the plaintext, as the node's note says).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.payload.model import Decryption
from protocols.gbcs.payload.reader import FieldBudget, Reader, node
from protocols.gbcs.tree import Field

#: security control(1) + invocation counter(4) + tag(12): the shortest possible block.
MIN_BLOCK = 17
TAG_SIZE = 12
DECRYPTED_NOTE = "decrypted; offsets are into the plaintext"

#: Decodes a plaintext (a Reader with base 0) into the fields of the decrypted node.
PlaintextDecoder = Callable[[Reader, "Session"], tuple[Field, ...]]


@dataclass(slots=True)
class Session:
    """Per-call state: the caller's decrypt function and the attempts made so far, in order."""

    decrypt: Callable[[bytes], Decryption] | None
    budget: FieldBudget  #: the payload's field budget, plaintexts included
    decryptions: list[Decryption] = field(default_factory=list)
    unparsed: int = 0  #: payload bytes left opaque (not counted inside plaintexts)

    def block(
        self, reader: Reader, size: int, name: str, decode_plaintext: PlaintextDecoder, node_start: int | None = None
    ) -> Field:
        """The `size`-byte block at `r` as a named field, with the decrypted plaintext when possible.

        The node spans from `node_start` (absolute; default the block itself) so that a caller's
        tag and length bytes belong to it too.
        """
        if size < MIN_BLOCK:
            raise reader.fail(name, f"encrypted block of {size} bytes is shorter than {MIN_BLOCK}")
        start = reader.offset
        node_start = start if node_start is None else node_start
        block = reader.take(size, name)
        children = [
            node("security-control", start, 1, block[0]),
            node("invocation-counter", start + 1, 4, int.from_bytes(block[1:5], "big")),
            node("ciphertext", start + 5, size - 5 - TAG_SIZE, block[5:-TAG_SIZE].hex()),
            node("tag", start + size - TAG_SIZE, TAG_SIZE, block[-TAG_SIZE:].hex()),
        ]
        result = self.decrypt(block) if self.decrypt is not None else Decryption("no-key", None)
        self.decryptions.append(result)
        if result.status == "decrypted" and result.plaintext is not None:
            children.append(self._plaintext(result.plaintext, decode_plaintext))
        return node(name, node_start, start + size - node_start, None, tuple(children), f"encrypted: {result.status}")

    def _plaintext(self, plaintext: bytes, decode: PlaintextDecoder) -> Field:
        """The decoded plaintext; a layout we cannot decode stays as hex, saying why (it is authentic data)."""
        reader = Reader(plaintext, budget=self.budget)
        outer_unparsed = self.unparsed
        try:
            fields = decode(reader, self)
        except GbcsDecodeError as exc:
            return node("plaintext", 0, len(plaintext), plaintext.hex(), (), f"{DECRYPTED_NOTE}; not decoded: {exc}")
        finally:
            self.unparsed = outer_unparsed  # bytes inside a plaintext are not payload bytes
        return node("plaintext", 0, len(plaintext), None, fields, DECRYPTED_NOTE)
