"""The ZCL facts GBZ decoding needs, derived from zigpy as extended by `protocols.zigbee.smart_energy`.

Why a derived table: zigpy (with our Smart Energy extensions) is the one source of ZCL
definitions (architecture.md), but importing it - zigpy's 131 cluster classes plus the
`protocols.zigbee` package that registers ours - takes ~0.5 s, longer than `commshub decode`
needs to decode the whole RTDS corpus. So `derive()` walks zigpy's registry once and keeps
only what the decoder reads: cluster and attribute names, each command's name and fields,
foundation statuses and data types. A field's type is kept as a small JSON "kind" when its
zigpy deserializer is one of the plain ones (fixed-size integers, enums and bitmaps with their
member names, UTC time, date, length-prefixed octets and strings, the rest of the frame, lists
of those or of structs); anything else is kept as `None`, and `zcl` then hands that command
to zigpy itself (`zcl_zigpy`). The table is data, so it is also JSON: the CLI keeps it in a
cache file (`tools.zcl_cache`, where the file I/O lives) named by zigpy's version and a hash of
`source_files()`, and passes what it read to the decoder; without one, `derived()` is used.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: A field: (name, kind, optional). A kind is a JSON list, e.g. ["uint", 2] or ["records", name, fields].
FieldSpec = tuple[str, Any, bool]

CLIENT_TO_SERVER, SERVER_TO_CLIENT = 0, 1
_FORMAT = 1  #: bumped when the JSON layout changes


@dataclass(frozen=True)
class CommandSpec:
    """One command: its name and fields, or `fields=None` when only zigpy can decode it."""

    name: str
    fields: tuple[FieldSpec, ...] | None


@dataclass(frozen=True)
class ZclTable:
    """Everything `zcl` and `gbz` look up, keyed by plain integers."""

    clusters: dict[int, str]  #: cluster id -> class name ("Price", "Metering", ...)
    attributes: dict[int, dict[int, str]]  #: cluster id -> attribute id -> name
    commands: dict[tuple[int, int, int], CommandSpec]  #: (cluster, direction, command id)
    general: dict[int, CommandSpec]  #: profile-wide commands by id
    statuses: dict[int, str]  #: foundation Status names
    data_types: dict[int, tuple[str, Any]]  #: type id -> (DataType name, kind or None)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (integer keys become strings); `from_json` reverses it exactly."""

        def command(spec: CommandSpec) -> list[Any]:
            return [spec.name, None if spec.fields is None else [list(f) for f in spec.fields]]

        return {
            "format": _FORMAT,
            "clusters": {str(k): v for k, v in self.clusters.items()},
            "attributes": {str(c): {str(a): n for a, n in names.items()} for c, names in self.attributes.items()},
            "commands": [[*key, *command(spec)] for key, spec in self.commands.items()],
            "general": {str(k): command(v) for k, v in self.general.items()},
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "data_types": {str(k): list(v) for k, v in self.data_types.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ZclTable:
        if data.get("format") != _FORMAT:
            raise ValueError(f"ZCL table format {data.get('format')!r}, expected {_FORMAT}")

        def command(name: str, fields: list[Any] | None) -> CommandSpec:
            return CommandSpec(name, None if fields is None else tuple(_field(f) for f in fields))

        return cls(
            clusters={int(k): v for k, v in data["clusters"].items()},
            attributes={int(c): {int(a): n for a, n in names.items()} for c, names in data["attributes"].items()},
            commands={(c, d, i): command(name, fields) for c, d, i, name, fields in data["commands"]},
            general={int(k): command(*v) for k, v in data["general"].items()},
            statuses={int(k): v for k, v in data["statuses"].items()},
            data_types={int(k): (v[0], _kind_from_json(v[1])) for k, v in data["data_types"].items()},
        )


def _field(item: list[Any]) -> FieldSpec:
    name, kind, optional = item
    return name, _kind_from_json(kind), optional


def _kind_from_json(kind: Any) -> Any:
    """JSON turned enum/bitmap member keys into strings and records into lists; undo that."""
    if kind is None:
        return None
    tag = kind[0]
    if tag == "enum":
        return ["enum", kind[1], {int(value): name for value, name in kind[2].items()}]
    if tag == "records":
        return ["records", kind[1], tuple(_field(f) for f in kind[2])]
    if tag == "list":
        return ["list", _kind_from_json(kind[1])]
    return kind


# --- derivation from zigpy -------------------------------------------------------------------


def derive() -> ZclTable:
    """Walk zigpy's cluster registry (with `protocols.zigbee.smart_energy` registered) into a table."""
    from zigpy.zcl.foundation import GENERAL_COMMANDS, DataType, Status

    from protocols.zigbee.zcl_registry import cluster_classes

    registry = cluster_classes()
    commands: dict[tuple[int, int, int], CommandSpec] = {}
    for cluster_id, cluster in registry.items():
        for direction, defs in (
            (CLIENT_TO_SERVER, cluster.server_commands),
            (SERVER_TO_CLIENT, cluster.client_commands),
        ):
            for command_id, definition in defs.items():
                commands[(int(cluster_id), direction, int(command_id))] = _command(definition)
    return ZclTable(
        clusters={int(cluster_id): cluster.__name__ for cluster_id, cluster in registry.items()},
        attributes={
            int(cluster_id): {int(attr_id): str(a.name) for attr_id, a in cluster.attributes.items()}
            for cluster_id, cluster in registry.items()
        },
        commands=commands,
        general={int(command_id): _command(definition) for command_id, definition in GENERAL_COMMANDS.items()},
        statuses={int(status): str(status.name) for status in Status},
        data_types={int(d.value.type_id): (d.name, plain_kind(d.value.python_type)) for d in DataType},
    )


def _command(definition: Any) -> CommandSpec:
    fields = _fields(definition.schema)
    return CommandSpec(str(definition.name), fields)


def _fields(schema: Any) -> tuple[FieldSpec, ...] | None:
    """The fields of a zigpy Struct as specs, or None when one of them has no plain kind."""
    out = []
    for field in schema.fields:
        kind = plain_kind(field.type)
        if kind is None:
            return None
        out.append((str(field.name), kind, bool(field.optional)))
    return tuple(out)


def record_name(struct_name: str) -> str:
    """The node name of one entry of a list of structs: `ScheduleEntry` -> `schedule-entry`."""
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in struct_name).lstrip("-")


_INTEGER_KINDS = frozenset({"uint", "int", "enum", "bitmap", "utc"})


def _function(cls: type, name: str) -> Any:
    """The function behind classmethod `name` of `cls` (None if there is none): which class's code runs."""
    return getattr(getattr(cls, name, None), "__func__", None)


def plain_kind(ftype: Any) -> Any:
    """The plain kind of a zigpy type (see the module docstring), or None."""
    import zigpy.types as t

    if not isinstance(ftype, type):
        return None
    deserialize = _function(ftype, "deserialize")
    if issubclass(ftype, t.FixedIntType) and deserialize is _function(t.FixedIntType, "deserialize"):
        size, rest = divmod(ftype._bits, 8)
        if rest:
            return None
        if issubclass(ftype, t.UTCTime):
            return ["utc"]
        if issubclass(ftype, enum.Flag):
            return ["bitmap", size, [[int(m.value), str(m.name)] for m in ftype.__members__.values()]]
        if issubclass(ftype, enum.Enum):
            if size == 1:  # every value, since `_missing_` may name more than the members (Status)
                try:
                    named = [(value, ftype(value).name) for value in range(256)]
                except ValueError:  # an enum that refuses some values: only zigpy can say which
                    return None
                return ["enum", 1, {v: str(n) for v, n in named if n and not n.startswith("undefined_")}]
            if _function(ftype, "_missing_") is not _function(t.enum16, "_missing_"):
                return None
            return ["enum", size, {int(m.value): str(m.name) for m in ftype.__members__.values()}]
        return ["int" if ftype._signed else "uint", size]
    if ftype is t.Date:
        return ["date"]
    if issubclass(ftype, t.LVBytes) and deserialize is _function(t.LVBytes, "deserialize"):
        return ["octets", ftype._prefix_length]
    if issubclass(ftype, t.CharacterString) and deserialize is _function(t.CharacterString, "deserialize"):
        return ["string", ftype._prefix_length]
    if ftype is t.Bytes:
        return ["rest"]
    if issubclass(ftype, t.List) and deserialize is _function(t.List, "deserialize"):
        item = ftype._item_type
        if isinstance(item, type) and issubclass(item, t.Struct) and item is not t.Date:
            fields = _fields(item)
            return None if fields is None else ["records", record_name(item.__name__), fields]
        kind = plain_kind(item)
        return ["list", kind] if kind is not None and kind[0] in _INTEGER_KINDS else None
    return None


# --- the table derived in this process, and the files it is derived from ----------------------


@functools.cache
def derived() -> ZclTable:
    """The table derived from zigpy, once per process (a constant, computed on first use: ~0.5 s).

    Callers that keep the table elsewhere (the CLI's cache file, `tools.zcl_cache`) pass theirs
    to the decoder instead (`PayloadContext.zcl`, `protocols.gbcs.parse(..., zcl=table)`).
    """
    return derive()


def source_files() -> list[Path]:
    """The files the table is derived from besides zigpy itself: this module and the `smart_energy`
    package (located without importing `protocols.zigbee`, which would import zigpy)."""
    here = Path(__file__).resolve()
    return [here, *sorted((here.parents[2] / "zigbee" / "smart_energy").glob("*.py"))]
