"""Device profiles: what kind of SMETS2 ESME to be (variant, identity, firmware, tariff, payment mode, load).

A profile is a TOML document (several ship in `profiles/`); `parse_profile(text, source)`
turns one into a frozen `DeviceProfile`, refusing any unknown key, wrong type or impossible
value with a `ProfileError` naming the file and the key. Reading a user's file is the caller's
I/O (the composition root or a tool reads the text); the shipped ones are package data, read
by `shipped_profile(name)` the way code is imported.

The profile only seeds a new meter: once the meter has state in its NVM, commands (ECS01a
tariffs, ECS02/03 payment mode, ...) change it, and the profile is not consulted for those
values again.

Units: money in 1/100000 of the currency unit (the price scaler -5 of the GBCS price matrix,
meters.md 2.3), energy in Wh, power in W, times in seconds.
"""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any


class ProfileError(ValueError):
    """A device profile that cannot be used: `source` (file or name), `key` (dotted path) and why."""

    def __init__(self, source: str, key: str, reason: str) -> None:
        self.source = source
        self.key = key
        self.reason = reason
        super().__init__(f"{source}: {key}: {reason}")


class Variant(str, enum.Enum):
    """SMETS2 ESME variants (meters.md 2): which objects exist (twin adds a second element, polyphase phases 2-3)."""

    SINGLE = "single"
    TWIN = "twin"
    POLYPHASE = "polyphase"


class PaymentMode(enum.IntEnum):
    """Account `payment_mode` (class 111 attribute 2, meters.md 2.1)."""

    CREDIT = 1
    PREPAYMENT = 2


@dataclass(frozen=True)
class Identity:
    manufacturer: bytes = b"CSW "  #: os(4), 0-0:96.1.6.255
    model: bytes = b"EMU-ESME"  #: os(8), 0-0:96.1.4.255
    meter_variant: bytes = b"A"  #: os(1), 0-0:96.1.2.255
    firmware_version: bytes = b"\x01\x00\x00\x00"  #: os(4), 0-0:0.2.1.255
    import_mpan: bytes = b"1300000000001"  #: os(13) per element, 0-0:94.44.34.11
    export_mpan: bytes = b""  #: os(13), 1-0:0.0.2.255


@dataclass(frozen=True)
class Tariff:
    """The tariff a new meter starts with: a daily TOU switching table or a single block-priced rate."""

    kind: str = "tou"  #: "tou" or "block"
    prices: tuple[int, ...] = (20_000,)  #: TOU rate prices per kWh (block: the 4 block prices of rate 1)
    switches: tuple[tuple[int, int], ...] = ((0, 1),)  #: (seconds after midnight UTC, TOU rate 1..48)
    block_thresholds: tuple[int, ...] = ()  #: Wh at which blocks 2, 3, 4 start (block tariffs)
    standing_charge: int = 25_000  #: per day (a long: at most 32767)


@dataclass(frozen=True)
class Prepayment:
    meter_balance: int = 1_000_000
    emergency_credit_limit: int = 500_000
    emergency_credit_threshold: int = 100_000
    low_credit_threshold: int = 200_000
    disablement_threshold: int = 0
    max_meter_balance: int = 25_000_000
    max_credit_threshold: int = 10_000_000
    debt_recovery_cap: int = 100_000  #: most debt recovered per period
    debt_recovery_period: int = 86_400


@dataclass(frozen=True)
class LoadModel:
    """Power drawn: a base load plus daily peaks, with seeded per-half-hour noise (a household's shape)."""

    seed: int | None = None  #: None: drawn once from the constructor's rng and kept in NVM
    base_w: float = 250.0
    peak_w: float = 2_000.0
    peaks: tuple[tuple[float, float], ...] = ((7.5, 1.5), (18.5, 3.0))  #: (centre hour UTC, width hours)
    noise: float = 0.3  #: relative spread of each half-hour's power
    power_factor: float = 0.95
    secondary_share: float = 0.0  #: twin element: share of the load on the second element
    export_w: float = 0.0  #: peak of a midday export (micro-generation)
    voltage: float = 240.0


@dataclass(frozen=True)
class DeviceProfile:
    name: str
    variant: Variant = Variant.SINGLE
    payment_mode: PaymentMode = PaymentMode.CREDIT
    identity: Identity = field(default_factory=Identity)
    tariff: Tariff = field(default_factory=Tariff)
    prepayment: Prepayment = field(default_factory=Prepayment)
    load: LoadModel = field(default_factory=LoadModel)
    #: Longest gap between two observations the meter meters through; a longer one is time it was off.
    max_catch_up: int = 2 * 86_400


_SECTIONS: dict[str, type] = {"identity": Identity, "tariff": Tariff, "prepayment": Prepayment, "load": LoadModel}
_BYTES_FIELDS = {
    "manufacturer": 4,
    "model": 8,
    "meter_variant": 1,
    "firmware_version": 4,
    "import_mpan": 26,
    "export_mpan": 13,
}
#: A price in the GBCS charge table is a `long` (meters.md 2.3).
MAX_PRICE = 0x7FFF


def parse_profile(text: str, source: str) -> DeviceProfile:
    """The profile in TOML `text` (`source` names it in errors)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(source, "(document)", f"not valid TOML: {error}") from None
    return profile_from_mapping(document, source)


def profile_from_mapping(document: dict[str, Any], source: str) -> DeviceProfile:
    """The profile in an already-parsed TOML mapping."""
    known = {"name", "variant", "payment_mode", "max_catch_up", *_SECTIONS}
    for key in document:
        if key not in known:
            raise ProfileError(source, key, f"unknown key (expected one of {', '.join(sorted(known))})")
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise ProfileError(source, "name", "a non-empty string is required")
    sections = {
        section: _section(document.get(section, {}), cls, section, source) for section, cls in _SECTIONS.items()
    }
    profile = DeviceProfile(
        name=name,
        variant=_choice(Variant, document.get("variant", "single"), "variant", source),
        payment_mode=_choice(PaymentMode, document.get("payment_mode", "credit"), "payment_mode", source),
        max_catch_up=_number(document.get("max_catch_up", 2 * 86_400), int, "max_catch_up", source, low=0),
        **sections,
    )
    _check_tariff(profile.tariff, source)
    return profile


def shipped_profile(name: str) -> DeviceProfile:
    """One of the profiles shipped in `profiles/` (`credit-single`, `prepayment-single`, `twin`, `polyphase`)."""
    folder = resources.files(__package__).joinpath("profiles")
    path = folder.joinpath(f"{name}.toml")
    if not path.is_file():
        names = sorted(entry.name.removesuffix(".toml") for entry in folder.iterdir() if entry.name.endswith(".toml"))
        raise ProfileError(name, "(name)", f"no shipped profile of that name (shipped: {', '.join(names)})")
    return parse_profile(path.read_text(encoding="utf-8"), f"{name}.toml")


def shipped_profile_names() -> tuple[str, ...]:
    folder = resources.files(__package__).joinpath("profiles")
    return tuple(sorted(entry.name.removesuffix(".toml") for entry in folder.iterdir() if entry.name.endswith(".toml")))


def _choice(kind: Any, value: object, key: str, source: str) -> Any:
    names = {member.name.lower(): member for member in kind}
    if not isinstance(value, str) or value.lower() not in names:
        raise ProfileError(source, key, f"{value!r} is not one of {', '.join(names)}")
    return names[value.lower()]


def _number(value: object, kind: type, key: str, source: str, low: float | None = None) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise ProfileError(source, key, f"{value!r} is not {'an integer' if kind is int else 'a number'}")
    if low is not None and value < low:
        raise ProfileError(source, key, f"{value} is below {low}")
    return kind(value)


def _section(table: object, cls: type, section: str, source: str) -> Any:
    if not isinstance(table, dict):
        raise ProfileError(source, section, "must be a table")
    defaults = cls()
    values: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{section}.{key}"
        if not hasattr(defaults, key):
            raise ProfileError(source, path, f"unknown key in [{section}]")
        default = getattr(defaults, key)
        values[key] = _field(value, default, key, path, source)
    return cls(**values)


def _field(value: object, default: object, key: str, path: str, source: str) -> object:
    if isinstance(default, bytes) or key in _BYTES_FIELDS:
        if not isinstance(value, str):
            raise ProfileError(source, path, "must be a string (text, or hex prefixed with 0x)")
        raw = bytes.fromhex(value[2:]) if value.startswith("0x") else value.encode("ascii", errors="replace")
        if len(raw) > _BYTES_FIELDS.get(key, 64):
            raise ProfileError(source, path, f"at most {_BYTES_FIELDS.get(key, 64)} bytes")
        return raw
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ProfileError(source, path, "must be a string")
        return value
    if key == "seed":
        return None if value is None else _number(value, int, path, source, low=0)
    if isinstance(default, tuple):
        return _tuple(value, key, path, source)
    return _number(value, type(default), path, source, low=0)


def _tuple(value: object, key: str, path: str, source: str) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise ProfileError(source, path, "must be an array")
    if key == "switches":
        return tuple(_switch(item, f"{path}[{index}]", source) for index, item in enumerate(value))
    if key == "peaks":
        pairs = []
        for index, item in enumerate(value):
            if not isinstance(item, list) or len(item) != 2:
                raise ProfileError(source, f"{path}[{index}]", "must be [centre hour, width hours]")
            pairs.append((_number(item[0], float, path, source, low=0), _number(item[1], float, path, source, low=0.1)))
        return tuple(pairs)
    return tuple(_number(item, int, f"{path}[{index}]", source, low=0) for index, item in enumerate(value))


def _switch(item: object, path: str, source: str) -> tuple[int, int]:
    if not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], str):
        raise ProfileError(source, path, 'must be ["HH:MM", rate]')
    hour, _, minute = item[0].partition(":")
    if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
        raise ProfileError(source, path, f"{item[0]!r} is not a time HH:MM")
    rate = _number(item[1], int, path, source, low=1)
    if rate > 48:
        raise ProfileError(source, path, "TOU rates are 1..48")
    return int(hour) * 3600 + int(minute) * 60, rate


def _check_tariff(tariff: Tariff, source: str) -> None:
    if tariff.kind not in ("tou", "block"):
        raise ProfileError(source, "tariff.kind", f"{tariff.kind!r} is neither 'tou' nor 'block'")
    if not tariff.prices:
        raise ProfileError(source, "tariff.prices", "at least one price is needed")
    if max(tariff.prices) > MAX_PRICE or tariff.standing_charge > MAX_PRICE:
        raise ProfileError(source, "tariff.prices", f"prices and the standing charge are at most {MAX_PRICE} (a long)")
    if tariff.kind == "tou":
        if not tariff.switches:
            raise ProfileError(source, "tariff.switches", "a TOU tariff needs at least one switch time")
        if len(tariff.prices) > 48:
            raise ProfileError(source, "tariff.prices", "at most 48 TOU prices")
        highest = max(rate for _, rate in tariff.switches)
        if highest > len(tariff.prices):
            raise ProfileError(source, "tariff.switches", f"rate {highest} has no price (only {len(tariff.prices)})")
    else:
        if len(tariff.prices) > 4 or len(tariff.block_thresholds) != len(tariff.prices) - 1:
            raise ProfileError(
                source, "tariff.block_thresholds", "a block tariff has 1-4 prices and one threshold fewer"
            )
