"""`Chf`: the Communications Hub Function as a sans-I/O machine: events in, orders (`actions`) out.

Theory of operation (gbcs.md 2.3, 6; docs/chf.md has the action contract):

1. **WAN intake** (`wan_message`). A message that does not decode, or is not a command,
   or is addressed to the CHF goes to the CHF's own `GbcsEndpoint` - which refuses the
   first two (logged in the CHF security log) and checks MAC, signature, role and counter
   of the last. A command for the GPF goes to the GPF's endpoint. A command for a device
   in the device log is forwarded whole (the device checks it): over its tunnel now, or
   into the GSME's queue. Any other recipient is refused: logged, and reported with the
   delivery-failure alert 0x00D5 / 0x8F84 (gbcs.md 6.5 step 3, 5.5).
2. **Forwarding** remembers the command (`routing.PendingCommands`) so the device's
   response - same counter, originator and recipient swapped - goes back to the head-end
   connection it came from; alerts go to every head-end. Responses and alerts from
   devices go to the WAN unchanged. A command that cannot be delivered (device not joined,
   queue full, tunnel failure, removed from the log, not collected in time) gets the
   delivery-failure alert (0x819D for a GSME command not retrieved), never silence.
3. **The sleepy GSME**: commands wait in its NVM queue with the mirror's Tunnel Message
   Pending flag set; each GET takes one (GET-RESPONSE with the count left), the flag
   clears with the last; PUTs carry its responses and alerts (gbcs.md 6.2-6.3). The GPF
   sees each GSME response with its command (tap-off, clock status).
4. **Own use cases** (device log, DBCH, identity, logs): `handler` / `objects`, their HAN
   orders handed out after the command's transaction committed.
5. **HAN events** (joins, leaves, link statistics, duty-cycle readings, scan results)
   change state and may raise alerts (DBCH06-11, CS14).
6. **Time**: every input carries loop time `now` and UTC `utc`; deadlines are kept in UTC
   in NVM and turned into loop time with the latest pair, so they survive a restart whose
   loop clock starts at zero. `deadline()` / `timer_fired()` drive queue timeouts,
   response timeouts, join windows and the endpoints' own timers.
7. **Durability**: device log, queues, pending commands, counters, DBCH state, logs and the
   WAN outbox are in NVM. Every message for the WAN is first put in the CHF's WAN outbox in
   the transaction that produced it, and leaves it when the adapter confirms (`wan_sent`);
   `resume()` after a restart returns what is still owed: outbox messages, tunnel flags,
   open join windows, the sub-GHz channel.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from firmware.chf import alerts as chf_alerts
from firmware.chf import han_time
from firmware.chf.actions import (
    Action,
    ChangeSubGhzChannel,
    PermitJoin,
    RemoveDevice,
    SetTunnelMessagePending,
    ToDevice,
    ToWan,
)
from firmware.chf.alerts import ChfAlerts, undelivered
from firmware.chf.commissioning import Commissioning
from firmware.chf.config import ChfConfig
from firmware.chf.cosem import CosemServer
from firmware.chf.device_log import DeviceEntry, DeviceLog
from firmware.chf.dual_band import DualBand
from firmware.chf.handler import ChfHandler, record_security
from firmware.chf.objects import ChfObjects
from firmware.chf.outbox import ChfOutbox
from firmware.chf.routing import GsmeQueues, Pending, PendingCommands
from firmware.devices.esme.faults import Faults
from firmware.gbcs.assembly import GbcsDevice, assemble
from firmware.gbcs.contract import RaisedAlert
from firmware.gbcs.credentials import CertificateAuthority
from firmware.gbcs.endpoint import SECURITY_LOG, GbcsEndpoint, Outbound
from hal.radio import Channel
from protocols.dlms import Data, octets
from protocols.gbcs import cs
from protocols.gbcs.cs.common import CHF, GSME, AlertHeader
from protocols.gbcs.envelope import decode
from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.keystore import KeyStore
from protocols.gbcs.message import Cra, Message

if TYPE_CHECKING:
    from hal.nvm import Nvm

LOGGER = logging.getLogger(__name__)
_RUN = "chf.run"
GET, GET_RESPONSE, PUT = 0x01, 0x02, 0x03  #: GB tunnel header (gbcs.md 6.2)
CCS08 = 0x0128
FIRMWARE_TRANSFER_SUCCEEDED, FIRMWARE_TRANSFER_FAILED = 0x8F8A, 0x8F89


class GasProxy(Protocol):
    """What the CHF needs of the GPF (`firmware.gpf.Gpf`)."""

    @property
    def endpoint(self) -> GbcsEndpoint: ...

    def device_log_backup(self, utc: float, network_id: bytes) -> Data: ...

    def gsme_answered(self, command: bytes, response: bytes, now: float, utc: float) -> list[Outbound]: ...

    def device_registered(
        self, eui: bytes, device_type: int | None, install_code: bytes, now: float, utc: float
    ) -> list[Outbound]: ...

    def device_unregistered(self, eui: bytes, now: float, utc: float) -> list[Outbound]: ...


class Chf:
    """The Communications Hub Function (see the module docstring)."""

    def __init__(
        self,
        *,
        eui: bytes,
        nvm: Nvm,
        keystore: KeyStore,
        parties: Mapping[int, bytes],
        config: ChfConfig | None = None,
        gpf: GasProxy | None = None,
        authority: CertificateAuthority | None = None,
    ) -> None:
        """`parties`: role -> EUI of the remote parties the CHF trusts at first start (gbcs.md 2.1)."""
        self.eui = eui
        self.config = config or ChfConfig()
        self._nvm = nvm
        self._gpf = gpf
        self._offset: float | None = None  #: loop time minus UTC, from the latest input
        self.run = int(nvm.get(_RUN, 0)) + 1
        nvm.put(_RUN, self.run)
        self.alerts = ChfAlerts(nvm, parties.get(4), self.config.log_depth)
        self.device_log = DeviceLog(
            nvm, capacity=self.config.device_log_capacity, network_id=self.config.extended_pan_id
        )
        self.commissioning = Commissioning(nvm, self.device_log, self.alerts)
        self.dual_band = DualBand(
            nvm,
            self.alerts,
            channel=self.config.sub_ghz_channel,
            capacity=self.config.sub_ghz_capacity,
            suspend_minutes=self.config.suspend_minutes,
            scan_margin_db=self.config.scan_margin_db,
        )
        self.pending = PendingCommands(nvm, limit=self.config.pending_limit, timeout=self.config.response_timeout)
        self.queues = GsmeQueues(nvm, limit=self.config.gsme_queue_limit, timeout=self.config.gsme_retrieval_timeout)
        self.faults = Faults()
        self.outbox = ChfOutbox(
            nvm,
            limit=self.config.wan_outbox_limit,
            run=self.run,
            is_device=lambda eui: self.device_log.entry(eui) is not None,
        )
        objects = ChfObjects(
            eui,
            self.config.model,
            self.config.manufacturer,
            self.commissioning,
            self.dual_band,
            self.alerts,
            self.security_events,
            None if gpf is None else lambda utc: gpf.device_log_backup(utc, self.device_log.network_id),
        )
        self.handler = ChfHandler(CosemServer(objects.table(), self.faults), nvm)
        self.device: GbcsDevice = assemble(
            eui, nvm, keystore, parties, device_type=CHF, alert_family="dlms", handler=self.handler, authority=authority
        )

    @property
    def endpoint(self) -> GbcsEndpoint:
        return self.device.endpoint

    # -- time ---------------------------------------------------------------------------------

    def _observe(self, now: float, utc: float) -> None:
        self._offset = now - utc
        self.dual_band.start(utc)

    def _loop_time(self, utc: float | None) -> float | None:
        return None if utc is None or self._offset is None else utc + self._offset

    # -- the WAN outbox ---------------------------------------------------------------------------

    def wan_sent(self, seq: int) -> None:
        """The adapter handed WAN outbox message `seq` on: forget it."""
        self.outbox.sent(seq)

    def device_sent(self, eui: bytes, seq: int) -> None:
        """The adapter handed GET-RESPONSE `seq` to the GSME's tunnel: that command has left its queue."""
        self.queues.delivered(eui, seq)

    def _raise(self, raised: Iterable[RaisedAlert], now: float, utc: float) -> list[Action]:
        raised = list(raised)
        if not raised:
            return []
        return self.outbox.take(self.endpoint, self.endpoint.raise_alerts(raised, now, utc), None)

    # -- WAN intake -------------------------------------------------------------------------------

    def wan_message(self, connection_id: int | None, data: bytes, now: float, utc: float) -> list[Action]:
        """A whole GBCS message from head-end `connection_id` (see the module docstring, 1-2)."""
        self._observe(now, utc)
        try:
            message, _ = decode(bytes(data))
        except GbcsDecodeError:
            return self._own(connection_id, data, now, utc)
        if message.recipient == self.eui or message.cra is not Cra.COMMAND or message.gbt is not None:
            return self._own(connection_id, data, now, utc)
        if self._gpf is not None and message.recipient == self._gpf.endpoint.eui:
            gpf = self._gpf.endpoint
            return self.outbox.take(gpf, gpf.receive(bytes(data), now, utc), connection_id)
        entry = self.device_log.entry(message.recipient)
        if entry is None:
            self._security("unknown-recipient", chf_alerts.DELIVERY_FAILED, message, utc)
            return self._undeliverable(message, now, utc)
        return self._forward(entry, message, bytes(data), now, utc, connection_id=connection_id)

    def _own(self, connection_id: int | None, data: bytes, now: float, utc: float) -> list[Action]:
        """The CHF's endpoint takes it; then the HAN orders its use cases gave."""
        actions = self.outbox.take(self.endpoint, self.endpoint.receive(bytes(data), now, utc), connection_id)
        actions += self._han_orders(self.handler.take_actions(), now, utc)
        for change in self.commissioning.take_changes():
            if self._gpf is None:
                continue
            if isinstance(change, bytes):
                out = self._gpf.device_unregistered(change, now, utc)
            else:
                out = self._gpf.device_registered(change.eui, change.device_type, change.install_code, now, utc)
            actions += self.outbox.take(self._gpf.endpoint, out, None)
        return actions

    def _han_orders(self, orders: list[Action], now: float, utc: float) -> list[Action]:
        """Orders from the use cases; a device leaving the log also fails what was waiting for it."""
        out: list[Action] = []
        for order in orders:
            out.append(order)
            if isinstance(order, RemoveDevice):
                out += self._fail_device(order.eui, now, utc)
        return out

    def _forward(
        self,
        entry: DeviceEntry,
        message: Message,
        data: bytes,
        now: float,
        utc: float,
        *,
        connection_id: int | None = None,
        reply_device: bytes | None = None,
    ) -> list[Action]:
        if entry.sub_ghz and self.dual_band.discarding:
            identity = undelivered(message.originator, message.recipient, int(message.cra), message.originator_counter)
            self.alerts.log(chf_alerts.HAN_COMMAND_NOT_ACTIONED, utc, message.message_code.to_bytes(2, "big"))
            return self._raise([self.dual_band.discarded(identity, utc)], now, utc)
        pending = Pending(
            entry.eui,
            message.originator,
            message.originator_counter,
            message.message_code,
            connection_id,
            self.run,
            reply_device,
            utc,
            data if entry.device_type == GSME or entry.sleepy else None,
        )
        if entry.sleepy or entry.device_type == GSME:
            with self._nvm.transaction():
                if not self.queues.put(entry.eui, message, data, utc):
                    return self._undeliverable(message, now, utc)
                self.pending.add(pending)
            return [SetTunnelMessagePending(entry.eui, True)] if self.queues.count(entry.eui) == 1 else []
        if not entry.joined:
            return self._undeliverable(message, now, utc)
        with self._nvm.transaction():
            self.pending.add(pending)
            self.alerts.log(chf_alerts.HAN_COMMAND_ACTIONED, utc, message.message_code.to_bytes(2, "big"))
        return [ToDevice(entry.eui, data)]

    def _undeliverable(self, message: Message, now: float, utc: float) -> list[Action]:
        """The delivery-failure alert (0x00D5 / 0x8F84) naming the message, and the "not actioned" event."""
        return self._delivery_failed(
            message.originator, message.recipient, message.originator_counter, message.message_code, now, utc
        )

    def _delivery_failed(
        self, originator: bytes, target: bytes, counter: int, message_code: int, now: float, utc: float
    ) -> list[Action]:
        self.alerts.log(chf_alerts.HAN_COMMAND_NOT_ACTIONED, utc, message_code.to_bytes(2, "big"))
        identity = undelivered(originator, target, int(Cra.COMMAND), counter)
        return self._raise([self.alerts.raise_alert(chf_alerts.DELIVERY_FAILED, utc, octets(identity))], now, utc)

    def _security(self, reason: str, code: int, message: Message | None, utc: float, detail: str = "") -> None:
        """A CHF security-log record (the same log and form as the endpoint's refusals)."""
        LOGGER.info("%s: %s %s", self.eui.hex(), reason, detail)
        if message is None:
            record_security(self._nvm, utc, code, reason, detail)
            return
        record_security(
            self._nvm,
            utc,
            code,
            reason,
            detail,
            message_code=message.message_code,
            originator=message.originator,
            counter=message.originator_counter,
        )

    def security_events(self) -> list[tuple[float, int, bytes]]:
        """The CHF security log as `(utc, code, data)` entries (data: the message code, when known)."""
        return [
            (
                entry["utc"],
                entry["code"],
                b"" if entry.get("message_code") is None else entry["message_code"].to_bytes(2, "big"),
            )
            for _, entry in self._nvm.log(SECURITY_LOG)
        ]

    # -- HAN intake -------------------------------------------------------------------------------

    def tunnel_data(self, eui: bytes, data: bytes, now: float, utc: float) -> list[Action]:
        """Tunnel data from `eui` as it arrived: a GB tunnel header (GET / PUT) or a bare GBCS message."""
        if data[:1] == bytes((GET,)):
            return self.gsme_get(eui, now, utc)
        if data[:1] == bytes((PUT,)):
            return self.gsme_put(eui, data[1:], now, utc)
        return self.device_message(eui, data, now, utc)

    def gsme_get(self, eui: bytes, now: float, utc: float) -> list[Action]:
        """The GSME's GET: the next queued command in a GET-RESPONSE with the count still queued."""
        self._observe(now, utc)
        if self.device_log.entry(eui) is None:
            self._security("get-from-unknown-device", chf_alerts.DELIVERY_FAILED, None, utc, eui.hex())
            return []
        with self._nvm.transaction():
            queued, remaining = self.queues.take(eui)
            if queued is not None:
                self.alerts.log(chf_alerts.HAN_COMMAND_ACTIONED, utc, queued.message_code.to_bytes(2, "big"))
        header = bytes((GET_RESPONSE, min(remaining, 0xFF)))
        if queued is None:
            actions: list[Action] = [ToDevice(eui, header)]
        else:
            actions = [ToDevice(eui, header + queued.data, queued.seq)]
        if remaining == 0:
            actions.append(SetTunnelMessagePending(eui, False))
        return actions

    def gsme_put(self, eui: bytes, data: bytes, now: float, utc: float) -> list[Action]:
        """The GSME's PUT: a response or alert, to the WAN (the GPF sees responses with their command)."""
        return self.device_message(eui, data, now, utc)

    def device_message(self, eui: bytes, data: bytes, now: float, utc: float) -> list[Action]:
        """A GBCS message a HAN device sent over its tunnel: a response, an alert, or a HAN command."""
        self._observe(now, utc)
        try:
            message, _ = decode(bytes(data))
        except GbcsDecodeError as exc:
            self._security("malformed-from-device", 0x8F1E, None, utc, f"{eui.hex()}: {exc}")
            return []
        entry = self.device_log.entry(eui)
        if entry is None or message.originator != eui:
            self._security("not-from-this-device", 0x8F3E, message, utc, eui.hex())
            return []
        if message.cra is Cra.RESPONSE:
            return self._response(message, bytes(data), now, utc)
        if message.cra is Cra.ALERT:
            return [self.outbox.wan(bytes(data), None)]
        return self._han_command(eui, message, bytes(data), now, utc)

    def _response(self, message: Message, data: bytes, now: float, utc: float) -> list[Action]:
        with self._nvm.transaction():
            pending = self.pending.take(message.originator, message.recipient, message.originator_counter)
            if pending is None:
                return [self.outbox.wan(data, None)]  # nothing awaits it (forgotten, or another run's): every head-end
            actions: list[Action] = []
            if pending.reply_device is not None:
                actions.append(ToDevice(pending.reply_device, data))
            else:
                actions.append(self.outbox.wan(data, pending.connection_id if pending.run == self.run else None))
        if pending.command is not None and self._gpf is not None:
            gpf = self._gpf.endpoint
            actions += self.outbox.take(gpf, self._gpf.gsme_answered(pending.command, data, now, utc), None)
        return actions

    def _han_command(self, eui: bytes, message: Message, data: bytes, now: float, utc: float) -> list[Action]:
        """A command a HAN device originates (PCS to the GSME): routed like a WAN command, answered to it."""
        endpoints = (self.endpoint,) if self._gpf is None else (self.endpoint, self._gpf.endpoint)
        for endpoint in endpoints:
            if message.recipient == endpoint.eui:
                return self.outbox.take(endpoint, endpoint.receive(data, now, utc), None)
        target = self.device_log.entry(message.recipient)
        if target is None:
            self._security("unknown-recipient", chf_alerts.DELIVERY_FAILED, message, utc, f"from {eui.hex()}")
            return self._undeliverable(message, now, utc)
        return self._forward(target, message, data, now, utc, reply_device=eui)

    def tunnel_send_failed(self, eui: bytes, data: bytes, now: float, utc: float) -> list[Action]:
        """The HAN side could not deliver `data` to `eui` (no tunnel, no route, no ACK): fail it - or, for a
        GET-RESPONSE to the GSME, offer the command again at its next GET."""
        self._observe(now, utc)
        if data[:1] == bytes((GET_RESPONSE,)):
            self.queues.release_in_flight(eui)
            return [SetTunnelMessagePending(eui, True)] if self.queues.count(eui) else []
        try:
            message, _ = decode(bytes(data))
        except GbcsDecodeError:
            return []
        with self._nvm.transaction():
            self.pending.take(message.recipient, message.originator, message.originator_counter)
            return self._undeliverable(message, now, utc)

    # -- HAN events ---------------------------------------------------------------------------------

    def device_joined(
        self,
        eui: bytes,
        now: float,
        utc: float,
        *,
        sleepy: bool = False,
        sub_ghz: bool = False,
        application_version: int = 0,
        stack_version: int = 0,
    ) -> list[Action]:
        """The HAN side admitted `eui` (after key establishment)."""
        self._observe(now, utc)
        if self.device_log.entry(eui) is None:
            self._security("join-not-in-device-log", 0x8F3E, None, utc, eui.hex())
            return [RemoveDevice(eui)]
        on_sub_ghz = sum(
            1 for entry in self.device_log.entries() if entry.sub_ghz and entry.joined and entry.eui != eui
        )
        if sub_ghz and on_sub_ghz >= self.dual_band.capacity:
            return [RemoveDevice(eui), *self._raise([self.dual_band.no_capacity(eui, utc)], now, utc)]
        with self._nvm.transaction():
            entry = self.commissioning.joined(eui, sleepy=sleepy, sub_ghz=sub_ghz)
            statistics = self.device_log.statistics(eui)
            updated = replace(statistics, application_version=application_version, stack_version=stack_version)
            self.device_log.put_statistics(eui, updated)
        assert entry is not None
        if self.queues.count(eui):
            return [SetTunnelMessagePending(eui, True)]
        return []

    def device_left(self, eui: bytes, now: float, utc: float) -> list[Action]:
        """`eui` left the HAN (or was lost): commands for it now fail until it rejoins."""
        self._observe(now, utc)
        self.commissioning.left(eui)
        return []

    def link_statistics(
        self, eui: bytes, now: float, utc: float, *, rssi: int, lqi: int, delivered: bool = True, hops: int = 1
    ) -> list[Action]:
        """A frame exchanged with `eui`: its RSSI (dBm) and LQI, whether it was delivered, the route's hops."""
        self._observe(now, utc)
        if self.device_log.entry(eui) is not None:
            self.device_log.put_statistics(eui, self.device_log.statistics(eui).add(rssi, lqi, utc, hops, delivered))
        return []

    def duty_cycle(self, used: float, now: float, utc: float, *, busiest: bytes | None = None) -> list[Action]:
        """A reading of the hub's 868 MHz airtime over the rolling hour, as a fraction of the hour."""
        self._observe(now, utc)
        with self._nvm.transaction():
            actions, raised = self.dual_band.reading(used, utc, busiest)
        return actions + self._raise(raised, now, utc)

    def energy_scan_result(self, energies: Mapping[Channel, float], now: float, utc: float) -> list[Action]:
        """The energy (dBm) the HAN side measured on each channel of a `StartEnergyScan`."""
        self._observe(now, utc)
        with self._nvm.transaction():
            actions, raised = self.dual_band.scan_result(energies, utc)
        return actions + self._raise(raised, now, utc)

    def firmware_transferred(self, eui: bytes, version: bytes, outcome: int, now: float, utc: float) -> list[Action]:
        """CCS08: report a firmware image's delivery to HAN device `eui` (0 success, 1 discarded, 2 hardware
        mismatch, 3 transfer failure; gbcs.md 5.4), to the ACB."""
        self._observe(now, utc)
        code = FIRMWARE_TRANSFER_SUCCEEDED if outcome == 0 else FIRMWARE_TRANSFER_FAILED
        self.alerts.log(code, utc, eui)
        header = AlertHeader(code, datetime.fromtimestamp(int(utc), UTC))
        payload = cs.build(cs.FirmwareTransferAlert(header, eui, version, outcome))
        return self._raise([RaisedAlert(CCS08, payload, self.endpoint.credentials.acb)], now, utc)

    def time_attributes(self, utc: float) -> dict[int, int]:
        """The ZigBee Time cluster values the hub serves the HAN (`han_time`)."""
        return han_time.time_attributes(utc)

    @property
    def sub_ghz_channel(self) -> Channel:
        return self.dual_band.channel()

    # -- failures and time ----------------------------------------------------------------------------

    def _fail_device(self, eui: bytes, now: float, utc: float) -> list[Action]:
        """`eui` left the log: its queued and pending commands can no longer be answered."""
        actions: list[Action] = []
        with self._nvm.transaction():
            queued = self.queues.drop(eui)
            self.pending.drop_device(eui)
        for entry in queued:
            actions += self._delivery_failed(entry.originator, eui, entry.counter, entry.message_code, now, utc)
        if queued:
            actions.append(SetTunnelMessagePending(eui, False))
        return actions

    def deadline(self) -> float | None:
        """Loop time of the next self-driven event, or None."""
        candidates = [
            self._loop_time(self.queues.next_overdue()),
            self._loop_time(self.pending.next_expiry()),
            self._loop_time(self.commissioning.next_lapse()),
            self.endpoint.deadline(),
            None if self._gpf is None else self._gpf.endpoint.deadline(),
        ]
        due = [candidate for candidate in candidates if candidate is not None]
        return min(due) if due else None

    def timer_fired(self, now: float, utc: float) -> list[Action]:
        """Run what fell due by `utc`: GSME commands not retrieved, response and join-window timeouts,
        the endpoints' own timers. A stale call does nothing."""
        self._observe(now, utc)
        actions: list[Action] = []
        for eui, queued in self.queues.overdue(utc):
            with self._nvm.transaction():
                self.queues.remove(eui, queued.seq)
                self.pending.take(eui, queued.originator, queued.counter)
                alert = self.alerts.raise_alert(chf_alerts.GSME_COMMAND_NOT_RETRIEVED, utc)
                actions += self._raise([alert], now, utc)
            if self.queues.count(eui) == 0:
                actions.append(SetTunnelMessagePending(eui, False))
        self.pending.expire(utc)
        self.commissioning.lapse_windows(utc)
        actions += self.outbox.take(self.endpoint, self.endpoint.timer_fired(now, utc), None)
        if self._gpf is not None:
            gpf = self._gpf.endpoint
            actions += self.outbox.take(gpf, gpf.timer_fired(now, utc), None)
        return actions

    def resume(self, now: float, utc: float) -> list[Action]:
        """After a (re)start: what is still owed - unsent WAN messages, tunnel flags, join windows, the channel."""
        self._observe(now, utc)
        actions: list[Action] = []
        for endpoint in (self.endpoint, *(() if self._gpf is None else (self._gpf.endpoint,))):
            actions += self.outbox.take(endpoint, endpoint.pending(), None)
        moved = {action.seq for action in actions if isinstance(action, ToWan)}
        actions += [message for message in self.outbox.unsent() if message.seq not in moved]
        self.queues.release_in_flight()
        actions += [SetTunnelMessagePending(eui, True) for eui in self.queues.euis() if self.queues.count(eui)]
        for entry in self.device_log.entries():
            if entry.join_until is not None and entry.join_until > utc:
                seconds = int(entry.join_until - utc)
                actions.append(PermitJoin(entry.eui, entry.install_code, entry.link_key(), seconds))
        actions.append(ChangeSubGhzChannel(self.sub_ghz_channel))
        return actions
