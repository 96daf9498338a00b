"""The home's emulated meters on a virtual dongle's air, trying to join whatever network it runs.

Why: a virtual dongle (`commshub dongle --home ...`) stands for a USB stick in
a house full of meters. Its host - bellows, our own hub on the Spinel RCP,
zigpy-cli - forms a network and admits devices by install code; the meters
must be there, waiting, as real ones are after installation: each retries
joining every `retry_s` seconds until it gets in, then answers ZDO and ZCL.

Identities are a pure function of the node's name and the seed
(`device_identity`): the EUI-64 is the virtual radio's own
(`hal.virtual.radio.default_extended_address`), the install code comes from
a seeded RNG. So a hub given the same home file and seed (`commshub home
--radio ezsp:PTY --home ... --seed ...`) admits exactly these devices, and a
bench engineer can read them off the dongle's start-up lines.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from firmware.devices import EmulatedDevice, electricity_meter, gas_meter, in_home_display
from firmware.hub import HanSettings, HubHan
from firmware.zigbee import JoinError
from firmware.zigbee.tasks import TaskSet
from hal.radio import Band, Channel, Radio
from hal.virtual import FloorPlan, Medium, NodeSpec
from hal.virtual.radio import default_extended_address
from protocols.zigbee import install_code_crc

LOGGER = logging.getLogger(__name__)
#: Node roles with an emulated device.
EMULATED_ROLES = ("esme", "gsme", "ihd")


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """Who a home's device is on the HAN: node name, role, EUI-64 and install code (with its CRC)."""

    node: str
    role: str
    eui64: int
    install_code: bytes


def device_identity(node: NodeSpec, seed: int) -> DeviceIdentity:
    """The identity of `node` in a run seeded with `seed` (see the module docstring)."""
    code = random.Random(f"{seed}/{node.name}/install-code").randbytes(16)
    eui64 = default_extended_address(node.name, Band.GHZ_2_4)
    return DeviceIdentity(node.name, node.role, eui64, code + install_code_crc(code))


def home_identities(home: FloorPlan, hub: str, seed: int) -> list[DeviceIdentity]:
    """The identities of the emulated devices of `hub` in `home`, routers (ESMEs) first."""
    nodes = [n for n in home.nodes if n.hub == hub and n.role in EMULATED_ROLES]
    nodes.sort(key=lambda n: (EMULATED_ROLES.index(n.role), n.name))
    return [device_identity(n, seed) for n in nodes]


class HomeDevices:
    """The emulated devices of one hub's home on `medium`, each joining until it is in."""

    def __init__(
        self,
        medium: Medium,
        identities: Sequence[DeviceIdentity],
        *,
        channels: Iterable[int] | None = None,
        retry_s: float = 10.0,
        reading_seed: int = 0,
    ) -> None:
        self.identities = list(identities)
        self._channels = None if channels is None else [Channel(0, c) for c in channels]
        self._retry_s = retry_s
        rng = random.Random(reading_seed)
        self.devices: dict[str, EmulatedDevice] = {}
        for identity in self.identities:
            radios: list[Radio] = [medium.radio(identity.node, Band.GHZ_2_4)]
            if identity.role == "esme":
                device = electricity_meter(radios, identity.install_code, reading=rng.randrange(1_000, 100_000_000))
            elif identity.role == "gsme":
                device = gas_meter(radios, identity.install_code, reading=rng.randrange(1_000, 10_000_000))
            else:
                device = in_home_display(radios, identity.install_code)
            self.devices[identity.node] = device
        self._tasks = TaskSet()

    def start(self) -> None:
        """Every device starts trying to join (on the running loop)."""
        for node, device in self.devices.items():
            self._tasks.spawn(self._keep_joining(node, device))

    async def _keep_joining(self, node: str, device: EmulatedDevice) -> None:
        channels = None if self._channels is None else [self._channels]
        while not device.joined:
            try:
                await device.join(channels=channels)
            except JoinError as error:
                LOGGER.debug("%s not in yet (%s); trying again in %.0f s", node, error, self._retry_s)
                await asyncio.sleep(self._retry_s)
            else:
                LOGGER.info("%s joined as 0x%04x", node, device.nwk)

    @property
    def joined(self) -> list[str]:
        return [node for node, device in self.devices.items() if device.joined]

    async def close(self) -> None:
        self._tasks.cancel()
        for device in self.devices.values():
            await device.close()


async def start_our_hub(
    medium: Medium, hub: str, identities: Sequence[DeviceIdentity], *, channel: int, seed: int
) -> tuple[HubHan, HanSettings]:
    """The hub on our own stack at node `hub`, admitting `identities` for 254 s: a home with traffic."""
    settings = HanSettings.random(random.Random(seed), channel=channel)
    han = await HubHan.start([medium.radio(hub, Band.GHZ_2_4)], settings)
    for identity in identities:
        await han.admit(identity.eui64, identity.install_code, time_s=254)
    return han, settings
