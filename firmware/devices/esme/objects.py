"""The object table of one ESME: every COSEM object of a SMETS2 meter of the profile's variant (meters.md 2).

Single element meters have the full GBCS 4.0 object list; twin element meters add the second
element's calendar, special days, prices and registers; polyphase meters add the voltage
quality objects of phases 2 and 3. `describe(table)` lists the table (docs/esme.md is
generated from it).
"""

from __future__ import annotations

from firmware.devices.esme.cosem import CosemObject
from firmware.devices.esme.objects_metering import metering_objects
from firmware.devices.esme.objects_payment import payment_objects, supply_objects
from firmware.devices.esme.objects_tariff import tariff_objects
from firmware.devices.esme.profile import DeviceProfile, shipped_profile
from protocols.dlms import Obis


def build(profile: DeviceProfile) -> dict[Obis, CosemObject]:
    """The object table for `profile`, keyed by logical name (each logical name once, as DLMS requires)."""
    table: dict[Obis, CosemObject] = {}
    for obj in (
        *metering_objects(profile),
        *tariff_objects(profile),
        *payment_objects(profile),
        *supply_objects(profile),
    ):
        if obj.obis in table:
            raise ValueError(f"{obj.obis} is defined twice ({table[obj.obis].label!r} and {obj.label!r})")
        table[obj.obis] = obj
    return table


def describe(table: dict[Obis, CosemObject]) -> list[tuple[int, str, str, str, str]]:
    """(class, logical name, label, attributes, methods) per object, ordered by class then name."""
    rows = []
    for obj in sorted(table.values(), key=lambda item: (item.class_id, item.obis.raw)):
        attributes = ", ".join(
            f"{number} {spec.label}{' (w)' if spec.schema is not None else ''}"
            for number, spec in sorted(obj.attributes.items())
        )
        methods = ", ".join(f"{number} {spec.label}" for number, spec in sorted(obj.methods.items()))
        rows.append((obj.class_id, str(obj.obis), obj.label, attributes, methods))
    return rows


#: The shipped profile each variant's table is listed from.
_VARIANT_PROFILES = {"single": "credit-single", "twin": "twin", "polyphase": "polyphase"}


def catalogue() -> str:
    """The object list of docs/esme.md: every object of the three variants as a Markdown table.

    Regenerate with `python -c "from firmware.devices.esme import objects; print(objects.catalogue())"`;
    a test keeps docs/esme.md equal to it.
    """
    rows: dict[str, tuple[int, str, str, str, str]] = {}
    variants: dict[str, list[str]] = {}
    for variant, name in _VARIANT_PROFILES.items():
        for row in describe(build(shipped_profile(name))):
            rows.setdefault(row[1], row)
            variants.setdefault(row[1], []).append(variant)
    lines = [
        "| class | logical name | object | attributes ((w) writable) | methods | variants |",
        "|---|---|---|---|---|---|",
    ]
    for class_id, obis, label, attributes, methods in sorted(
        rows.values(), key=lambda row: (row[0], Obis.of(row[1]).raw)
    ):
        present = "all" if len(variants[obis]) == len(_VARIANT_PROFILES) else ", ".join(variants[obis])
        lines.append(f"| {class_id} | {obis} | {label} | {attributes} | {methods or '-'} | {present} |")
    return "\n".join(lines)
