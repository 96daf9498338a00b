"""The hub configuration file (`/etc/commshub/hub.toml`): read its keys, write a rig's values in.

The schema (docs/rig.md, "The hub configuration") is the one `commshub run --config` reads:

    [wan]      listen   = "HOST:PORT"                      (default "127.0.0.1:8765")
    [state]    file     = "/var/lib/commshub/hub.sqlite"   the NVM
    [keystore] dir      = ""                               a folder of PEM keys, "" for none
    [han]      home     = "semi-detached"                  "" for none: real radios
               radios   = [{ band = "2.4GHz", kind = "spinel", path = "/dev/serial/by-id/..." }, ...]

The rig tooling needs two of these (where the health check connects, which file is the state
to protect) and writes three (`rig image --listen/--radio/--home`). Writing edits the packaged
file's lines in place rather than re-serialising it, so the comments that explain each key to
whoever opens the file on a rig stay where they are.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_LISTEN = "127.0.0.1:8765"
DEFAULT_STATE = "/var/lib/commshub/hub.sqlite"
BANDS = ("2.4GHz", "868MHz")
RADIO_KINDS = ("spinel",)


class ConfigError(ValueError):
    """A configuration value the hub would not accept (names the key)."""


@dataclass(frozen=True, slots=True)
class Radio:
    band: str
    kind: str
    path: str

    @classmethod
    def parse(cls, text: str) -> Radio:
        """`BAND=KIND:PATH`, e.g. `868MHz=spinel:/dev/serial/by-id/usb-...`."""
        band, sep, rest = text.partition("=")
        kind, sep2, path = rest.partition(":")
        if not (sep and sep2 and path):
            raise ConfigError(f"radio {text!r}: expected BAND=KIND:PATH, e.g. 2.4GHz=spinel:/dev/serial/by-id/...")
        if band not in BANDS:
            raise ConfigError(f"radio {text!r}: band must be one of {', '.join(BANDS)}")
        if kind not in RADIO_KINDS:
            raise ConfigError(f"radio {text!r}: kind must be one of {', '.join(RADIO_KINDS)}")
        return cls(band, kind, path)


@dataclass(frozen=True, slots=True)
class HubSettings:
    listen: str
    state_file: str
    keystore: str
    home: str
    radios: tuple[Radio, ...]

    @property
    def listen_host(self) -> str:
        return split_listen(self.listen)[0]

    @property
    def listen_port(self) -> int:
        return split_listen(self.listen)[1]

    def probe_address(self) -> tuple[str, int]:
        """Where a local health check connects: a wildcard listen address is reached on loopback."""
        host = self.listen_host
        return ("127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host), self.listen_port


def split_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"[wan] listen = {text!r}: expected HOST:PORT")
    return host.strip("[]"), int(port)


def parse_settings(text: str) -> HubSettings:
    """Raises `ConfigError` (malformed TOML or a bad value)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}") from None
    listen = str(_get(document, "wan", "listen", DEFAULT_LISTEN))
    split_listen(listen)
    radios = tuple(_radio(item) for item in _get(document, "han", "radios", []))
    return HubSettings(
        listen=listen,
        state_file=str(_get(document, "state", "file", DEFAULT_STATE)),
        keystore=str(_get(document, "keystore", "dir", "")),
        home=str(_get(document, "han", "home", "")),
        radios=radios,
    )


def read_settings(path: Path) -> HubSettings:
    return parse_settings(path.read_text(encoding="utf-8"))


def _get(document: dict[str, Any], table: str, key: str, default: Any) -> Any:
    section = document.get(table, {})
    if not isinstance(section, dict):
        raise ConfigError(f"[{table}] must be a table")
    return section.get(key, default)


def _radio(item: Any) -> Radio:
    if not isinstance(item, dict) or not {"band", "kind", "path"} <= item.keys():
        raise ConfigError(f"[han] radios: each radio is {{ band, kind, path }}, got {item!r}")
    return Radio.parse(f"{item['band']}={item['kind']}:{item['path']}")


def render(
    template: str,
    *,
    listen: str | None = None,
    state_file: str | None = None,
    home: str | None = None,
    radios: tuple[Radio, ...] | None = None,
) -> str:
    """`template` with the given keys set (each `key = ...` line of its table replaced); re-validated."""
    edits: dict[tuple[str, str], str] = {}
    if listen is not None:
        split_listen(listen)
        edits[("wan", "listen")] = _toml_string(listen)
    if state_file is not None:
        edits[("state", "file")] = _toml_string(state_file)
    if home is not None:
        edits[("han", "home")] = _toml_string(home)
    if radios is not None:
        items = ", ".join(
            f"{{ band = {_toml_string(r.band)}, kind = {_toml_string(r.kind)}, path = {_toml_string(r.path)} }}"
            for r in radios
        )
        edits[("han", "radios")] = f"[{items}]"
    lines, table, done = [], "", set()
    for line in template.splitlines(keepends=True):
        header = re.match(r"\s*\[([A-Za-z0-9_.-]+)\]\s*$", line)
        if header:
            table = header[1]
        assignment = re.match(r"(\s*)([A-Za-z0-9_-]+)\s*=", line)
        if assignment and (table, assignment[2]) in edits:
            key = (table, assignment[2])
            line = f"{assignment[1]}{key[1]} = {edits[key]}\n"
            done.add(key)
        lines.append(line)
    missing = set(edits) - done
    if missing:
        raise ConfigError(f"the template has no line for {sorted(missing)}")
    text = "".join(lines)
    parse_settings(text)
    return text


def _toml_string(value: str) -> str:
    """A TOML basic string: JSON's escaping is a subset TOML accepts for these values."""
    return json.dumps(value)
