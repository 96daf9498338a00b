"""GSME device profiles: what a gas meter is when it leaves the factory (and the installer).

A profile is TOML (`profiles/*.toml` ship with the package; a home file may name one or give a
path). It seeds a fresh model: identity (EUI, manufacturer, model, firmware version), the
initial ZCL attribute values by zigpy attribute name per cluster (tariff, payment mode, credit,
prepayment configuration...), the time-of-use calendar, the load model (seeded gas usage) and
model-level faults (a ZCL status for a cluster/attribute/command, a failing image check).
Nothing in a profile names a GBCS message: faults are by ZCL cluster and command or attribute.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from protocols.gbz import zcl

_CLUSTERS = {
    "basic": zcl.BASIC,
    "price": zcl.PRICE,
    "metering": zcl.METERING,
    "prepayment": zcl.PREPAYMENT,
    "device_management": zcl.DEVICE_MANAGEMENT,
}


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Fault:
    """Answer `status` instead of executing: for a command (cluster + command id) or an attribute read."""

    cluster_id: int
    status: int = 0xC0  #: HARDWARE_FAILURE
    command_id: int | None = None
    attribute_id: int | None = None
    after: int = 0  #: matching operations that still succeed before the fault shows (per command)


@dataclass(frozen=True, slots=True)
class LoadModel:
    """Gas usage: a daily mean in litres with a morning and evening peak, scaled by a seeded random factor."""

    litres_per_day: float = 3000.0
    seed: int = 1
    variability: float = 0.5  #: each half hour is the profile value times U(1 - v, 1 + v)
    top_up_below: int = 0  #: prepayment: the household tops up locally when credit falls below this...
    top_up_amount: int = 0  #: ...by this much (0: it never does)


@dataclass(frozen=True, slots=True)
class DayProfile:
    day_id: int
    entries: tuple[tuple[int, int], ...]  #: (minutes from midnight, tier)


@dataclass(frozen=True, slots=True)
class Calendar:
    """A calendar (Calendar cluster): day profiles, week profiles, seasons, special days."""

    issuer_calendar_id: int
    days: tuple[DayProfile, ...]
    weeks: tuple[tuple[int, tuple[int, ...]], ...]  #: (week id, day ids Monday..Sunday)
    seasons: tuple[tuple[tuple[int, int, int, int], int], ...]  #: (ZCL date, week id)
    special_days: tuple[tuple[tuple[int, int, int, int], int], ...] = ()


@dataclass(frozen=True, slots=True)
class GsmeProfile:
    name: str
    eui: bytes
    attributes: dict[int, dict[str, Any]]  #: cluster id -> zigpy attribute name -> initial value
    load: LoadModel = LoadModel()
    calendar: Calendar | None = None
    friendly_credit: Calendar | None = None  #: calendar type 3: day-profile value 1 = friendly credit on
    faults: tuple[Fault, ...] = ()
    fail_image_check: bool = False
    commissioned: str | None = None  #: ISO date: the meter's history (logs, snapshots) starts here
    network_log: dict[str, int] = field(default_factory=dict)  #: a running network data log at commissioning
    billing_period: dict[str, int] = field(default_factory=dict)  #: start (ISO), duration, duration_type


def available() -> list[str]:
    """The names of the shipped profiles."""
    return sorted(
        p.name[:-5] for p in resources.files(__package__).joinpath("profiles").iterdir() if p.name.endswith(".toml")
    )


def load_profile(name_or_path: str | Path) -> GsmeProfile:
    """A shipped profile by name (`available()`), or a TOML file by path; ProfileError when unusable."""
    path = Path(name_or_path)
    if path.suffix == ".toml":
        try:
            text = path.read_text()
        except OSError as exc:
            raise ProfileError(f"{path}: {exc.strerror}") from None
        return parse_profile(text, path.stem)
    shipped = resources.files(__package__).joinpath("profiles", f"{name_or_path}.toml")
    if not shipped.is_file():
        raise ProfileError(f"no shipped GSME profile {name_or_path!r}; shipped: {', '.join(available())}")
    return parse_profile(shipped.read_text(), str(name_or_path))


def parse_profile(text: str, name: str) -> GsmeProfile:
    try:
        data = tomllib.loads(text)
        identity = data["identity"]
        attributes: dict[int, dict[str, Any]] = {}
        for section, cluster_id in _CLUSTERS.items():
            values = dict(data.get(section, {}))
            for attr_name in values:
                zcl.attribute_id(cluster_id, attr_name)  # KeyError for a name zigpy does not know
            attributes[cluster_id] = values
        basic = attributes[zcl.BASIC]
        basic.setdefault("manufacturer", identity["manufacturer"])
        basic.setdefault("model", identity["model"])
        attributes[zcl.METERING].setdefault("current_meter_id", bytes.fromhex(identity["firmware_version"]))
        return GsmeProfile(
            name=name,
            eui=bytes.fromhex(identity["eui"]),
            attributes=attributes,
            load=LoadModel(**data.get("load", {})),
            calendar=_calendar(data["calendar"]) if "calendar" in data else None,
            friendly_credit=_calendar(data["friendly_credit"]) if "friendly_credit" in data else None,
            faults=tuple(Fault(**fault) for fault in data.get("faults", [])),
            fail_image_check=bool(data.get("fail_image_check", False)),
            commissioned=data.get("commissioned"),
            network_log=dict(data.get("network_log", {})),
            billing_period=dict(data.get("billing_period", {})),
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ProfileError(f"GSME profile {name}: {type(exc).__name__}: {exc}") from None


def _date(text: str) -> tuple[int, int, int, int]:
    """A ZCL Date from `YYYY-MM-DD` (`*` for a wildcard part): years since 1900, month, day, day of week FF."""
    year, month, day = text.split("-")
    return (0xFF if year == "*" else int(year) - 1900, 0xFF if month == "*" else int(month), int(day), 0xFF)


def _calendar(data: dict[str, Any]) -> Calendar:
    return Calendar(
        issuer_calendar_id=int(data["issuer_calendar_id"]),
        days=tuple(
            DayProfile(int(day), tuple((int(m), int(tier)) for m, tier in entries))
            for day, entries in data["days"].items()
        ),
        weeks=tuple((int(week), tuple(days)) for week, days in data["weeks"].items()),
        seasons=tuple((_date(start), int(week)) for start, week in data["seasons"].items()),
        special_days=tuple((_date(date), int(day)) for date, day in data.get("special_days", {}).items()),
    )
