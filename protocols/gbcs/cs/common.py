"""Values shared by the typed CS payload codecs: trust-anchor cells, key-usage bits, joined devices.

Why here: the credential use cases (CS02a/b/f/g) and the join use cases (CS03/CS07,
GCS59/62) name the same small structures (gbcs.md 5.4); each is decoded and encoded once.
Field names follow gbcs.md 5.4 (names from gbcs-parser where the primer gives them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from protocols.gbcs import der
from protocols.gbcs.der import Element


@dataclass(frozen=True, slots=True)
class BitString:
    """A DER BIT STRING: the unused-bit count, then the bits (X.509 KeyUsage in trust-anchor cells)."""

    unused_bits: int
    data: bytes

    def element(self) -> Element:
        return der.bit_string(self.unused_bits, self.data)

    @classmethod
    def read(cls, element: Element, field_name: str) -> BitString:
        return cls(*der.to_bit_string(element, field_name))


#: RFC 5280 4.2.1.3 KeyUsage as GBCS trust-anchor cells carry it: bit 0 digitalSignature, bit 4 keyAgreement.
DIGITAL_SIGNATURE = BitString(7, b"\x80")
KEY_AGREEMENT = BitString(3, b"\x08")

#: Remote-party roles (gbcs.md 2.1); 8 is the load controller role RTDS uses (CS02f/g, ECS47e).
ROOT, RECOVERY, SUPPLIER, NETWORK_OPERATOR, ACB, TRANSITIONAL_COS, WAN_PROVIDER, ISSUING_AUTHORITY = range(8)
LOAD_CONTROLLER = 8
#: DeviceType (gbcs.md 2.2).
GSME, ESME, CHF, GPF, HCALCS, PPMID, TYPE_2 = range(7)


@dataclass(frozen=True, slots=True)
class TrustAnchorCell:
    """Which trust anchor: remote-party role, key usage, and the optional cell usage (1 = prepayment KA)."""

    role: int
    key_usage: BitString
    cell_usage: int | None = None

    def element(self, tag: int = der.SEQUENCE) -> Element:
        parts = [der.integer(self.role), self.key_usage.element()]
        if self.cell_usage is not None:
            parts.append(der.integer(self.cell_usage))
        return der.sequence(*parts, tag=tag)

    @classmethod
    def read(cls, element: Element, field_name: str, tag: int = der.SEQUENCE) -> TrustAnchorCell:
        parts = der.members(element, field_name, tag)
        if len(parts) not in (2, 3):
            raise element.fail(field_name, f"{len(parts)} members where role, key usage [, cell usage] were expected")
        cell_usage = der.to_int(parts[2], f"{field_name}.cell-usage") if len(parts) == 3 else None
        return cls(
            der.to_int(parts[0], f"{field_name}.role"), BitString.read(parts[1], f"{field_name}.key-usage"), cell_usage
        )


@dataclass(frozen=True, slots=True)
class JoinedDevice:
    """An entry of a device join list or GPF device log: entity identifier and DeviceType."""

    device_id: bytes
    device_type: int

    def element(self) -> Element:
        return der.sequence(der.octets(self.device_id), der.integer(self.device_type))

    @classmethod
    def read(cls, element: Element, field_name: str) -> JoinedDevice:
        parts = exactly(element, field_name, 2)
        return cls(
            der.to_octets(parts[0], f"{field_name}.device-id", 8), der.to_int(parts[1], f"{field_name}.device-type")
        )


@dataclass(frozen=True, slots=True)
class AlertHeader:
    """What every ASN.1 alert starts with: the alert code (an INTEGER, `02 03 00 8F 66`) and its time."""

    alert_code: int
    time: datetime

    def elements(self) -> tuple[Element, Element]:
        return der.integer(self.alert_code), der.generalized_time(self.time)

    @classmethod
    def read(cls, parts: tuple[Element, ...], field_name: str) -> AlertHeader:
        return cls(der.to_int(parts[0], f"{field_name}.alert-code"), der.to_time(parts[1], f"{field_name}.alert-time"))


def exactly(element: Element, field_name: str, count: int, tag: int = der.SEQUENCE) -> tuple[Element, ...]:
    """The members of a SEQUENCE that must have exactly `count` of them."""
    parts = der.members(element, field_name, tag)
    if len(parts) != count:
        raise element.fail(field_name, f"{len(parts)} members where {count} were expected")
    return parts


def at_least(element: Element, field_name: str, count: int, tag: int = der.SEQUENCE) -> tuple[Element, ...]:
    parts = der.members(element, field_name, tag)
    if len(parts) < count:
        raise element.fail(field_name, f"{len(parts)} members where at least {count} were expected")
    return parts


def implicit_int(element: Element, field_name: str, tag: int) -> int:
    """An implicitly tagged INTEGER ([3] IMPLICIT, `83 02 03 E8`), whose contents must be minimal."""
    value = der.to_int(element, field_name, tag)
    if der.integer(value, tag).contents != element.contents:
        raise element.fail(field_name, "integer contents not in their minimal form")
    return value


def certificate(element: Element, field_name: str) -> bytes:
    """An X.509 certificate kept as its DER bytes (a SEQUENCE of tbsCertificate, algorithm, signature)."""
    at_least(element, field_name, 3)
    return der.build(element)


def certificate_element(data: bytes) -> Element:
    return der.parse_one(data)
