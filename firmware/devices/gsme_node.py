"""The sleepy gas meter on the HAN: mirror, tunnel to the CHF, and the wake-up cycle that pulls its commands.

Why this shape (gbcs.md 6.3; meters.md 4.5): the GSME is a battery end device that sleeps;
the hub cannot reach it, so everything starts at the meter:

1. After joining it stays awake a while (the hub interviews it), finds the hub's ESI endpoint
   (ZDO Match_Desc_req for the Smart Energy profile), asks for a mirror (RequestMirror ->
   RequestMirrorResponse: the mirror's endpoint), configures it for notification scheme B
   with mirror notification reporting (ConfigureMirror: its reporting interval is the wake
   interval) and opens its GB-HRGP tunnel to the hub (it is the client). A step that fails
   is tried again at the next wake.
2. Every `wake_interval` seconds (GBCS recommends 30 minutes) it wakes: it brings its model up
   to date and pushes its values to the mirror - Report Attributes of Basic, Price and
   Prepayment, then Metering, which the mirror answers with MirrorReportAttributeResponse
   carrying the notification flags (`Gsme.mirror_values`). Alerts its model raised meanwhile
   go out with PUT.
3. When bit 21 Tunnel Message Pending is set it sends GET; each GET-RESPONSE brings one
   command (maybe as GBT blocks) and the count still queued; the command goes to its
   `firmware.gbcs` endpoint and the response goes back with PUT before the next GET, until
   the count is zero or a GET-RESPONSE comes empty.

The model's own deadlines (future-dated commands) fire as timers; their alerts go out with PUT
at once (a sleepy device may transmit whenever it has something to say). A restart resumes from
NVM (the model, the endpoint's counters and outbox, the network); the mirror and tunnel are
asked for again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from firmware.devices.gsme.handler import GsmePayloadHandler
from firmware.gbcs.contract import RaisedAlert
from firmware.gbcs.endpoint import GbcsEndpoint
from firmware.han import Opened, Peer, Received, TunnelEvent
from firmware.han import header as tunnel_header
from firmware.han.frames import (
    BASIC,
    METERING,
    REPORT_ATTRIBUTES,
    TUNNELING,
    command,
    profile_wide,
    read,
    report_records,
)
from firmware.zigbee.nwk import COORDINATOR_ADDRESS
from firmware.zigbee.zdo import ZDO_ENDPOINT
from protocols.gbz.errors import GbzDecodeError
from protocols.zigbee import PROFILE_SMART_ENERGY, ZigbeeDecodeError, build_zdo, parse_zdo
from protocols.zigbee import zdo as zdp

from .han_node import HanNode

LOGGER = logging.getLogger(__name__)
#: GBCS's recommended reporting interval, seconds (gbcs.md 6.3).
WAKE_INTERVAL = 1800.0
#: Seconds the meter waits for each answer of the hub while awake (ours).
ANSWER_TIMEOUT = 15.0
#: Seconds the meter stays awake after joining, for the hub's interview (ours).
AWAKE_AFTER_JOIN = 120.0
TUNNEL_MESSAGE_PENDING = 1 << 21
SCHEME_B = 0x02
PRICE, PREPAYMENT = 0x0700, 0x0705
#: The order of a wake-up's reports: Metering last, its answer carries the notification flags.
_REPORT_ORDER = (BASIC, PRICE, PREPAYMENT, METERING)
_MATCH_DESC_RSP = 0x8006


class GsmeNode(HanNode):
    """The GSME on the HAN (see the module docstring); its payload side is `model`."""

    def __init__(
        self, *, model: GsmePayloadHandler, endpoint: GbcsEndpoint, wake_interval: float = WAKE_INTERVAL, **node: Any
    ) -> None:
        super().__init__(model=model, endpoint=endpoint, **node)
        self.gas: GsmePayloadHandler = model
        self.gbcs: GbcsEndpoint = endpoint
        self.wake_interval = wake_interval
        self.esi: int | None = None
        self.mirror: int | None = None
        self.wakes = 0
        self._tunnel_opened: asyncio.Future[bool] | None = None
        self._answers: asyncio.Queue[tunnel_header.GetResponse] = asyncio.Queue()
        self._sequence = 0

    def _next_sequence(self) -> int:
        self._sequence = (self._sequence + 1) & 0xFF
        return self._sequence

    def outbox_data(self, message: bytes) -> bytes:
        return tunnel_header.put(message)

    async def on_joined(self) -> None:
        self.tasks.spawn(self._stay_awake(AWAKE_AFTER_JOIN))
        self.tasks.spawn(self._cycle())

    async def _stay_awake(self, seconds: float) -> None:
        """Poll fast for a while after joining, so the hub can interview the meter (its ZDO requests wait in the
        parent's indirect queue only a few seconds: radio.md 2.6)."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while loop.time() < until and not self.closed:
            self.device.stack.mark_busy()
            await asyncio.sleep(1.0)

    def on_left(self) -> None:
        self.esi = self.mirror = None  # asked for again once it has joined again

    async def _cycle(self) -> None:
        while not self.closed:
            if await self._attach():
                await self.wake()
            await asyncio.sleep(self.wake_interval)

    # -- attaching to the hub ------------------------------------------------------------------------

    async def _attach(self) -> bool:
        """Find the ESI, get a mirror, open the tunnel: what is not done yet; whether all is."""
        if self.esi is None:
            self.esi = await self._find_esi()
        if self.esi is not None and self.mirror is None:
            self.mirror = await self._request_mirror(self.esi)
        if self.esi is not None and self.hub_ieee is not None and not self.tunnels.peers():
            await self._open_tunnel(self.esi, self.hub_ieee)
        return self.mirror is not None and bool(self.tunnels.peers())

    async def _find_esi(self) -> int | None:
        tsn = self._next_sequence()
        request = zdp.MatchDescReq(COORDINATOR_ADDRESS, PROFILE_SMART_ENERGY, (TUNNELING, METERING), ())
        answer = await self.request(
            COORDINATOR_ADDRESS,
            ZDO_ENDPOINT,
            request.ID,
            build_zdo(zdp.ZdoFrame(tsn, request)),
            timeout=ANSWER_TIMEOUT,
            answer_cluster=_MATCH_DESC_RSP,
        )
        if answer is None:
            return None
        try:
            response = parse_zdo(_MATCH_DESC_RSP, answer).command
        except ZigbeeDecodeError:
            return None
        if not isinstance(response, zdp.MatchDescRsp) or not response.endpoints:
            LOGGER.info("%s: the hub has no Smart Energy ESI", self.name)
            return None
        return response.endpoints[0]

    async def _request_mirror(self, esi: int) -> int | None:
        frame = command(METERING, "request_mirror", self._next_sequence())
        answer = await self.request(COORDINATOR_ADDRESS, esi, METERING, frame, timeout=ANSWER_TIMEOUT)
        if answer is None:
            return None
        try:
            endpoint = int(read(METERING, answer).fields.endpoint_id)
        except (GbzDecodeError, AttributeError):
            return None
        if endpoint == 0xFFFF:
            LOGGER.info("%s: the hub has no mirror for us", self.name)
            return None
        configure = command(
            METERING,
            "configure_mirror",
            self._next_sequence(),
            issuer_event_id=1,
            reporting_interval=int(self.wake_interval),
            mirror_notification_reporting=True,
            notification_scheme=SCHEME_B,
        )
        await self.send(COORDINATOR_ADDRESS, esi, METERING, configure)
        return endpoint

    async def _open_tunnel(self, esi: int, hub: int) -> None:
        self._tunnel_opened = asyncio.get_running_loop().create_future()
        request = self.tunnels.request(Peer(hub, COORDINATOR_ADDRESS, esi))
        try:
            if await self.send(COORDINATOR_ADDRESS, esi, TUNNELING, request):
                await asyncio.wait_for(self._tunnel_opened, ANSWER_TIMEOUT)
        except TimeoutError:
            LOGGER.info("%s: no RequestTunnelResponse", self.name)
        finally:
            self._tunnel_opened = None

    def tunnel_event(self, event: TunnelEvent) -> None:
        super().tunnel_event(event)
        if isinstance(event, Opened) and self._tunnel_opened is not None and not self._tunnel_opened.done():
            self._tunnel_opened.set_result(True)
        elif isinstance(event, Received):
            answer = tunnel_header.parse_get_response(event.data)
            if answer is None:
                LOGGER.info("%s: tunnel data that is not a GET-RESPONSE ignored", self.name)
            else:
                self._answers.put_nowait(answer)

    # -- waking up -------------------------------------------------------------------------------------

    async def wake(self) -> None:
        """One wake-up: push the mirror, send what waits, fetch the queued commands."""
        self.wakes += 1
        now, utc = self.now(), self.utc()
        values, raised = self.gas.gsme.mirror_values(now, utc)
        if raised:
            alerts = [RaisedAlert(alert.message_code, alert.payload) for alert in raised]
            self.gbcs.raise_alerts(alerts, now, utc)
        flags = await self._push(values)
        self.attached.set()
        await self.flush()
        if flags & TUNNEL_MESSAGE_PENDING:
            await self._fetch()
        self.rearm()

    async def _push(self, values: dict[tuple[int, int], Any]) -> int:
        """Report the values to the mirror, Metering last; the FunctionalNotificationFlags it answers (0: none)."""
        assert self.mirror is not None
        flags = 0
        for cluster in _REPORT_ORDER:
            records = report_records(cluster, {attr: v for (owner, attr), v in values.items() if owner == cluster})
            if not records:
                continue
            frame = profile_wide(REPORT_ATTRIBUTES, self._next_sequence(), records, server_to_client=True)
            if cluster != METERING:
                await self.send(COORDINATOR_ADDRESS, self.mirror, cluster, frame)
                continue
            answer = await self.request(COORDINATOR_ADDRESS, self.mirror, METERING, frame, timeout=ANSWER_TIMEOUT)
            if answer is not None:
                try:
                    flags = int(read(METERING, answer).fields.notification_flags[0])
                except (GbzDecodeError, AttributeError, IndexError):
                    LOGGER.info("%s: the mirror's answer to our report does not decode", self.name)
        return flags

    async def _fetch(self) -> None:
        """GET until the queue is empty; each command answered with PUT before the next GET."""
        while not self.closed and self.hub_ieee is not None and self.tunnels.peers():
            while not self._answers.empty():
                self._answers.get_nowait()  # stale answers of an earlier wake-up
            peer = self.tunnels.peers()[0]
            if not await self.send(
                peer.nwk, peer.endpoint, TUNNELING, self.tunnels.transfer(peer.ieee, tunnel_header.get())
            ):
                return
            found = await self._next_command()
            if found is None:
                return
            message, remaining = found
            if message is not None:
                self.receive_command(message)
                if not await self.flush():
                    return
            if message is None or remaining == 0:
                return

    async def _next_command(self) -> tuple[bytes | None, int] | None:
        """The command of the next GET-RESPONSE (its GBT blocks put together) and the count left; None: no answer."""
        while True:
            try:
                answer = await asyncio.wait_for(self._answers.get(), ANSWER_TIMEOUT)
            except TimeoutError:
                LOGGER.info("%s: no GET-RESPONSE", self.name)
                return None
            if answer.message is None:
                return None, answer.remaining
            whole = self.reassembly.add(answer.message)
            if whole is not None:
                return whole, answer.remaining
