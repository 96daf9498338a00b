"""The virtual home `commshub run` serves: the medium, the hub's radios and the emulated GBCS devices by node.

Why here (above firmware: simulations compose a medium, hubs and devices; architecture.md):
the composition root (`firmware.hub.start_hub`) is radio-agnostic and takes radios and device
specs; this module turns a floor plan into them, for `commshub run`, the benchmarks and the tests.

- The hub is the home's hub node (or the one named); its radios carry the CHF's EUI-64 and it
  is Dual Band when some device needs 868 MHz (`tools.sim.scenario.needs_sub_ghz`), or as
  configured; in a Dual Band home the GSME gets an 868 MHz radio too.
- Devices take their RTDS identities by role (gbcs.md 2.2): the ESME `...a0`, GSME `...a1`,
  PPMID `...a4`, HCALCS `...a5` and the CS-only `...a6` device (role `other`). Every one of
  them is on the HAN, so the reference data set's commands find their recipients: a kind the
  home does not place stands beside the hub. A node's `profile` names its device profile.
- Each IHD node is an in-home display (`...b0`, `...b1`, ...: a Type 2 device) that reads the
  meters over ZCL; in a Dual Band home it has an 868 MHz radio too, as the GSME has.
- Roles with no emulated device (a CAD) and further nodes of a kind already placed are left
  out, with the reason in `skipped`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from firmware.devices.han_devices import DeviceSpec
from firmware.hub import CHF_EUI
from hal.radio import Band, Radio
from hal.virtual import FloorPlan, Medium
from tools.sim.scenario import needs_sub_ghz

#: RTDS identities by floor-plan role (gbcs.md 2.2); the role `other` is the CS-only a6 device.
RTDS_DEVICES = {
    "esme": bytes.fromhex("00db1234567890a0"),
    "gsme": bytes.fromhex("00db1234567890a1"),
    "ppmid": bytes.fromhex("00db1234567890a4"),
    "hcalcs": bytes.fromhex("00db1234567890a5"),
    "other": bytes.fromhex("00db1234567890a6"),
}


#: The in-home displays' EUI-64s: `...b0`, `...b1`, ... (no RTDS identity: GBCS addresses no IHD).
IHD_EUI_BASE = 0x00DB1234567890B0


class VirtualHomeError(ValueError):
    """The home cannot be served as asked (no such hub node)."""


@dataclass
class VirtualHome:
    """A placed home on its medium: the hub node, its radios, the device specs, and what was left out."""

    medium: Medium
    hub: str
    radios: list[Radio]
    devices: list[DeviceSpec]
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def dual_band(self) -> bool:
        return len(self.radios) > 1

    def duty_cycle(self) -> float:
        """The hub's 868 MHz airtime over the rolling hour, as a fraction of the hour (the medium's meter)."""
        return self.medium.duty_cycle(self.hub).used(asyncio.get_running_loop().time()) / 3600.0


def build_virtual_home(home: FloorPlan, *, seed: int, hub: str = "", dual_band: str = "auto") -> VirtualHome:
    """Place `home` on a new medium and make the hub's radios and the device specs (module docstring)."""
    medium = Medium(seed=seed)
    placed = medium.add_home(home)
    hubs = [node for node in placed.nodes if node.role == "hub"]
    chosen = next((node for node in hubs if node.name == hub), None) if hub else (hubs[0] if hubs else None)
    if chosen is None:
        known = ", ".join(node.name for node in hubs) or "none"
        raise VirtualHomeError(f"home {home.name!r} has no hub node {hub or ''!r} (hubs: {known})")
    dual = needs_sub_ghz(placed, medium, chosen.name) if dual_band == "auto" else dual_band == "yes"
    bands = (Band.GHZ_2_4, Band.MHZ_868) if dual else (Band.GHZ_2_4,)
    address = int.from_bytes(CHF_EUI, "big")
    radios: list[Radio] = [medium.radio(chosen.name, band, extended_address=address) for band in bands]
    result = VirtualHome(medium, chosen.name, radios, [])
    placed_kinds: set[str] = set()
    for node in placed.nodes:
        if node.hub != chosen.name or node.role == "hub":
            continue
        if node.role == "ihd":
            eui = (IHD_EUI_BASE + sum(spec.kind == "ihd" for spec in result.devices)).to_bytes(8, "big")
            result.devices.append(_spec(medium, node.name, "ihd", node.profile, dual, eui))
            continue
        if node.role not in RTDS_DEVICES:
            result.skipped[node.name] = f"role {node.role!r} has no emulated device"
            continue
        if node.role in placed_kinds:
            result.skipped[node.name] = f"a second {node.role} (the hub has one of each, at its RTDS identity)"
            continue
        placed_kinds.add(node.role)
        result.devices.append(_spec(medium, node.name, node.role, node.profile, dual))
    for kind in RTDS_DEVICES:
        if kind not in placed_kinds:
            name = f"{chosen.name}-{kind}"
            medium.add_node(name, medium.node(chosen.name).position, role=kind, hub=chosen.name)
            result.devices.append(_spec(medium, name, kind, None, dual))
    return result


def _spec(
    medium: Medium, name: str, kind: str, profile: str | None, dual: bool, eui: bytes | None = None
) -> DeviceSpec:
    eui = RTDS_DEVICES[kind] if eui is None else eui
    bands = (Band.GHZ_2_4, Band.MHZ_868) if dual and kind in ("gsme", "ihd") else (Band.GHZ_2_4,)
    address = int.from_bytes(eui, "big")
    radios: list[Radio] = [medium.radio(name, band, extended_address=address) for band in bands]
    return DeviceSpec(name=name, kind=kind, eui=eui, radios=radios, profile=profile)
