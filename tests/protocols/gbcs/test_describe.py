"""The display tree (`describe`) against the bytes it describes: every RTDS message, offsets checked."""

from __future__ import annotations

from pathlib import Path

from hal.keystore import load_keystore
from protocols.gbcs import parse
from protocols.gbcs.describe import describe
from protocols.gbcs.tree import Field
from tests.protocols.gbcs import corpus


def _at(data: bytes, node: Field | None) -> bytes:
    assert node is not None
    return data[node.offset : node.offset + node.size]


def test_tree_tiles_each_rtds_message(rtds_dir: Path, keystore_dir: Path) -> None:
    store = load_keystore(keystore_dir)
    for file in corpus.load(rtds_dir):
        message = parse(file.data, store)
        tree = describe(message)
        assert tree.size == len(file.data)
        position = 0
        for child in tree.children:  # top-level parts are contiguous and cover the message
            assert child.offset == position, (file.path.name, child.name)
            position += child.size
        assert position == len(file.data)
        header = tree.find("grouping-header")
        assert header is not None and _at(file.data, header)[:1] == b"\xdf"
        assert _at(file.data, tree.find("originator"))[1:].hex() == tree.find("originator").value  # type: ignore[union-attr]
        assert int.from_bytes(_at(file.data, tree.find("message-code")), "big") == message.message_code
        counter = tree.find("originator-counter")
        assert int.from_bytes(_at(file.data, counter), "big") == message.originator_counter
        if message.mac is not None:
            assert _at(file.data, tree.find("mac")) == message.mac
        if message.signature:
            assert _at(file.data, tree.find("signature"))[1:] == message.signature


def test_json_text_matches_json_dumps(rtds_dir: Path, keystore_dir: Path) -> None:
    """`Field.to_json_text` (the CLI's fast path) writes exactly what json.dumps writes for `to_json`."""
    import json

    odd = Field('ünïcode "quoted"', 0, 1, True, (Field("f", 1, 2, 1.5), Field("l", 3, 0, [1, "x", None], note="n\n")))
    assert odd.to_json_text() == json.dumps(odd.to_json())
    store = load_keystore(keystore_dir)
    for file in corpus.load(rtds_dir)[::5]:
        message = parse(file.data, store)
        for tree in (describe(message), message.payload_tree.root if message.payload_tree else None):
            if tree is not None:
                assert tree.to_json_text() == json.dumps(tree.to_json())
