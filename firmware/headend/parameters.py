"""The `key=value` parameters of a use case: what each accepts, its default, and the error when a value is wrong.

Why a small type system of our own: a test engineer types `--set execute_at=+1h --set prices=2121,1800`
on a command line, so every value starts as text; each kind says how text becomes a value and
says what it accepts (for `--list-use-cases` and docs/headend.md), and a bad value is refused
with `ParameterError(name, reason)` before any counter is spent or byte is built.

Kinds: whole numbers in a range, EUI-64s (16 hex digits), hex octets, text of bounded length,
flags, choices by name, comma lists of numbers, moments in time (`now`, `never`, an ISO 8601
UTC date-time or an offset such as `+90s`, `+15m`, `+2h`, `-1d` from the head-end's clock),
and times of day (`HH:MM`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol


class ParameterError(ValueError):
    """A parameter that is unknown, missing or has a value its kind refuses."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"parameter {name!r}: {reason}")


class Kind(Protocol):
    """How a parameter's text becomes a value."""

    def parse(self, text: str, utc: float) -> Any:
        """The value of `text`; ValueError (with the reason) when the kind refuses it."""
        ...

    def describe(self) -> str:
        """What the kind accepts, in a few words."""
        ...


@dataclass(frozen=True, slots=True)
class Whole:
    """A whole number in [low, high]; decimal or 0x-hex."""

    low: int
    high: int
    unit: str = ""

    def parse(self, text: str, utc: float) -> int:
        try:
            value = int(text, 0)
        except ValueError:
            raise ValueError(f"{text!r} is not a whole number") from None
        if not self.low <= value <= self.high:
            raise ValueError(f"{value} is outside {self.low}..{self.high}")
        return value

    def describe(self) -> str:
        return f"integer {self.low}..{self.high}" + (f" ({self.unit})" if self.unit else "")


@dataclass(frozen=True, slots=True)
class Numbers:
    """A comma-separated list of `count_low`..`count_high` whole numbers, each in [low, high]."""

    low: int
    high: int
    count_low: int
    count_high: int
    unit: str = ""

    def parse(self, text: str, utc: float) -> tuple[int, ...]:
        parts = [part.strip() for part in text.split(",")] if text.strip() else []
        if not self.count_low <= len(parts) <= self.count_high:
            raise ValueError(f"{len(parts)} values, expected {self.count_low}..{self.count_high}")
        item = Whole(self.low, self.high)
        return tuple(item.parse(part, utc) for part in parts)

    def describe(self) -> str:
        unit = f" ({self.unit})" if self.unit else ""
        return f"{self.count_low}..{self.count_high} comma-separated integers {self.low}..{self.high}{unit}"


@dataclass(frozen=True, slots=True)
class Eui:
    """An EUI-64: 16 hex digits (separators `:` and `-` allowed), most significant byte first."""

    def parse(self, text: str, utc: float) -> bytes:
        compact = text.replace(":", "").replace("-", "")
        try:
            value = bytes.fromhex(compact)
        except ValueError:
            raise ValueError(f"{text!r} is not hex") from None
        if len(value) != 8:
            raise ValueError(f"an EUI-64 is 8 bytes (16 hex digits), not {len(value)}")
        return value

    def describe(self) -> str:
        return "EUI-64, 16 hex digits"


@dataclass(frozen=True, slots=True)
class Octets:
    """Bytes given as hex, `low`..`high` of them."""

    low: int
    high: int

    def parse(self, text: str, utc: float) -> bytes:
        try:
            value = bytes.fromhex(text.replace(":", ""))
        except ValueError:
            raise ValueError(f"{text!r} is not hex") from None
        if not self.low <= len(value) <= self.high:
            raise ValueError(f"{len(value)} bytes, expected {self.low}..{self.high}")
        return value

    def describe(self) -> str:
        size = f"{self.low}" if self.low == self.high else f"{self.low}..{self.high}"
        return f"{size} bytes as hex"


@dataclass(frozen=True, slots=True)
class Text:
    """Printable ASCII text of at most `high` characters, sent as its bytes."""

    high: int

    def parse(self, text: str, utc: float) -> bytes:
        if not all(0x20 <= ord(char) < 0x7F for char in text):
            raise ValueError("only printable ASCII characters")
        if len(text) > self.high:
            raise ValueError(f"{len(text)} characters, at most {self.high}")
        return text.encode("ascii")

    def describe(self) -> str:
        return f"text, at most {self.high} characters"


@dataclass(frozen=True, slots=True)
class Flag:
    """true / false (also yes / no, on / off, 1 / 0)."""

    def parse(self, text: str, utc: float) -> bool:
        lowered = text.strip().lower()
        if lowered in ("true", "yes", "on", "1"):
            return True
        if lowered in ("false", "no", "off", "0"):
            return False
        raise ValueError(f"{text!r} is not true or false")

    def describe(self) -> str:
        return "true or false"


@dataclass(frozen=True, slots=True)
class Choice:
    """One name of `options` (name -> value)."""

    options: Mapping[str, Any]

    def parse(self, text: str, utc: float) -> Any:
        key = text.strip().lower()
        if key not in self.options:
            raise ValueError(f"{text!r} is not one of {', '.join(self.options)}")
        return self.options[key]

    def describe(self) -> str:
        return "one of " + ", ".join(self.options)


@dataclass(frozen=True, slots=True)
class Moment:
    """A point in time, or GBCS's "now" / "never" (execute at once / cancel): `utc` is None for those."""

    utc: float | None
    never: bool = False

    @property
    def now(self) -> bool:
        return self.utc is None and not self.never


NOW = Moment(None)
NEVER = Moment(None, never=True)
_OFFSET = re.compile(r"^([+-])(\d+)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}


@dataclass(frozen=True, slots=True)
class When:
    """A moment: `now`, `never`, an ISO 8601 date-time (UTC unless it says otherwise), or an offset from the
    head-end's clock such as `+90s`, `+15m`, `+2h`, `-1d`. With `markers` (activation times), `now` and
    `never` are GBCS's markers (execute at once / cancel); without, `now` is the clock's time and `never`
    is refused."""

    markers: bool = True

    def parse(self, text: str, utc: float) -> Moment:
        lowered = text.strip().lower()
        if lowered == "now":
            return NOW if self.markers else Moment(utc)
        if lowered == "never":
            if not self.markers:
                raise ValueError("'never' is not allowed here: give a date-time or an offset")
            return NEVER
        offset = _OFFSET.match(lowered)
        if offset:
            sign, amount, unit = offset.groups()
            seconds = int(amount) * _SECONDS[unit]
            return Moment(utc + seconds if sign == "+" else utc - seconds)
        try:
            moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError(f"{text!r} is not now/never, an ISO 8601 date-time or an offset like +2h") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return Moment(moment.timestamp())

    def describe(self) -> str:
        markers = "now (at once), never (cancel), " if self.markers else "now, "
        return f"{markers}ISO 8601 UTC date-time, or an offset like +2h / -1d"


@dataclass(frozen=True, slots=True)
class TimeOfDay:
    """`HH:MM` (24-hour clock), as seconds after midnight."""

    def parse(self, text: str, utc: float) -> int:
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f"{text!r} is not a time of day HH:MM")
        return int(match[1]) * 3600 + int(match[2]) * 60

    def describe(self) -> str:
        return "time of day HH:MM"


@dataclass(frozen=True, slots=True)
class Switches:
    """A day's tariff switches: `HH:MM=rate` pairs separated by commas, rates in [low, high]."""

    low: int
    high: int

    def parse(self, text: str, utc: float) -> tuple[tuple[int, int], ...]:
        pairs = []
        for part in text.split(","):
            start, equals, rate = part.partition("=")
            if not equals:
                raise ValueError(f"{part!r} is not HH:MM=rate")
            pairs.append((TimeOfDay().parse(start, utc), Whole(self.low, self.high).parse(rate.strip(), utc)))
        if not pairs or len(pairs) > 48:
            raise ValueError(f"{len(pairs)} switches, expected 1..48")
        if [start for start, _ in pairs] != sorted({start for start, _ in pairs}):
            raise ValueError("switch times must rise through the day, each once")
        return tuple(pairs)

    def describe(self) -> str:
        return f"comma-separated HH:MM=rate switches, rates {self.low}..{self.high}"


@dataclass(frozen=True, slots=True)
class Parameter:
    """One `key=value` parameter: its kind, its default as text (None: required) and what it means."""

    name: str
    kind: Kind
    default: str | None
    help: str

    def parse(self, text: str, utc: float) -> Any:
        try:
            return self.kind.parse(text, utc)
        except ValueError as error:
            raise ParameterError(self.name, str(error)) from None


def parse_settings(settings: list[str]) -> dict[str, str]:
    """`["key=value", ...]` as a dict; ParameterError for an item without `=` or a key given twice."""
    found: dict[str, str] = {}
    for item in settings:
        key, equals, value = item.partition("=")
        key = key.strip()
        if not equals or not key:
            raise ParameterError(item, "expected key=value")
        if key in found:
            raise ParameterError(key, "given twice")
        found[key] = value
    return found


def time_window(back: str = "-1d") -> tuple[Parameter, Parameter]:
    """`from` / `to` of a log read: by default the last day up to now."""
    return (
        Parameter("from", When(markers=False), back, "start of the time range"),
        Parameter("to", When(markers=False), "now", "end of the time range"),
    )


def execute_at(help_text: str = "when the new values take effect") -> Parameter:
    """The activation time of a future-datable use case (meters.md 3.4)."""
    return Parameter("execute_at", When(), "now", help_text)


@dataclass(frozen=True, slots=True)
class NameOrEui:
    """One of `names` (returned lower-cased), or an EUI-64 (returned as its 8 bytes)."""

    names: tuple[str, ...]

    def parse(self, text: str, utc: float) -> str | bytes:
        lowered = text.strip().lower()
        if lowered in self.names:
            return lowered
        try:
            return Eui().parse(text, utc)
        except ValueError:
            raise ValueError(f"{text!r} is not one of {', '.join(self.names)} nor an EUI-64") from None

    def describe(self) -> str:
        return f"{', '.join(self.names)}, or an EUI-64"


@dataclass(frozen=True, slots=True)
class Pairs:
    """Comma-separated `EUI=value` pairs, each value read by `value` (at least one pair)."""

    value: Kind

    def parse(self, text: str, utc: float) -> tuple[tuple[bytes, Any], ...]:
        pairs = []
        for item in text.split(","):
            eui, equals, value = item.partition("=")
            if not equals:
                raise ValueError(f"{item!r} is not EUI=value")
            pairs.append((Eui().parse(eui.strip(), utc), self.value.parse(value.strip(), utc)))
        return tuple(pairs)

    def describe(self) -> str:
        return f"comma-separated EUI=value pairs, each value {self.value.describe()}"


def top_up_parameters() -> tuple[Parameter, Parameter]:
    """A UTRN's value and value class (gbcs.md 4.8: 13 bits, in pennies or pounds)."""
    return (
        Parameter("value", Whole(1, (1 << 13) - 1), "1000", "top-up value, in units of `unit`"),
        Parameter("unit", Choice({"pennies": 0, "pounds": 1}), "pennies", "value class of the UTRN"),
    )


def friendly_credit_parameters(enabled: bool) -> tuple[Parameter, Parameter, Parameter]:
    """A daily friendly-credit period: whether there is one, when it starts, when it ends."""
    return (
        Parameter("friendly_credit", Flag(), "true" if enabled else "false", "a daily friendly-credit period"),
        Parameter("friendly_from", TimeOfDay(), "18:00", "start of the friendly-credit period"),
        Parameter("friendly_to", TimeOfDay(), "08:00", "end of the friendly-credit period"),
    )
