"""An emulated HAN device: our ZigBee stack plus a ZDO server and ZCL endpoints.

Why: the meters of the next issue (ESME, GSME, IHD) are all "a node that
joins with its install code, exposes endpoints and answers ZCL"; this class
is that part, and the meters add their clusters and behaviour
(`meters.py`). It joins on whichever of its radios reaches a network
(2.4 GHz or 868 MHz), polls its parent when sleepy, and after a power cut
rejoins with the network state and frame counters it kept in NVM.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from firmware.zigbee.aps import ApsIndication
from firmware.zigbee.counters import CounterStore
from firmware.zigbee.joiner import JoinError, NetworkSnapshot
from firmware.zigbee.nwk import Role
from firmware.zigbee.stack import ZigbeeStack
from firmware.zigbee.status import DeliveryFailed
from firmware.zigbee.tasks import TaskSet
from firmware.zigbee.zdo import ZDO_ENDPOINT, ZdoServer, node_descriptor
from hal.radio import Band, Channel, Radio
from protocols.zigbee import install_code_to_link_key
from protocols.zigbee.zdo import LogicalType, SimpleDescriptor

from .zcl_server import ZclEndpoint

LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class DeviceNvm:
    """What survives a power cut: security counters and the network the device belonged to."""

    counters: CounterStore = field(default_factory=lambda: dict[str, int]())
    network: NetworkSnapshot | None = None


class EmulatedDevice:
    """A ZigBee SE device on one or more radios (a Dual Band GSME has two)."""

    def __init__(
        self,
        *,
        radios: list[Radio],
        install_code: bytes,
        endpoints: list[ZclEndpoint],
        ieee: int | None = None,
        router: bool = True,
        sleepy: bool = False,
        poll_period: float = 7.5,
        nvm: DeviceNvm | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.radios = radios
        self.ieee = radios[0].info.extended_address if ieee is None else ieee
        self.install_code = install_code
        self.link_key = install_code_to_link_key(install_code)
        self.endpoints = {e.endpoint: e for e in endpoints}
        self.router = router and not sleepy
        self.sleepy = sleepy
        self.poll_period = poll_period
        self.nvm = nvm or DeviceNvm()
        self._rng = rng or random.Random(self.ieee)
        self.requests_answered = 0
        self._tasks = TaskSet()
        self.stack = self._new_stack()

    def _new_stack(self) -> ZigbeeStack:
        stack = ZigbeeStack(
            radios=self.radios,
            ieee=self.ieee,
            role=Role.ROUTER if self.router else Role.END_DEVICE,
            store=self.nvm.counters,
            rx_on_when_idle=not self.sleepy,
            poll_period=self.poll_period,
            rng=random.Random(self._rng.random()),
        )
        stack.on_message = self._message
        stack.on_left = self._left
        descriptors = [
            SimpleDescriptor(
                endpoint=e.endpoint,
                profile=e.profile,
                device_type=e.device_type,
                in_clusters=tuple(sorted(e.servers)),
                out_clusters=tuple(e.clients),
            )
            for e in self.endpoints.values()
        ]
        logical_type = LogicalType.ROUTER if self.router else LogicalType.END_DEVICE
        self.zdo = ZdoServer(
            ieee=self.ieee,
            descriptor=node_descriptor(
                logical_type=logical_type, rx_on_when_idle=not self.sleepy, mains=not self.sleepy
            ),
            endpoints=descriptors,
            on_permit_joining=stack.permit_joining if self.router else None,
        )
        return stack

    @property
    def nwk(self) -> int:
        return self.stack.nwk_address

    @property
    def joined(self) -> bool:
        return self.stack.joined

    async def join(
        self,
        *,
        band: Band | None = None,
        channels: Sequence[Iterable[Channel]] | None = None,
        key_timeout: float = 10.0,
    ) -> None:
        """Join with our install code on `band`, or on whichever radio reaches a network; raises JoinError."""
        await self.stack.join(link_key=self.link_key, channels=channels, key_timeout=key_timeout, band=band)
        self.zdo.nwk = self.stack.nwk_address
        self.nvm.network = self.stack.snapshot()

    async def power_off(self) -> None:
        """Lose power: the stack stops; NVM (counters, network) is kept."""
        self.nvm.network = self.stack.snapshot() or self.nvm.network
        await self.stack.close()
        self._tasks.cancel()

    async def power_on(self) -> None:
        """Power back: rejoin the network kept in NVM (secured rejoin), or raise JoinError."""
        self.stack = self._new_stack()
        if self.nvm.network is None:
            raise JoinError("no network in NVM to rejoin")
        await self.stack.rejoin(self.nvm.network)
        self.zdo.nwk = self.stack.nwk_address

    def _left(self, rejoin: bool) -> None:
        """Told to leave: forget the network (a device asked to rejoin must join afresh)."""
        self.nvm.network = None

    def _message(self, ind: ApsIndication) -> None:
        if ind.dst_endpoint == ZDO_ENDPOINT and ind.profile == 0:
            for reply in self.zdo.handle(ind.cluster, ind.payload, broadcast=ind.broadcast):
                self._tasks.spawn(self._reply(ind, reply.cluster, reply.payload))
            return
        endpoint = self.endpoints.get(ind.dst_endpoint)
        if endpoint is None or ind.broadcast:
            return
        response = endpoint.handle(ind.cluster, ind.payload)
        if response is not None:
            self._tasks.spawn(self._reply(ind, ind.cluster, response))

    async def _reply(self, ind: ApsIndication, cluster: int, payload: bytes) -> None:
        try:
            await self.stack.send(
                ind.src,
                cluster=cluster,
                profile=ind.profile,
                src_endpoint=ind.dst_endpoint,
                dst_endpoint=ind.src_endpoint,
                payload=payload,
            )
            self.requests_answered += 1
        except DeliveryFailed as error:
            LOGGER.info("%016x could not answer 0x%04x: %s", self.ieee, ind.src, error)

    async def close(self) -> None:
        await self.power_off()
