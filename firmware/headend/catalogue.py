"""Every use case the head-end can build, by name, and their description for `--list-use-cases` and the docs.

Names are matched without regard to case (`ecs17b` is ECS17b); an unknown name is refused with
the nearest known ones, so a typo is one retry away.
"""

from __future__ import annotations

import difflib

from firmware.headend import chf, cs, esme_prepayment, esme_reads, esme_settings, esme_tariff, gsme, gsme_tariff
from firmware.headend.usecase import UseCase


class UnknownUseCase(LookupError):
    """A use-case name the head-end does not know; `suggestions` are the nearest names it does."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f" (nearest: {', '.join(suggestions)})" if suggestions else ""
        super().__init__(f"unknown use case {name!r}{hint}; --list-use-cases lists them")


def _index() -> dict[str, UseCase]:
    index: dict[str, UseCase] = {}
    for use_case in (
        *esme_reads.USE_CASES,
        *esme_tariff.USE_CASES,
        *esme_prepayment.USE_CASES,
        *esme_settings.USE_CASES,
        *gsme.USE_CASES,
        *gsme_tariff.USE_CASES,
        *chf.USE_CASES,
        *cs.USE_CASES,
    ):
        key = use_case.name.lower()
        if key in index:
            raise ValueError(f"use case {use_case.name} is defined twice")
        index[key] = use_case
    return index


#: lower-cased name -> use case, in the order the modules list them.
USE_CASES: dict[str, UseCase] = _index()


def lookup(name: str) -> UseCase:
    """The use case called `name` (any case); UnknownUseCase with the nearest names otherwise."""
    found = USE_CASES.get(name.strip().lower())
    if found is None:
        names = [use_case.name for use_case in USE_CASES.values()]
        lowered = {known.lower(): known for known in names}
        close = difflib.get_close_matches(name.strip().lower(), list(lowered), n=4, cutoff=0.6)
        raise UnknownUseCase(name, [lowered[match] for match in close])
    return found
