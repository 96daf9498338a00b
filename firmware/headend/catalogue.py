"""Every use case the head-end can build, by name, and their description for `--list-use-cases` and the docs.

Names are matched without regard to case (`ecs17b` is ECS17b); an unknown name is refused with
the nearest known ones, so a typo is one retry away.
"""

from __future__ import annotations

import difflib
from typing import Any

from firmware.headend import (
    chf,
    cs,
    esme_prepayment,
    esme_reads,
    esme_settings,
    esme_tariff,
    gsme,
    gsme_admin,
    gsme_prepayment,
    gsme_tariff,
)
from firmware.headend.identities import ROLES
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
        *gsme_prepayment.USE_CASES,
        *gsme_admin.USE_CASES,
        *gsme_tariff.USE_CASES,
        *chf.USE_CASES,
        *cs.USE_CASES,
    ):
        key = use_case.name.lower()
        if key in index:
            raise ValueError(f"use case {use_case.name} is defined twice")
        index[key] = use_case
    return index


#: Remote-party role -> the name `originator=` takes.
ROLE_NAMES = {role: name for name, role in ROLES.items()}
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


def describe(use_case: UseCase) -> dict[str, Any]:
    """A use case as data: what `--list-use-cases --json` prints and docs/headend.md tabulates."""
    roles = [ROLE_NAMES.get(role, f"role {role}") for role in sorted(use_case.roles)]
    return {
        "name": use_case.name,
        "title": use_case.title,
        "message_code": use_case.message_code,
        "family": use_case.family,
        "target": use_case.target,
        "critical": use_case.critical,
        "senders": roles,
        "parameters": [
            {
                "name": parameter.name,
                "default": parameter.default,
                "accepts": parameter.kind.describe(),
                "help": parameter.help,
            }
            for parameter in use_case.parameters
        ],
    }


def listing() -> str:
    """`--list-use-cases`: one line per use case, then one line per parameter with its default."""
    lines = []
    for use_case in USE_CASES.values():
        info = describe(use_case)
        signed = "critical" if info["critical"] else "non-critical"
        lines.append(
            f"{info['name']:<8} 0x{info['message_code']:04X} {info['target']:<6} {signed:<12} "
            f"{info['title']} (sent by {', '.join(info['senders']) or 'anyone'})"
        )
        for parameter in info["parameters"]:
            default = "(required)" if parameter["default"] is None else f"={parameter['default']}"
            lines.append(f"    {parameter['name']}{default}  {parameter['help']}; {parameter['accepts']}".rstrip("; "))
    return "\n".join(lines) + "\n"


def markdown() -> str:
    """The use-case table of docs/headend.md (a test keeps the page equal to it)."""
    lines = ["| use case | code | to | signed | what | parameters (default) |", "|---|---|---|---|---|---|"]
    for use_case in USE_CASES.values():
        info = describe(use_case)
        parameters = "; ".join(
            f"`{p['name']}`" + ("" if p["default"] is None else f" ({p['default'] or 'empty'})")
            for p in info["parameters"]
        )
        signed = "yes" if info["critical"] else "no"
        lines.append(
            f"| {info['name']} | 0x{info['message_code']:04X} | {info['target']} | {signed} | {info['title']} "
            f"| {parameters or '-'} |"
        )
    return "\n".join(lines)
