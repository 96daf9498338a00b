"""docs/headend.md's use-case table is the library's own (`catalogue.markdown()`), so the page cannot drift."""

from __future__ import annotations

from pathlib import Path

from firmware.headend import catalogue

PAGE = Path(__file__).resolve().parents[3] / "docs" / "headend.md"


def test_use_case_table_is_generated_from_the_catalogue() -> None:
    text = PAGE.read_text()
    begin, end = "<!-- use-cases:begin -->\n", "\n<!-- use-cases:end -->"
    table = text[text.index(begin) + len(begin) : text.index(end)]
    assert table == catalogue.markdown()
    assert table.count("\n| ") == len(catalogue.USE_CASES)  # after the header and its rule, one row per use case
