"""The decoded-field tree every GBCS decoder produces, for display and for `--json`.

Why one node type: the envelope, the Grouping Header and the three payload
families are decoded by different modules, but `commshub decode` prints them as
one indented tree with byte offsets, and `--json` emits the same tree. A node
names a field, says where it sits (offset and size, in bytes of the buffer the
decoder was given - absolute message offsets for the envelope and clear-text
payloads; offsets inside the plaintext for decrypted blocks, whose node says so
with `note`), and carries a JSON-ready value (bytes become hex strings) or
children.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii as _json_str
from typing import Any

JsonValue = None | bool | int | float | str | list[Any] | dict[str, Any]


@dataclass(frozen=True)
class Field:
    """One named field: where it is, what it holds, and the fields inside it."""

    name: str
    offset: int
    size: int
    value: JsonValue = None
    children: tuple[Field, ...] = field(default=())
    note: str | None = None  #: e.g. "decrypted; offsets are into the plaintext", or an enum's name

    def to_json(self) -> dict[str, Any]:
        """A plain dict for JSON output: name, offset, size, and value / note / children when present."""
        out: dict[str, Any] = {"name": self.name, "offset": self.offset, "size": self.size}
        if self.value is not None:
            out["value"] = self.value
        if self.note is not None:
            out["note"] = self.note
        if self.children:
            out["children"] = [child.to_json() for child in self.children]
        return out

    def to_json_text(self) -> str:
        """`json.dumps(self.to_json())`, written directly: the `--json` hot path (tens of thousands of nodes)."""
        return _json_text(self)

    def find(self, name: str) -> Field | None:
        """The first node called `name` in this subtree (depth first), or None."""
        if self.name == name:
            return self
        for child in self.children:
            hit = child.find(name)
            if hit is not None:
                return hit
        return None


def _json_text(node: Field) -> str:
    """`node` as json.dumps would emit `node.to_json()` (same keys, order and separators)."""
    text = f'{{"name": {_json_str(node.name)}, "offset": {node.offset}, "size": {node.size}'
    value = node.value
    if value is not None:
        kind = type(value)
        encoded = _json_str(value) if kind is str else int.__repr__(value) if kind is int else json.dumps(value)  # type: ignore[arg-type]  # `type(x) is str` does not narrow
        text += f', "value": {encoded}'
    if node.note is not None:
        text += f', "note": {_json_str(node.note)}'
    if node.children:
        text += f', "children": [{", ".join(map(_json_text, node.children))}]'
    return text + "}"
