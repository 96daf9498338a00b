"""Declarative command tables: one ID, then a body struct per command (NWK, APS commands, ZDO)."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from construct import Construct, Struct, Terminated

from protocols.zigbee import construct_support
from protocols.zigbee.errors import ZigbeeDecodeError, ZigbeeEncodeError
from protocols.zigbee.values import value_from, value_to_dict


class Command(Protocol):
    """A command class of a table: a dataclass with its identifier as a class attribute."""

    ID: ClassVar[int]
    __dataclass_fields__: ClassVar[dict[str, Any]]


class CommandTable:
    """A declarative table of commands: one leading ID octet, then a body struct per command.

    Each entry pairs a frozen dataclass (with a `ClassVar` `ID`) and the struct of its body,
    field names matching. The body must use every octet (a trailing octet is an error, so what
    parses rebuilds byte-exact); an unknown ID is a `ZigbeeDecodeError` at the ID's offset.
    """

    def __init__(self, protocol: str, entries: list[tuple[type[Command], Construct]]) -> None:
        self.protocol = protocol
        self._by_id: dict[int, tuple[type[Command], Construct]] = {}
        self._by_class: dict[type[Command], Construct] = {}
        for cls, body in entries:
            whole = Struct("body" / body, Terminated)
            self._by_id[cls.ID] = (cls, whole)
            self._by_class[cls] = whole

    @property
    def classes(self) -> tuple[type[Command], ...]:
        """The command classes, in table order."""
        return tuple(self._by_class)

    def parse(self, data: bytes, base: int = 0) -> Any:
        """Decode one command (ID octet first)."""
        if not data:
            raise ZigbeeDecodeError(self.protocol, base, "command_id", "no command identifier")
        return self.parse_body(data[0], data[1:], base + 1)

    def parse_body(self, command_id: int, body: bytes, base: int = 0) -> Any:
        """Decode the body of command `command_id` (for tables keyed outside the frame, as ZDO by cluster)."""
        entry = self._by_id.get(command_id)
        if entry is None:
            raise ZigbeeDecodeError(self.protocol, base - 1, "command_id", f"unsupported command 0x{command_id:02X}")
        cls, whole = entry
        raw = construct_support.parse(whole, body, self.protocol, base=base).body
        try:
            return value_from(cls, raw)
        except ZigbeeEncodeError as exc:  # parsed, but fields the value refuses (e.g. a wrong mix)
            raise ZigbeeDecodeError(self.protocol, base + len(body), exc.field, exc.reason) from None

    def build(self, command: Any) -> bytes:
        """Encode one command (ID octet first)."""
        return bytes([command.ID]) + self.build_body(command)

    def build_body(self, command: Any) -> bytes:
        """Encode the body of one command (without its ID)."""
        whole = self._by_class.get(type(command))
        if whole is None:
            raise ZigbeeEncodeError(self.protocol, "command", f"{type(command).__name__} is not in this table")
        return construct_support.build(whole, {"body": value_to_dict(command, whole.subcons[0])}, self.protocol)
