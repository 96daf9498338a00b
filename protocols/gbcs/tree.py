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

from dataclasses import dataclass, field
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

    def find(self, name: str) -> Field | None:
        """The first node called `name` in this subtree (depth first), or None."""
        if self.name == name:
            return self
        for child in self.children:
            hit = child.find(name)
            if hit is not None:
                return hit
        return None
