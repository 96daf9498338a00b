"""The object table against the GBCS use-case mapping: every object, attribute and method meters.md 1.1 lists.

The expected list is read from `shared/docs/meters.md` section 1.1 (from the GBCS mapping tables),
not from the code: each `class OBIS aN,mN` entry of the "Objects touched" column, with the
`{a,b}` / `{a-b}` groups expanded, must exist in the table of at least one variant (some are
twin- or polyphase-only), with that class and those attributes and methods.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from firmware.devices.esme import objects, shipped_profile
from protocols.dlms import Obis
from tests.conftest import shared_dir

_ENTRY = re.compile(r"\b(\d+) (\d+-[\d{},\-]+:[\d{},\-.]+) ((?:[am]\d+,?)+)")


def _expand(text: str) -> list[str]:
    group = re.search(r"\{([^}]*)\}", text)
    if group is None:
        return [text]
    values: list[int] = []
    for part in group.group(1).split(","):
        low, _, high = part.partition("-")
        values.extend(range(int(low), int(high or low) + 1))
    return [
        expanded for value in values for expanded in _expand(text[: group.start()] + str(value) + text[group.end() :])
    ]


def _use_case_objects(meters_md: str) -> dict[tuple[int, str], set[str]]:
    section = meters_md[meters_md.index("### 1.1 ESME use cases") : meters_md.index("ECS26n, ECS35c and ECS35d")]
    wanted: dict[tuple[int, str], set[str]] = {}
    for line in section.splitlines():
        if line.startswith("| ECS"):
            for match in _ENTRY.finditer(line.split("|")[6]):
                for name in _expand(match.group(2)):
                    wanted.setdefault((int(match.group(1)), name), set()).update(match.group(3).strip(",").split(","))
    return wanted


def test_every_object_gbcs_uses_exists_with_its_attributes_and_methods() -> None:
    base = shared_dir()
    if base is None:
        pytest.skip("shared/docs not found: set COMMSHUB_SHARED or place shared/ beside the checkout")
    wanted = _use_case_objects((Path(base) / "docs" / "meters.md").read_text(encoding="utf-8"))
    assert len(wanted) == 210
    tables = [objects.build(shipped_profile(name)) for name in ("credit-single", "twin", "polyphase")]
    missing = []
    for (class_id, name), members in sorted(wanted.items()):
        found = [table[Obis.of(name)] for table in tables if Obis.of(name) in table]
        if not found or found[0].class_id != class_id:
            missing.append((class_id, name))
            continue
        obj = found[0]
        for member in members:
            number = int(member[1:])
            present = number in obj.methods if member[0] == "m" else number == 1 or number in obj.attributes
            if not present:
                missing.append((class_id, name, member))
    assert missing == []


def test_describe_lists_every_object_once() -> None:
    table = objects.build(shipped_profile("credit-single"))
    rows = objects.describe(table)
    assert len(rows) == len(table) and len({row[1] for row in rows}) == len(rows)
    clock = next(row for row in rows if row[1] == "0-0:1.0.0.255")
    assert clock[0] == 8 and "2 time (w)" in clock[3] and "4 adjust_to_preset_time" in clock[4]
    classes = {row[0] for row in rows}
    assert {1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 18, 20, 21, 22, 30, 40, 64, 70, 71, 111, 112, 113, 115, 9000} <= classes


def test_docs_object_list_is_the_model_table() -> None:
    """docs/esme.md's object list is generated from the table; regenerate it with `objects.catalogue()`."""
    page = (Path(__file__).resolve().parents[4] / "docs" / "esme.md").read_text(encoding="utf-8")
    listed = page.split("<!-- objects:begin -->\n", 1)[1].split("\n<!-- objects:end -->", 1)[0]
    assert listed == objects.catalogue()
