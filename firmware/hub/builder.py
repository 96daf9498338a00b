"""The composition root: a hub - HAN, CHF, GPF, WAN outbox, and its home's emulated devices - from a `HubConfig`.

Why one builder (style.md "Firmware composition"): `commshub run`, `commshub demo`, the
benchmarks and the end-to-end tests all need the same assembly, handed real or virtual parts:
radios, one `NvmStore`, a WAN link factory (`hal.wan.WanServer` or `WanPipe`), a key store or
none, and the UTC clock of the running loop. Nothing here reads a file or the environment.

`start_hub` builds and starts everything; on the same NVM it is also the restart (`resume`):

1. key material (`keys.HubKeys`): the key store given, or the test PKI kept in NVM;
2. the GPF and the CHF on their partitions, the HAN settings (drawn once, kept in NVM: a
   restarted hub forms the same network, with frame counters from NVM);
3. the HAN (`HubHan`, zigpy on our stack), the adapter (`runtime.HubRuntime`), the WAN link
   and its durable outbox (listening once `open_wan()` is called); the CHF's `resume()` orders run;
4. the emulated devices (`firmware.devices.han_devices`), each on its own partition
   (`device/<eui>`); at first start, unless `commission` is off, each enters the CHF device
   log (and the GPF's, for PPMIDs and Type 2 devices) with its install code and gets a join
   window, as if the DCC had sent CCS01 for it; they join (or rejoin) and the hub opens
   their tunnels;
5. `ready()` waits until every device in the device log has joined (bounded), then the hub
   is "ready": the CHF is busy only while it waits for the HAN.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from firmware.chf import Chf, ChfConfig
from firmware.chf.device_log import DeviceEntry
from firmware.devices.han_devices import DEVICE_TYPES, DeviceKeys, DeviceSpec, build_device
from firmware.devices.han_node import HanNode
from firmware.gpf import Gpf
from firmware.gpf.device_log import GPF_DEVICE_TYPES, GpfDevice
from firmware.han.node_state import NvmCounters
from hal.radio import Channel, Radio
from hal.wan import WanLink, WanOutbox
from hal.wan.link import ConnectionHandler, MessageHandler
from protocols.gbcs.keystore import KeyStore

from . import journal
from .config import HubConfig
from .han import HanSettings, HubHan
from .keys import CHF_PARTIES, PARTIES, HubKeys
from .runtime import HubRuntime

if TYPE_CHECKING:
    from hal.nvm import Nvm, NvmStore

LOGGER = logging.getLogger(__name__)
#: The RTDS identities of the hub's two GBCS endpoints (gbcs.md 2.2).
CHF_EUI = bytes.fromhex("00db1234567890a2")
GPF_EUI = bytes.fromhex("00db1234567890a3")
#: 2.4 GHz channels a hub takes when the configuration names none (ZigBee's usual non-Wi-Fi ones).
DEFAULT_CHANNEL = 20
#: Simulated seconds `ready()` waits for the home's devices to join.
JOIN_WAIT = 600.0
_SETTINGS = "han.settings"
_COMMISSIONED = "hub.commissioned"


class WanFactory(Protocol):
    """Makes the WAN link, given the hub's callbacks (`functools.partial(WanServer, host, port)`, `WanPipe`)."""

    def __call__(self, *, on_message: MessageHandler, on_connect: ConnectionHandler | None = None) -> WanLink: ...


@dataclass
class Hub:
    """A running hub and its home's devices."""

    config: HubConfig
    keys: HubKeys
    chf: Chf
    gpf: Gpf
    han: HubHan
    runtime: HubRuntime
    wan: WanLink
    outbox: WanOutbox
    store: NvmStore
    devices: list[HanNode] = field(default_factory=list)
    first_start: bool = False  #: this NVM held no hub before

    def device(self, eui: bytes) -> HanNode:
        for node in self.devices:
            if node.eui == eui:
                return node
        raise KeyError(eui.hex())

    async def ready(self, timeout: float = JOIN_WAIT) -> bool:
        """Wait (bounded) until every device of the home in the CHF device log has joined, its tunnel is up
        and the GSME has pushed its mirror once; then the hub is busy only while the CHF waits for the HAN.
        Whether every device made it."""
        loop = asyncio.get_running_loop()
        until = loop.time() + timeout
        while not self._all_joined() and loop.time() < until:
            await asyncio.sleep(1.0)
        joined = self._all_joined()
        self.runtime.started()
        missing = [entry.eui.hex() for entry in self.chf.device_log.entries() if not entry.joined]
        journal.event(
            "hub ready: %d devices joined%s",
            len(self.chf.device_log.entries()) - len(missing),
            f", not joined: {', '.join(missing)}" if missing else "",
        )
        return joined

    async def open_wan(self) -> None:
        """Start accepting head-ends (raises `hal.wan.WanListenError`)."""
        await self.wan.start()

    def _all_joined(self) -> bool:
        """Every device of the home in the device log has joined, and talks GBCS with the hub."""
        logged = {entry.eui: entry for entry in self.chf.device_log.entries()}
        own = [node for node in self.devices if node.eui in logged]
        return all(logged[node.eui].joined and node.attached.is_set() for node in own)

    def export_keys(self, writer: Callable[[str, bytes], None]) -> list[str]:
        """A head-end's key store folder for this hub (`keys.HubKeys.export`)."""
        credentials = [self.chf.endpoint.credentials, self.gpf.endpoint.credentials]
        credentials += [node.endpoint.credentials for node in self.devices if node.endpoint is not None]
        return self.keys.export(writer, credentials)

    async def close(self) -> None:
        """Stop the devices, the adapter, the WAN and the HAN (NVM keeps what matters)."""
        for node in self.devices:
            await node.close()
        await self.runtime.close()
        await self.wan.close()
        await self.han.shutdown()


async def start_hub(
    config: HubConfig,
    *,
    radios: Sequence[Radio],
    store: NvmStore,
    wan: WanFactory,
    keystore: KeyStore | None,
    utc: Callable[[], float],
    rng: random.Random,
    devices: Sequence[DeviceSpec] = (),
    duty_cycle: Callable[[], float] | None = None,
) -> Hub:
    """Build and start a hub (see the module docstring); on an NVM that already holds one, resume it."""
    keys = HubKeys.given(keystore) if keystore is not None else HubKeys.generated(store.partition("pki"))
    gpf = Gpf(
        eui=GPF_EUI, nvm=store.partition("gpf"), keystore=keys.keystore, parties=PARTIES, authority=keys.authority
    )
    chf = Chf(
        eui=CHF_EUI,
        nvm=store.partition("chf"),
        keystore=keys.keystore,
        parties=CHF_PARTIES,
        config=ChfConfig(gsme_retrieval_timeout=config.gsme_retrieval_timeout),
        gpf=gpf,
        authority=keys.authority,
    )
    hub_nvm = store.partition("hub")
    settings = _settings(hub_nvm, config, rng, chf.sub_ghz_channel if len(radios) > 1 else None)
    han = await HubHan.start(radios, settings, store=NvmCounters(hub_nvm))
    runtime = HubRuntime(chf=chf, gpf=gpf, han=han, store=store, utc=utc, duty_cycle=duty_cycle)
    link = wan(on_message=runtime.wan_message, on_connect=runtime.wan_connected)
    outbox = WanOutbox(link, store.partition("wan"))
    runtime.attach_wan(link, outbox)
    runtime.start()
    hub = Hub(config, keys, chf, gpf, han, runtime, link, outbox, store)
    device_keys = DeviceKeys(keys.keystore, PARTIES, keys.authority)
    for spec in devices:
        nvm = store.partition(f"device/{spec.eui.hex()}")
        hub.devices.append(
            build_device(
                spec,
                nvm,
                device_keys,
                utc=utc,
                rng=rng,
                gsme_wake_interval=config.gsme_wake_interval,
                ihd_interval=config.ihd_interval,
            )
        )
    hub.first_start = not hub_nvm.get(_COMMISSIONED)
    if hub.first_start:
        if config.commission:
            _commission(hub, devices, utc())
        hub_nvm.put(_COMMISSIONED, True)
    for node in hub.devices:
        node.start()
    return hub


def _settings(nvm: Nvm, config: HubConfig, rng: random.Random, sub_ghz: Channel | None) -> HanSettings:
    """The network the hub forms: drawn at first start and kept (the same network after every restart)."""
    kept = nvm.get(_SETTINGS)
    if kept is not None:
        channel = Channel(*kept["sub_ghz"]) if kept["sub_ghz"] is not None else None
        return HanSettings(kept["channel"], kept["pan_id"], kept["extended_pan_id"], kept["network_key"], channel)
    settings = HanSettings.random(rng, channel=config.channel or DEFAULT_CHANNEL, sub_ghz_channel=sub_ghz)
    nvm.put(
        _SETTINGS,
        {
            "channel": settings.channel,
            "pan_id": settings.pan_id,
            "extended_pan_id": settings.extended_pan_id,
            "network_key": settings.network_key,
            "sub_ghz": None if sub_ghz is None else [sub_ghz.page, sub_ghz.number],
        },
    )
    return settings


def _commission(hub: Hub, devices: Sequence[DeviceSpec], utc: float) -> None:
    """First start: the home's devices in the device logs with join windows, as if CCS01 had been sent for each."""
    chf = hub.chf
    for spec, node in zip(devices, hub.devices, strict=True):
        code = node.device.install_code[:16]  # the device's label: the code, without the CRC the device appends
        device_type = DEVICE_TYPES[spec.kind]
        if chf.device_log.entry(spec.eui) is None:
            chf.device_log.put(DeviceEntry(spec.eui, code, device_type))
        if device_type in GPF_DEVICE_TYPES:
            hub.gpf.device_log.add(GpfDevice(spec.eui, device_type, code))
        journal.event("commissioned %s %s (%s) in the device log", spec.kind.upper(), spec.eui.hex(), spec.name)
    hub.runtime.execute(chf.commissioning.open_windows(utc, force=True))
