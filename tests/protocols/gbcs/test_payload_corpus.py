"""Every RTDS payload decodes completely, into the family gbcs.md predicts (gbcs.md 5.1, 7 items 11-13).

Source of every vector here: the DCC RTDS 4.5.0 corpus in shared/gbcs/rtds (skipped when absent),
cut into envelope and payload by `protocols.gbcs.parse` (the core engineer's envelope decoder).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import pytest

from protocols.gbcs import parse
from protocols.gbcs.message import Message
from protocols.gbcs.payload import DecodedPayload, PayloadContext, decode_payload, family_of
from protocols.gbcs.tree import Field
from tests.protocols.gbcs.corpus import load

DECRYPTED = "decrypted; offsets are into the plaintext"


@pytest.fixture(scope="module")
def decoded(rtds_dir: Path) -> list[tuple[str, Message, DecodedPayload]]:
    """(file name, message, payload) for all 889 files, decoded once for this module."""
    out = []
    for corpus_file in load(rtds_dir):
        message = parse(corpus_file.data)
        assert message.payload_tree is not None, corpus_file.path.name
        out.append((corpus_file.path.name, message, message.payload_tree))
    return out


@pytest.fixture(scope="module")
def raw(rtds_dir: Path) -> list[bytes]:
    return [corpus_file.data for corpus_file in load(rtds_dir)]


def test_every_payload_decodes_to_the_last_byte(decoded: list[tuple[str, Message, DecodedPayload]]) -> None:
    assert len(decoded) == 889
    opaque = {name: result.unparsed for name, _, result in decoded if result.unparsed}
    assert opaque == {}


def test_families_match_the_primer_counts(decoded: list[tuple[str, Message, DecodedPayload]]) -> None:
    """gbcs.md 7 item 11: DLMS D9 268, DA 194, 0F 51; GBZ 216; ASN.1 160."""
    for name, message, result in decoded:
        assert result.family == family_of(message.payload), name
    counts = Counter(result.family for _, _, result in decoded)
    assert counts == {
        "dlms-access-request": 268,
        "dlms-access-response": 194,
        "dlms-data-notification": 51,
        "gbz": 216,
        "asn1": 160,
    }


def test_root_spans_exactly_the_payload(decoded: list[tuple[str, Message, DecodedPayload]], raw: list[bytes]) -> None:
    for corpus_data, (name, message, result) in zip(raw, decoded, strict=False):
        root = result.root
        assert corpus_data[root.offset : root.offset + root.size] == message.payload, name
        assert root.size == len(message.payload), name


def _check_layout(field: Field, name: str) -> int:
    """Children lie inside their parent, in order, without overlap; returns the number of nodes."""
    count = 1
    cursor = field.offset
    for child in field.children:
        if child.note is not None and child.note.startswith(DECRYPTED):
            count += 1  # offsets below are into the plaintext, not the message
            continue
        assert child.offset >= cursor, (name, field.name, child.name, child.offset, cursor)
        assert child.offset + child.size <= field.offset + field.size, (name, field.name, child.name)
        cursor = child.offset + child.size
        count += _check_layout(child, name)
    return count


def test_fields_nest_in_order_and_are_json_ready(decoded: list[tuple[str, Message, DecodedPayload]]) -> None:
    nodes = 0
    for name, _, result in decoded:
        nodes += _check_layout(result.root, name)
        json.dumps(result.root.to_json())
    assert nodes > 40_000  # named fields down to the bytes, not a few opaque blobs


def test_every_byte_belongs_to_a_named_field(decoded: list[tuple[str, Message, DecodedPayload]]) -> None:
    """Children are contiguous and end where their parent ends; only a container's own header
    (tag, length, count) may precede its first child. So every payload byte is in a named leaf
    or in the header of the named container that holds it."""
    for name, _, result in decoded:
        _check_contiguous(result.root, name)


def _check_contiguous(field: Field, name: str) -> None:
    inner = [child for child in field.children if not (child.note or "").startswith(DECRYPTED)]
    if not inner:
        return
    for before, after in itertools.pairwise(inner):
        assert before.offset + before.size == after.offset, (name, field.name, before.name, after.name)
    last = inner[-1]
    assert last.offset + last.size == field.offset + field.size, (name, field.name, last.name)
    assert inner[0].offset - field.offset <= 6, (name, field.name)  # tag + BER length/count at most
    for child in inner:
        _check_contiguous(child, name)


def test_dlms_invoke_id_repeats_the_counter(decoded: list[tuple[str, Message, DecodedPayload]]) -> None:
    """gbcs.md 5.2 / 7 item 12: long-invoke-id-and-priority = 0x20 || low 24 bits of the counter."""
    checked = 0
    for name, message, result in decoded:
        if not result.family.startswith("dlms"):
            continue
        invoke = result.root.find("long-invoke-id-and-priority")
        assert invoke is not None, name
        assert invoke.value == (0x20 << 24) | (message.originator_counter & 0xFFFFFF), name
        assert result.root.find("invoke-id").value == message.originator_counter & 0xFFFFFF, name
        checked += 1
    assert checked == 513


def test_gbz_count_byte_and_last_component_bit(decoded: list[tuple[str, Message, DecodedPayload]]) -> None:
    """gbcs.md 5.3 / 7 item 13: count = components; the last-component bit is on the last one only."""
    messages = alert_bodies = components = 0
    for name, message, result in decoded:
        if result.family != "gbz":
            continue
        parts = [child for child in result.root.children if child.name == "component"]
        count = result.root.find("component-count").value
        if message.message_code in (0x00CD, 0x00CF, 0x1000):
            assert not parts, name  # these alert bodies replace components (gbcs.md 5.5)
            alert_bodies += 1
            continue
        assert count == len(parts), name
        flags = [part.find("extended-header-control").value & 1 for part in parts]
        assert flags == [0] * (len(parts) - 1) + [1], name
        messages += 1
        components += len(parts)
    assert messages + alert_bodies == 216
    assert components == 746  # gbcs.md 5.3: the last-component bit was checked on 746 components


def test_every_encrypted_block_is_met_and_named(decoded: list[tuple[str, Message, DecodedPayload]]) -> None:
    """gbcs.md 7 item 14: 19 GBZ components (12 files) and 11 DLMS blocks (11 files); no keys here."""
    per_family: Counter[str] = Counter()
    files: Counter[str] = Counter()
    for _, _, result in decoded:
        for attempt in result.decryptions:
            assert attempt.status == "no-key" and attempt.plaintext is None
        if result.decryptions:
            family = "gbz" if result.family == "gbz" else "dlms"
            per_family[family] += len(result.decryptions)
            files[family] += 1
    assert per_family == {"gbz": 19, "dlms": 11}
    assert files == {"gbz": 12, "dlms": 11}


def test_decoding_again_gives_the_same_tree(decoded: list[tuple[str, Message, DecodedPayload]]) -> None:
    """decode_payload called directly (no keys) agrees with what parse produced."""
    for name, message, result in decoded[::37]:
        again = decode_payload(
            message.payload,
            base_offset=result.root.offset,
            context=PayloadContext(message.message_code, int(message.cra)),
        )
        assert again == result, name
