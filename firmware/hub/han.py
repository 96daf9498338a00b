"""The hub's HAN: zigpy's ControllerApplication on our stack over the radios it is given, and admission.

Why: the hub's HAN code is written once against zigpy (architecture.md); this
module is the one place that turns "these radios, this network" into a
running zigpy controller (`firmware.zigbee.application`), and that admits a
device the way a GB hub does: by the link key derived from its install code
(radio.md 5.7), then waiting until zigpy has interviewed it.

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
from collections.abc import Sequence
from dataclasses import dataclass

import zigpy.config as conf
import zigpy.device
import zigpy.exceptions
import zigpy.types as zt
import zigpy.util

from firmware.zigbee import ZigbeeStack
from firmware.zigbee.application import ControllerApplication, eui64
from hal.radio import Channel, Radio

LOGGER = logging.getLogger(__name__)

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
    async def start(cls, radios: Sequence[Radio], settings: HanSettings) -> HubHan:
        """Form (or restore) the HAN on `radios` (2.4 GHz first; a second, 868 MHz radio makes it Dual Band)."""
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

    async def shutdown(self) -> None:
        await self.app.shutdown()
