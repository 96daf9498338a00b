"""`HubConfig`: what a hub is told when it starts, validated once (style.md "Firmware composition").

Why frozen and checked here: the composition root and everything below it take a `HubConfig`
and never look at a file or the environment; `commshub run` reads the TOML file (the rig's
`/etc/commshub/hub.toml`, docs/rig.md) at the edge and hands its tables to `parse_config`,
which refuses a bad value with the key that holds it. Command-line options override the file
by replacing fields (`dataclasses.replace`).

Keys (the first five are the rig's, with its defaults; docs/hub.md lists them all):

| key | default | meaning |
|---|---|---|
| `[wan] listen` | `"127.0.0.1:8765"` | `HOST:PORT` head-ends connect to |
| `[state] file` | `"/var/lib/commshub/hub.sqlite"` | the NVM (`hal.nvm`) |
| `[keystore] dir` | `""` | a GBCS key store folder; `""`: test keys generated on first start |
| `[han] home` | `"semi-detached"` | the simulated home (name or file); `""`: real radios |
| `[han] radios` | `[]` | real radios (`{band, kind, path}`), when `home` is `""` |
| `[han] hub` | `""` | the hub node of the home (`""`: its first hub) |
| `[han] channel` | `0` | the 2.4 GHz channel (11-26; 0: the first free of 15, 20, 25) |
| `[han] dual_band` | `"auto"` | `"auto"` (868 MHz when a device needs it), `"yes"`, `"no"` |
| `[hub] commission` | `true` | put the home's devices in the device logs at first start |
| `[hub] gsme_wake_interval` | `1800` | seconds between the gas meter's wake-ups (gbcs.md 6.3) |
| `[hub] ihd_interval` | `300` | seconds between an in-home display's reads |
| `[hub] gsme_retrieval_timeout` | `86400` | seconds a queued GSME command waits before 0x819D |
| `[clock] start` | `""` | with `--fast`: the UTC date-time the hub serves from (`""`: now) |
| `[clock] history` | `172800` | with `--fast`, first start: seconds of the home's life simulated first |
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DEFAULT_LISTEN = "127.0.0.1:8765"
DEFAULT_STATE = "/var/lib/commshub/hub.sqlite"
DEFAULT_HOME = "semi-detached"
RADIO_BANDS = ("2.4GHz", "868MHz")
RADIO_KINDS = ("spinel",)
DUAL_BAND = ("auto", "yes", "no")


class ConfigError(ValueError):
    """A configuration value that cannot be used; `key` names where it is (e.g. `han.channel`)."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")


@dataclass(frozen=True, slots=True)
class RadioSpec:
    """A real radio: its band, kind and pyserial path (the rig's `[han] radios` entries)."""

    band: str
    kind: str
    path: str


@dataclass(frozen=True, slots=True)
class HubConfig:
    """A hub's settings (see the module docstring for the keys)."""

    listen_host: str = "127.0.0.1"
    listen_port: int = 8765
    state_file: str = DEFAULT_STATE
    keystore_dir: str = ""
    home: str = DEFAULT_HOME
    radios: tuple[RadioSpec, ...] = ()
    hub_node: str = ""
    channel: int = 0
    dual_band: str = "auto"
    commission: bool = True
    gsme_wake_interval: float = 1800.0
    ihd_interval: float = 300.0
    gsme_retrieval_timeout: float = 86400.0
    clock_start: float | None = None  #: UTC seconds since 1970 the hub serves from (`--fast`)
    history: float = 2 * 86400.0  #: seconds of the home's life simulated at first start before serving (`--fast`)
    source: str = field(default="defaults", compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.listen_port <= 0xFFFF:
            raise ConfigError("wan.listen", f"port {self.listen_port} is not 0-65535")
        if self.channel != 0 and not 11 <= self.channel <= 26:
            raise ConfigError("han.channel", f"{self.channel} is not a 2.4 GHz channel (11-26) or 0")
        if self.dual_band not in DUAL_BAND:
            raise ConfigError("han.dual_band", f"{self.dual_band!r} is not one of {', '.join(DUAL_BAND)}")
        if not 0 <= self.history < math.inf:
            raise ConfigError("clock.history", f"{self.history} is not a number of seconds >= 0")
        for key in ("gsme_wake_interval", "ihd_interval", "gsme_retrieval_timeout"):
            value = getattr(self, key)
            if not 0 < value < math.inf:
                raise ConfigError(f"hub.{key}", f"{value} is not a positive number of seconds")
        if not self.home and not self.radios:
            raise ConfigError("han.radios", "no home and no radios: the hub would have no HAN")


def parse_listen(text: str, key: str = "wan.listen") -> tuple[str, int]:
    """`HOST:PORT` (IPv6 hosts in brackets) as (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ConfigError(key, f"{text!r} is not HOST:PORT")
    return host.strip("[]"), int(port)


def parse_utc(text: str, key: str) -> float:
    """An ISO 8601 date-time (UTC when it names no zone) as seconds since 1970."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(key, f"{text!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class _Reader:
    """Typed access to the file's tables, each failure naming its key."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data
        self.used: set[str] = set()

    def get(self, table: str, name: str, kind: type | tuple[type, ...], default: Any) -> Any:
        section = self._data.get(table, {})
        if not isinstance(section, Mapping):
            raise ConfigError(table, "must be a table")
        self.used.add(f"{table}.{name}")
        value = section.get(name, default)
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise ConfigError(f"{table}.{name}", f"{value!r} is not a {_names(kind)}")
        if not isinstance(value, kind):
            raise ConfigError(f"{table}.{name}", f"{value!r} is not a {_names(kind)}")
        return value

    def unknown(self) -> list[str]:
        known = {
            key
            for table, section in self._data.items()
            if isinstance(section, Mapping)
            for key in (f"{table}.{name}" for name in section)
        }
        return sorted(known - self.used)


def _names(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(
        {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "list": "list"}.get(
            k.__name__, k.__name__
        )
        for k in kinds
    )


def parse_config(data: Mapping[str, Any], source: str = "config") -> HubConfig:
    """A `HubConfig` from a TOML document's tables; ConfigError names the first bad key (unknown keys too)."""
    read = _Reader(data)
    host, port = parse_listen(read.get("wan", "listen", str, DEFAULT_LISTEN))
    radios = tuple(_radio(entry, index) for index, entry in enumerate(read.get("han", "radios", list, [])))
    start = read.get("clock", "start", str, "")
    config = HubConfig(
        listen_host=host,
        listen_port=port,
        state_file=read.get("state", "file", str, DEFAULT_STATE),
        keystore_dir=read.get("keystore", "dir", str, ""),
        home=read.get("han", "home", str, DEFAULT_HOME),
        radios=radios,
        hub_node=read.get("han", "hub", str, ""),
        channel=read.get("han", "channel", int, 0),
        dual_band=read.get("han", "dual_band", str, "auto"),
        commission=read.get("hub", "commission", bool, True),
        gsme_wake_interval=float(read.get("hub", "gsme_wake_interval", (int, float), 1800.0)),
        ihd_interval=float(read.get("hub", "ihd_interval", (int, float), 300.0)),
        gsme_retrieval_timeout=float(read.get("hub", "gsme_retrieval_timeout", (int, float), 86400.0)),
        clock_start=parse_utc(start, "clock.start") if start else None,
        history=float(read.get("clock", "history", (int, float), 2 * 86400.0)),
        source=source,
    )
    unknown = read.unknown()
    if unknown:
        raise ConfigError(unknown[0], "unknown key")
    return config


def _radio(entry: Any, index: int) -> RadioSpec:
    key = f"han.radios[{index}]"
    if not isinstance(entry, Mapping):
        raise ConfigError(key, "must be a table {band, kind, path}")
    band, kind, path = entry.get("band"), entry.get("kind"), entry.get("path")
    if band not in RADIO_BANDS:
        raise ConfigError(f"{key}.band", f"{band!r} is not one of {', '.join(RADIO_BANDS)}")
    if kind not in RADIO_KINDS:
        raise ConfigError(f"{key}.kind", f"{kind!r} is not one of {', '.join(RADIO_KINDS)}")
    if not isinstance(path, str) or not path:
        raise ConfigError(f"{key}.path", "must be a non-empty string (a device path or pyserial URL)")
    return RadioSpec(band, kind, path)
