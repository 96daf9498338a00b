"""A tiny in-memory 802.15.4 air for stack unit tests: no propagation, no collisions, optional loss.

Why not hal.virtual: these tests pin down the stack's own behaviour (soft
CSMA-CA, soft ACKs, retries) on a radio with no MAC features at all, so the
air is as simple as possible: every frame reaches every other radio on the
same channel after its airtime, unless `loss` drops it.
"""

from __future__ import annotations

import asyncio
import random

import protocols.ieee802154 as mac
from hal.radio import (
    AddressFilter,
    Channel,
    RadioCaps,
    RadioInfo,
    Receiver,
    ReceivedFrame,
    TxMode,
    TxResult,
    TxStatus,
)

CHANNELS_2_4 = frozenset(Channel(0, n) for n in range(11, 27))
CHANNELS_868 = frozenset(Channel(28, n) for n in range(0, 27))


class FakeAir:
    """Connects FakeRadios; `loss` is the probability a delivered frame is dropped."""

    def __init__(self, *, seed: int = 0, loss: float = 0.0) -> None:
        self.radios: list[FakeRadio] = []
        self.loss = loss
        self.rng = random.Random(seed)
        self.sent = 0
        self.sniffers: list[Receiver] = []

    def radio(self, ieee: int, *, sub_ghz: bool = False, caps: RadioCaps = RadioCaps.ENERGY_SCAN) -> FakeRadio:
        radio = FakeRadio(self, ieee, CHANNELS_868 if sub_ghz else CHANNELS_2_4, caps)
        self.radios.append(radio)
        return radio

    def deliver(self, sender: FakeRadio, psdu: bytes) -> None:
        self.sent += 1
        loop = asyncio.get_running_loop()
        frame = ReceivedFrame(psdu, sender.channel, -50.0, 200, loop.time())
        for sniffer in self.sniffers:
            sniffer(frame)
        for radio in self.radios:
            if radio is sender or radio.channel != sender.channel or radio.receiver is None:
                continue
            if self.loss and self.rng.random() < self.loss:
                continue
            if radio.accepts(psdu):
                loop.call_soon(radio.receiver, frame)


class FakeRadio:
    """A radio with no MAC features (no CSMA, no ACK wait, no auto-ACK): the stack does all of it."""

    def __init__(self, air: FakeAir, ieee: int, channels: frozenset[Channel], caps: RadioCaps) -> None:
        self.air = air
        self.caps = caps
        self.info = RadioInfo("fake", channels, -20.0, 10.0, ieee)
        self._channel = min(channels)
        self.receiver: Receiver | None = None
        self.filter: AddressFilter | None = None
        self.powered = True

    @property
    def channel(self) -> Channel:
        return self._channel

    async def set_channel(self, channel: Channel) -> None:
        self._channel = channel

    async def set_power(self, dbm: float) -> float:
        return dbm

    async def cca(self) -> bool:
        await asyncio.sleep(128e-6)
        return True

    async def energy_detect(self, duration: float) -> float:
        await asyncio.sleep(duration)
        return -95.0 + (self._channel.number % 5)  # channel 15 (and 20, 25) quietest

    async def transmit(self, psdu: bytes, *, mode: TxMode = TxMode.CCA, max_csma_backoffs: int = 4,
                       max_frame_retries: int = 3) -> TxResult:
        start = asyncio.get_running_loop().time()
        airtime = mac.airtime(len(psdu), self._channel.page)
        await asyncio.sleep(airtime)
        if self.powered:
            self.air.deliver(self, psdu)
        return TxResult(TxStatus.SENT, start, airtime)

    def set_receiver(self, receiver: Receiver | None) -> None:
        self.receiver = receiver

    def set_address_filter(self, address_filter: AddressFilter | None) -> None:
        self.filter = address_filter

    def set_promiscuous(self, enabled: bool) -> None:
        raise NotImplementedError("the fake radio is never promiscuous")

    def accepts(self, psdu: bytes) -> bool:
        if not self.powered:
            return False
        try:
            header = mac.peek(psdu)
        except mac.Ieee802154DecodeError:
            return False
        f = self.filter
        if f is None or header.frame_type in (mac.FrameType.ACK, mac.FrameType.BEACON):
            return True
        if header.dst_mode == mac.AddrMode.NONE:
            return f.pan_coordinator
        if header.dst_pan not in (f.pan_id, 0xFFFF):
            return False
        if header.dst_mode == mac.AddrMode.EXTENDED:
            return header.dst_addr == f.extended_address
        return header.dst_addr in (f.short_address, 0xFFFF)

    async def close(self) -> None:
        self.receiver = None
