"""RTDS identities and the response summary that the GBCS endpoint, ESME and CHF tests compare.

`summary` mirrors shared/tools/rtds_replay.py's comparison of a response with the RTDS one:
message code, CRA flag, payload family and the per-item outcome.
"""

from __future__ import annotations

import json
from typing import Any

from protocols.gbcs import Message

#: RTDS identities (gbcs.md 2.1, 2.2).
PARTIES = {
    1: bytes.fromhex("90b3d51f30000001"),
    2: bytes.fromhex("90b3d51f30010000"),
    3: bytes.fromhex("90b3d51f30020000"),
    4: bytes.fromhex("90b3d51f30000002"),
    5: bytes.fromhex("90b3d51f30000004"),
    6: bytes.fromhex("90b3d51f30000007"),
    8: bytes.fromhex("90b3d51f30010008"),
}
#: The payload fields whose values are an item's outcome (rtds_replay.py's names).
RESULT_NAMES = {"get", "set", "action", "status", "response-code", "join-response-code", "accepted"}


def _outcome(node: dict[str, Any], found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Append to `found` the (name, value) of every outcome leaf under `node`, depth first."""
    if node.get("name") in RESULT_NAMES and "children" not in node:
        found.append((node["name"], str(node.get("note", node.get("value")))))
    for child in node.get("children") or []:
        _outcome(child, found)
    return found


def summary(message: Message) -> tuple[Any, ...]:
    """(message code, CRA, payload family, per-item outcome): what rtds_replay.py compares."""
    tree = message.payload_tree
    assert tree is not None
    payload = json.loads(tree.root.to_json_text())
    return message.message_code, message.cra.label, tree.family, tuple(_outcome(payload, []))
