"""A COSEM object as the ESME serves it: numbered attributes and methods, each with a schema and a behaviour.

Why data, not one Python class per interface class: the SMETS2 object list (meters.md 2) is
~200 instances of ~25 interface classes whose attributes are mostly stored configuration;
an object is therefore a table entry (`CosemObject`) whose attributes say where the value
comes from - stored in NVM with a default, or computed from the meter's behaviour (`read`)
- and what a write must look like (`schema`) and triggers (`write`). The class-specific
behaviour lives in small factory functions (`classes_*.py`), the instances in `objects_*.py`.

Access rules (Blue Book / IEC 62056-6-2, results in meters.md 3.1):
- attribute 1 (logical_name) of every object is readable, never writable;
- an attribute or method the object does not have -> `object-unavailable`;
- a write to an attribute without a schema -> `read-write-denied`;
- the value is checked by the schema (`schema.Refused`: `type-unmatched` / `other-reason`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from firmware.devices.esme.schema import Refused, Schema
from protocols.dlms import Data, DataAccessResult, Obis, octets
from protocols.dlms.selective import SelectiveAccess

if TYPE_CHECKING:
    from firmware.devices.esme.meter import Call

Reader = Callable[["Call"], Data]
Writer = Callable[["Call", Data], None]
SelectiveReader = Callable[["Call", "SelectiveAccess | None"], Data]
Runner = Callable[["Call", Data], "Data | None"]


@dataclass(frozen=True, slots=True)
class Attribute:
    """One attribute: stored (`default` set) or computed (`read` set); writable when it has a `schema`."""

    schema: Schema | None = None
    default: Data | None = None
    read: Reader | None = None
    write: Writer | None = None  #: runs after a stored value is written (or instead, for computed attributes)
    buffer: SelectiveReader | None = None  #: a profile buffer: read with optional selective access
    label: str = ""

    def __post_init__(self) -> None:
        sources = sum(source is not None for source in (self.default, self.read, self.buffer))
        if sources != 1:
            raise ValueError("an attribute is stored (default), computed (read) or a buffer, exactly one")
        if self.schema is not None and self.default is None and self.write is None:
            raise ValueError("a writable computed attribute needs a `write` behaviour")


@dataclass(frozen=True, slots=True)
class Method:
    """One method: its parameter schema and what it does (returns the action's return data, or None)."""

    schema: Schema
    run: Runner
    label: str = ""


@dataclass(frozen=True, slots=True)
class CosemObject:
    """One instance: class, logical name, and its attributes (2..n) and methods."""

    class_id: int
    obis: Obis
    label: str
    attributes: dict[int, Attribute] = field(default_factory=dict)
    methods: dict[int, Method] = field(default_factory=dict)

    def key(self, attribute: int) -> str:
        """The NVM key of a stored attribute."""
        return f"v/{self.class_id}/{self.obis}/{attribute}"

    def attribute(self, number: int) -> Attribute:
        spec = self.attributes.get(number)
        if spec is None:
            raise Refused(DataAccessResult.OBJECT_UNAVAILABLE, f"{self.label} has no attribute {number}")
        return spec


def logical_name(obj: CosemObject) -> Data:
    """Attribute 1 of every object."""
    return octets(obj.obis.raw)
