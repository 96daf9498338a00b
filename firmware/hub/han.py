"""The hub's HAN: zigpy's ControllerApplication on our stack over the radios it is given, and admission.

Why: the hub's HAN code is written once against zigpy (architecture.md); this
module is the one place that turns "these radios, this network" into a
running zigpy controller (`firmware.zigbee.application`), and that admits a
device the way a GB hub does: by the link key derived from its install code
(radio.md 5.7), then waiting until zigpy has interviewed it.

The hub's own Smart Energy services (tunnels, the ESI, the gas mirror: `esi`, `runtime`) are
served beside zigpy, not through it: `serve(handler)` hands each indication of our stack to
`handler` first, and only what it does not take goes on to zigpy (ZDO, interviews, zigpy's
own requests). zigpy would otherwise answer frames to the hub's SE endpoints itself (a
Default Response, or its Time cluster's wall-clock time). Frames go out through zigpy's
`send_packet` (`send`), the radio-library boundary. On a zigpy NCP dongle the same seam
would sit at zigpy's `packet_received`.

Admission never raises for a device's sake: if the Mgmt_Permit_Joining
broadcast that opens the network cannot be sent (a jammed channel, say),
joining is still opened at the hub itself - the device can still join
through it - and the failure is logged; whether the device then joins is for
the caller to see and report.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import zigpy.config as conf
import zigpy.device
import zigpy.exceptions
import zigpy.types as zt
import zigpy.util

from firmware.zigbee import ZigbeeStack
from firmware.zigbee.application import ControllerApplication, eui64
from firmware.zigbee.aps import ApsIndication
from firmware.zigbee.counters import CounterStore
from hal.radio import Channel, Radio
from protocols.zigbee import PROFILE_SMART_ENERGY

LOGGER = logging.getLogger(__name__)

#: The longest Mgmt_Permit_Joining a ZigBee broadcast can ask for, in seconds (0xFF means "for ever").
MAX_PERMIT = 254
#: The PAN IDs a hub draws from, as `range` bounds: 0x0001-0xFFF6, short of the broadcast 0xFFFF (radio.md 2.2).
PAN_ID_RANGE = (0x0001, 0xFFF7)


@dataclass(frozen=True, slots=True)
class HanSettings:
    """The network a hub forms: 2.4 GHz channel, PAN ID, extended PAN ID, network key, 868 MHz channel."""

    channel: int
    pan_id: int
    extended_pan_id: bytes  #: 8 octets, most significant first (as zigpy writes it)
    network_key: bytes  #: 16 octets
    sub_ghz_channel: Channel | None = None  #: the channel of the 868 MHz radio, when there is one

    @classmethod
    def random(cls, rng: random.Random, *, channel: int, sub_ghz_channel: Channel | None = None) -> HanSettings:
        """Fresh settings on `channel`, drawn from `rng` (PAN ID, extended PAN ID, network key, in that order)."""
        pan_id = rng.randrange(*PAN_ID_RANGE)
        extended_pan_id = rng.randbytes(8)
        return cls(channel, pan_id, extended_pan_id, rng.randbytes(16), sub_ghz_channel)


class _Interviews:
    """zigpy listener: one future per EUI-64, resolved when zigpy has interviewed that device."""

    def __init__(self) -> None:
        self.waiting: dict[zt.EUI64, asyncio.Future[zigpy.device.Device]] = {}

    def expect(self, ieee: zt.EUI64) -> asyncio.Future[zigpy.device.Device]:
        return self.waiting.setdefault(ieee, asyncio.get_running_loop().create_future())

    def device_initialized(self, device: zigpy.device.Device) -> None:
        future = self.waiting.get(device.ieee)
        if future is not None and not future.done():
            future.set_result(device)


class HubHan:
    """A running hub HAN: zigpy's controller on our stack, and the devices it has admitted."""

    def __init__(self, app: ControllerApplication) -> None:
        self.app = app
        self._interviews = _Interviews()
        app.add_listener(self._interviews)

    @classmethod
    async def start(
        cls, radios: Sequence[Radio], settings: HanSettings, *, store: CounterStore | None = None
    ) -> HubHan:
        """Form (or restore) the HAN on `radios` (2.4 GHz first; a second, 868 MHz radio makes it Dual Band).

        `store` keeps the stack's outgoing frame counters (a dict by default; `hal.nvm` for a hub that
        restarts: a counter must never go back)."""
        config = {
            conf.CONF_DEVICE: {conf.CONF_DEVICE_PATH: "commshub:virtual"},
            conf.CONF_NWK: {
                conf.CONF_NWK_CHANNEL: settings.channel,
                conf.CONF_NWK_PAN_ID: settings.pan_id,
                conf.CONF_NWK_EXTENDED_PAN_ID: ":".join(f"{b:02x}" for b in settings.extended_pan_id),
                conf.CONF_NWK_KEY: list(settings.network_key),
            },
            conf.CONF_TOPO_SCAN_ENABLED: False,
            "commshub": {
                "radios": list(radios),
                "sub_ghz_channels": None if settings.sub_ghz_channel is None else [settings.sub_ghz_channel],
                "store": store,
            },
        }
        app = await ControllerApplication.new(config, auto_form=True)
        assert isinstance(app, ControllerApplication)
        return cls(app)

    @property
    def stack(self) -> ZigbeeStack:
        """Our stack under zigpy."""
        return self.app.stack

    async def admit(self, ieee: int, install_code: bytes, *, time_s: int) -> asyncio.Future[zigpy.device.Device]:
        """Let device `ieee` join with the link key of `install_code` for `time_s` seconds.

        Returns a future that resolves to the zigpy device once zigpy has
        interviewed it. Raises nothing on a failed permit broadcast (see the
        module docstring); `ValueError` from zigpy for a malformed install code.
        """
        zigpy_ieee = eui64(ieee)
        interviewed = self._interviews.expect(zigpy_ieee)
        link_key = zigpy.util.convert_install_code(install_code)
        try:
            await self.app.permit_with_link_key(zigpy_ieee, link_key, time_s=time_s)
        except zigpy.exceptions.DeliveryError as error:
            LOGGER.warning("permit-joining broadcast for %s not sent (%s); joining opened at the hub only", ieee, error)
            await self.app.permit_ncp(time_s)
        return interviewed

    def serve(self, handler: Callable[[ApsIndication], bool]) -> None:
        """Hand each indication to `handler` first; what it does not take (returns False) goes on to zigpy."""
        stack = self.stack
        zigpy_side = stack.on_message

        def indication(ind: ApsIndication) -> None:
            if not handler(ind) and zigpy_side is not None:
                zigpy_side(ind)

        stack.on_message = indication

    async def send(
        self,
        nwk: int,
        *,
        cluster: int,
        src_endpoint: int,
        dst_endpoint: int,
        payload: bytes,
        profile: int = PROFILE_SMART_ENERGY,
        broadcast: bool = False,
    ) -> None:
        """One frame through zigpy's radio boundary; raises zigpy's `DeliveryError` when it cannot be delivered."""
        if broadcast:
            destination = zt.AddrModeAddress(addr_mode=zt.AddrMode.Broadcast, address=zt.BroadcastAddress(nwk))
        else:
            destination = zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=zt.NWK(nwk))
        await self.app.send_packet(
            zt.ZigbeePacket(
                src=zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=zt.NWK(0x0000)),
                src_ep=zt.uint8_t(src_endpoint),
                dst=destination,
                dst_ep=zt.uint8_t(dst_endpoint),
                profile_id=zt.uint16_t(profile),
                cluster_id=zt.uint16_t(cluster),
                data=zt.SerializableBytes(payload),
                tx_options=zt.TransmitOptions.NONE if broadcast else zt.TransmitOptions.ACK,
            )
        )

    def nwk_of(self, ieee: int) -> int | None:
        """The NWK address of device `ieee` as zigpy knows it, or None."""
        device = self.app.devices.get(eui64(ieee))
        return None if device is None else int(device.nwk)

    def ieee_of(self, nwk: int) -> int | None:
        """The EUI-64 of the device at NWK address `nwk`, or None."""
        for device in self.app.devices.values():
            if int(device.nwk) == nwk:
                return int.from_bytes(bytes(device.ieee), "little")
        return None

    def allow(self, ieee: int, link_key: bytes) -> None:
        """Let `ieee` (re)join with `link_key` whenever it asks: the trust centre's key table (a device in the CHF
        device log keeps its right to rejoin across a hub restart)."""
        self.stack.link_keys[ieee] = link_key

    async def permit(self, ieee: int, link_key: bytes, seconds: int) -> None:
        """Admit `ieee` with `link_key` and open joining for `seconds`; raises nothing (see the module docstring).

        ZigBee's Mgmt_Permit_Joining carries at most 254 s: routers open that long; the hub itself stays
        open for the whole window."""
        try:
            await self.app.permit_with_link_key(eui64(ieee), zt.KeyData(link_key), time_s=min(seconds, MAX_PERMIT))
        except zigpy.exceptions.DeliveryError as error:
            LOGGER.warning(
                "permit-joining broadcast for %016x not sent (%s); joining opened at the hub only", ieee, error
            )
            self.allow(ieee, link_key)
        self.stack.permit_joining(seconds)

    async def remove(self, ieee: int) -> bool:
        """Ask `ieee` to leave and forget it (the trust centre's removal); False when it was not on the network."""
        self.stack.link_keys.pop(ieee, None)
        return await self.stack.remove_device(ieee)

    async def shutdown(self) -> None:
        await self.app.shutdown()
