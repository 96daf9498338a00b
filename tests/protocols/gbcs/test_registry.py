"""The message-code registry against the primer's own table (gbcs.md 5.6, read from shared/docs)."""

from __future__ import annotations

import re

from protocols.gbcs import registry
from tests.conftest import shared_folder

#: gbcs.md 2.4: "FDRA, GCA, GNCA (RTDS names)" for firmware-distribution-receipt and generic alerts.
_RTDS_ALERT_NAMES = {"FDRA", "GCA", "GNCA"}


def _primer_table() -> dict[int, str]:
    """code -> row text of every code in the gbcs.md 5.6 table (the 'Message codes' column)."""
    text = (shared_folder("docs") / "gbcs.md").read_text()
    section = text[text.index("### 5.6") : text.index("### 5.7")]
    table: dict[int, str] = {}
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) > 4 and re.search(r"\b[0-9A-F]{4}\b", cells[4]):
            for code in re.findall(r"\b([0-9A-F]{4})\b", cells[4]):
                table[int(code, 16)] = line
    return table


def test_every_primer_code_is_registered_with_its_row() -> None:
    """Each code of gbcs.md 5.6 is in the registry, with that row's kinds, family and use-case name."""
    table = _primer_table()
    assert len(table) == 162
    for code, row in table.items():
        entry = registry.lookup(code)
        assert entry is not None, f"{code:04X}"
        kinds, family, _devices = (cell.strip() for cell in row.split("|")[1:4])
        assert {family_name.upper() for family_name in entry.families} == {
            {"DLMS": "DLMS", "GBZ": "GBZ", "ASN.1": "ASN1"}[name] for name in family.split("/")
        }
        assert all(form.split(":")[0] in kinds for form in entry.forms)
        if entry.use_case is not None and entry.use_case not in _RTDS_ALERT_NAMES:  # 5.6 describes those in words
            assert f"{code:04X} {entry.use_case}" in row


def test_han_originated_commands() -> None:
    """gbcs.md 2.4: PCS/PECS/HECS commands come from HAN devices; only those codes say so."""
    han = sorted(info.use_case or "" for info in registry.MESSAGE_CODES.values() if info.han_originated)
    assert han == ["HECS01", "PCS02", "PECS01", "PECS02", "PECS03"]


def test_lookup_of_unknown_code() -> None:
    assert registry.lookup(0xFFFF) is None
    entry = registry.lookup(0x0059)
    assert entry is not None and entry.name == "ECS52" and entry.devices == ("ESME",)
