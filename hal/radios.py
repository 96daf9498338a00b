"""Radios by name: `--radio ezsp:/dev/ttyUSB0?baudrate=115200&flow_control=hardware` and its kin.

Why a registry (style.md "Plug-ins by name"): `commshub home`, `commshub run`
and `commshub sniff` take a radio on the command line, and the hub's
composition root must build it without knowing every kind. Two kinds exist
(architecture.md, hal/):

* raw 802.15.4 radios, where our own stack runs the MAC: `virtual` (the
  simulated air) and `spinel` (an OpenThread RCP on a serial port). Their
  factory opens a `hal.radio.Radio`.
* NCP dongles, where the dongle's firmware runs the network and zigpy's
  radio library drives it: `ezsp` (bellows: Silicon Labs EFR32), `znp`
  (zigpy-znp: TI CC2652), `deconz` (zigpy-deconz: ConBee/RaspBee), `xbee`,
  `zigate` - the names zigpy-cli uses. Their factory gives the zigpy
  `ControllerApplication` class and the zigpy device configuration.
* sniffer firmwares (`nrf`, `ti`), receive only: `commshub sniff` drives them.

Spelling: `NAME[:PATH][?KEY=VALUE&...]`, e.g. `spinel:/dev/ttyACM0?baudrate=460800`,
`znp:/dev/serial/by-id/usb-ITead_Sonoff_Zigbee_3.0_USB_Dongle_Plus-if00-port0`,
`ezsp:socket://192.168.1.20:6638`. Settings are zigpy's device keys
(`baudrate`, `flow_control` = hardware|software|none); anything else is an
error naming the allowed keys. PATH may itself contain ':' (pyserial URLs).

Smart Energy: zigpy parses ZCL only under the HA and ZLL profiles (radio.md
5.8), so the NCP classes handed out here hand zigpy Smart Energy packets
relabelled as HA (`SmartEnergyAware`), exactly as our own radio library
does; on air the frames stay 0x0109. The radio library itself is unmodified.
"""

from __future__ import annotations

import importlib
import importlib.util
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .radio import Radio

#: zigpy profile ids (radio.md 5.8).
PROFILE_HOME_AUTOMATION = 0x0104
PROFILE_SMART_ENERGY = 0x0109
#: zigpy device settings a radio spec may carry.
DEVICE_SETTINGS = ("baudrate", "flow_control")
FLOW_CONTROL = ("hardware", "software", "none")


class RadioSpecError(ValueError):
    """A `--radio` value that names no known radio or carries bad settings (one line, for the CLI)."""


@dataclass(frozen=True, slots=True)
class RadioSpec:
    """A parsed `--radio` value."""

    name: str
    path: str | None = None
    settings: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        query = "&".join(f"{key}={value}" for key, value in self.settings.items())
        return self.name + (f":{self.path}" if self.path else "") + (f"?{query}" if query else "")

    @property
    def baudrate(self) -> int | None:
        value = self.settings.get("baudrate")
        return None if value is None else int(value)


RawFactory = Callable[[RadioSpec], Awaitable[Radio]]


@dataclass(frozen=True, slots=True)
class RadioKind:
    """One registry entry: a raw radio (`open_raw`), an NCP radio library (`module`), or neither (`virtual`)."""

    name: str
    description: str
    open_raw: RawFactory | None = None  #: raw radios: opens the `hal.radio.Radio`
    module: str | None = None  #: NCP dongles: the zigpy radio library's package
    pypi: str | None = None  #: what to `pip install` for it
    needs_path: bool = True
    sniffer: bool = False  #: a receive-only sniffer firmware (radio.md 6.5)

    @property
    def ncp(self) -> bool:
        return self.module is not None


_REGISTRY: dict[str, RadioKind] = {}


def register_radio(kind: RadioKind) -> None:
    """Add (or replace) a radio kind under `kind.name`."""
    _REGISTRY[kind.name] = kind


def radio_kinds() -> dict[str, RadioKind]:
    """Every registered kind, by name."""
    return dict(_REGISTRY)


def parse_radio_spec(text: str) -> RadioSpec:
    """`NAME[:PATH][?KEY=VALUE&...]` -> RadioSpec; RadioSpecError naming what is wrong."""
    head, _, query = text.partition("?")
    name, _, path = head.partition(":")
    kind = _REGISTRY.get(name)
    if kind is None:
        raise RadioSpecError(f"unknown radio {name!r} (known: {', '.join(sorted(_REGISTRY))})")
    if kind.needs_path and not path:
        raise RadioSpecError(f"radio {name!r} needs a path, e.g. {name}:/dev/ttyUSB0")
    settings: dict[str, str] = {}
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=False):
        if key not in DEVICE_SETTINGS:
            raise RadioSpecError(f"radio setting {key!r} is not one of {', '.join(DEVICE_SETTINGS)}")
        settings[key] = value
    if "baudrate" in settings and not settings["baudrate"].isdigit():
        raise RadioSpecError(f"baudrate {settings['baudrate']!r} is not a number")
    if settings.get("flow_control", "none") not in FLOW_CONTROL:
        raise RadioSpecError(f"flow_control must be one of {', '.join(FLOW_CONTROL)}")
    return RadioSpec(name, path or None, settings)


def kind_of(spec: RadioSpec) -> RadioKind:
    return _REGISTRY[spec.name]


async def open_raw_radio(spec: RadioSpec) -> Radio:
    """Open the raw radio `spec` names; RadioSpecError if it names an NCP dongle."""
    kind = kind_of(spec)
    if kind.open_raw is None:
        what = "an NCP dongle (zigpy runs it)" if kind.ncp else "built by the simulation that owns the air"
        raise RadioSpecError(f"{spec.name} is {what}, not a raw 802.15.4 radio to open")
    return await kind.open_raw(spec)


def zigpy_device_config(spec: RadioSpec) -> dict[str, Any]:
    """zigpy's `device` configuration for `spec` (path, baudrate, flow_control)."""
    device: dict[str, Any] = {"path": spec.path}
    if spec.baudrate is not None:
        device["baudrate"] = spec.baudrate
    if "flow_control" in spec.settings:
        flow = spec.settings["flow_control"]
        device["flow_control"] = None if flow == "none" else flow
    return device


def application_class(spec: RadioSpec) -> type[Any]:
    """The zigpy ControllerApplication of the NCP radio library `spec` names, Smart Energy aware.

    Raises RadioSpecError when the library is not installed (naming the package to install)."""
    kind = kind_of(spec)
    if kind.module is None:
        raise RadioSpecError(f"{spec.name} is driven by our own stack, not by a zigpy radio library")
    module_name = f"{kind.module}.zigbee.application"
    if importlib.util.find_spec(kind.module) is None:
        raise RadioSpecError(f"radio library for {spec.name!r} is not installed: pip install {kind.pypi}")
    library = importlib.import_module(module_name).ControllerApplication
    return smart_energy_aware(library)


def smart_energy_aware(library: type[Any]) -> type[Any]:
    """`library` with Smart Energy packets handed to zigpy as HA ones (see the module docstring)."""
    import zigpy.types as zt

    def packet_received(self: Any, packet: zt.ZigbeePacket) -> None:
        if packet.profile_id == PROFILE_SMART_ENERGY:
            packet = packet.replace(profile_id=zt.uint16_t(PROFILE_HOME_AUTOMATION))
        library.packet_received(self, packet)

    return type(f"SmartEnergyAware{library.__name__}", (library,), {"packet_received": packet_received})


async def _open_spinel(spec: RadioSpec) -> Radio:
    from .serial import SpinelRadio

    assert spec.path is not None
    return await SpinelRadio.open(spec.path, baudrate=spec.baudrate or 460800)


for _kind in (
    RadioKind("virtual", "the simulated air (hal.virtual), built by the simulation that owns it", needs_path=False),
    RadioKind("spinel", "OpenThread RCP (Spinel over HDLC-lite), our stack on it", open_raw=_open_spinel),
    RadioKind("nrf", "nRF Sniffer for 802.15.4 firmware (nRF52840), receive only", sniffer=True),
    RadioKind("ti", "TI SmartRF Packet Sniffer 2 firmware (CC1352: 2.4 GHz and 868 MHz), receive only", sniffer=True),
    RadioKind("ezsp", "Silicon Labs EZSP NCP (EFR32, ZBDongle-E) via bellows", module="bellows", pypi="bellows"),
    RadioKind("znp", "TI Z-Stack ZNP (CC2652, ZBDongle-P) via zigpy-znp", module="zigpy_znp", pypi="zigpy-znp"),
    RadioKind(
        "deconz", "dresden elektronik ConBee/RaspBee via zigpy-deconz", module="zigpy_deconz", pypi="zigpy-deconz"
    ),
    RadioKind("xbee", "Digi XBee via zigpy-xbee", module="zigpy_xbee", pypi="zigpy-xbee"),
    RadioKind("zigate", "ZiGate via zigpy-zigate", module="zigpy_zigate", pypi="zigpy-zigate"),
):
    register_radio(_kind)
