"""The manufacturing library of the virtual NCP: the stick as a raw sniffer and injector (UG100 "Mfglib").

Why: hosts use mfglib to capture raw 802.15.4 frames (bellows implements
zigpy's `packet_capture` with it; radio.md 6.1 "Raw radio via NCP") and to
send raw frames for tests. As on EmberZNet it runs only while no network
does: `mfglibStart` takes the radio (promiscuous, on the mfglib channel),
every frame heard becomes an `mfglibRxHandler(linkQuality, rssi, packet)`
callback - the PSDU with its two trailing octets, which the real firmware
overwrites with radio status and so hosts drop - and `mfglibEnd` gives the
radio back. `mfglibSendPacket` takes a PSDU whose last two octets are
placeholders for the FCS, and sends it at once (no CSMA, no ACK wait).
"""

from __future__ import annotations

from typing import Any

from hal.radio import Channel, RadioError, ReceivedFrame, TxMode, channel_exists
from protocols.ieee802154.fcs import append_fcs
from protocols.serial.ezsp_commands import EmberStatus

from .ezsp_core import NcpCore

#: mfglib packets are PSDUs: 3..127 octets (ACK .. aMaxPHYPacketSize).
PSDU_LENGTHS = range(3, 128)


class MfglibCommands(NcpCore):
    """mfglib commands (see the module docstring)."""

    _mfglib_channel = 11
    _mfglib_rx = False

    async def _hMfglibStart(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.stack is not None or self.mfglib_running:
            return {"status": EmberStatus.INVALID_CALL}
        self.mfglib_running = True
        self._mfglib_rx = params["rx_callback"]
        self.radio.set_address_filter(None)
        self.radio.set_promiscuous(True)
        self.radio.set_receiver(self._mfglib_heard)
        await self.radio.set_channel(Channel(0, self._mfglib_channel))
        return {"status": EmberStatus.SUCCESS}

    async def _hMfglibEnd(self, params: dict[str, Any]) -> dict[str, Any]:
        if not self.mfglib_running:
            return {"status": EmberStatus.INVALID_CALL}
        self.mfglib_running = False
        self.radio.set_receiver(None)
        self.radio.set_promiscuous(False)
        return {"status": EmberStatus.SUCCESS}

    def _mfglib_heard(self, frame: ReceivedFrame) -> None:
        if self.mfglib_running and self._mfglib_rx and frame.fcs_ok:
            rssi = max(-128, min(127, round(frame.rssi)))
            self._emit("mfglibRxHandler", {"link_quality": frame.lqi, "rssi": rssi, "packet": frame.psdu})

    async def _hMfglibSetChannel(self, params: dict[str, Any]) -> dict[str, Any]:
        if not channel_exists(0, params["channel"]):
            return {"status": 0x8A}  # EMBER_PHY_INVALID_CHANNEL
        self._mfglib_channel = params["channel"]
        if self.mfglib_running:
            await self.radio.set_channel(Channel(0, self._mfglib_channel))
        return {"status": EmberStatus.SUCCESS}

    async def _hMfglibGetChannel(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self._mfglib_channel}

    async def _hMfglibSetPower(self, params: dict[str, Any]) -> dict[str, Any]:
        info = self.radio.info
        if not info.min_power_dbm <= params["power"] <= info.max_power_dbm:
            return {"status": 0x8B}  # EMBER_PHY_INVALID_POWER
        self.ram.radio_power = params["power"]
        await self.radio.set_power(params["power"])
        return {"status": EmberStatus.SUCCESS}

    async def _hMfglibGetPower(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"power": self.ram.radio_power}

    async def _hMfglibSendPacket(self, params: dict[str, Any]) -> dict[str, Any]:
        packet = params["packet"]
        if not self.mfglib_running or len(packet) not in PSDU_LENGTHS:
            return {"status": EmberStatus.INVALID_CALL if not self.mfglib_running else EmberStatus.BAD_ARGUMENT}
        try:
            await self.radio.transmit(append_fcs(packet[:-2]), mode=TxMode.DIRECT)
        except RadioError:
            return {"status": EmberStatus.ERR_FATAL}
        return {"status": EmberStatus.SUCCESS}
