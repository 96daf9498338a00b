"""OBIS codes and COSEM object descriptors (IEC 62056-6-1; gbcs.md 5.2 descriptors).

An OBIS code is six bytes `A-B:C.D.E.F`; a descriptor names one attribute or method of one
object: class-id (u16), instance-id (the OBIS code), attribute or method id (one byte).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from protocols.dlms.errors import DlmsEncodeError

_TEXT = re.compile(r"^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)\.(\d+)$")


@dataclass(frozen=True, slots=True, order=True)
class Obis:
    """A logical name: six bytes, shown as `A-B:C.D.E.F`."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != 6:
            raise DlmsEncodeError("obis", f"an OBIS code is 6 bytes, not {len(self.raw)}")

    @classmethod
    def of(cls, text: str) -> Obis:
        """`Obis.of("0-0:1.0.0.255")`."""
        match = _TEXT.match(text)
        if match is None or any(int(group) > 255 for group in match.groups()):
            raise DlmsEncodeError("obis", f"{text!r} is not A-B:C.D.E.F with values 0..255")
        return cls(bytes(int(group) for group in match.groups()))

    def __str__(self) -> str:
        a, b, c, d, e, f = self.raw
        return f"{a}-{b}:{c}.{d}.{e}.{f}"


@dataclass(frozen=True, slots=True)
class AttributeDescriptor:
    """Cosem-Attribute-Descriptor: class-id, instance-id, attribute-id."""

    class_id: int
    instance: Obis
    attribute: int

    def __post_init__(self) -> None:
        _check_descriptor(self.class_id, self.attribute, "attribute-id")

    def __str__(self) -> str:
        return f"class {self.class_id} {self.instance} attribute {self.attribute}"


@dataclass(frozen=True, slots=True)
class MethodDescriptor:
    """Cosem-Method-Descriptor: class-id, instance-id, method-id."""

    class_id: int
    instance: Obis
    method: int

    def __post_init__(self) -> None:
        _check_descriptor(self.class_id, self.method, "method-id")

    def __str__(self) -> str:
        return f"class {self.class_id} {self.instance} method {self.method}"


def _check_descriptor(class_id: int, member: int, name: str) -> None:
    if not 0 <= class_id <= 0xFFFF:
        raise DlmsEncodeError("class-id", f"{class_id} is not a u16")
    if not 0 <= member <= 0xFF:
        raise DlmsEncodeError(name, f"{member} is not one byte")
