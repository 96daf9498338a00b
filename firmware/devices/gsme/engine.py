"""The GSME's brain: executes GBZ payloads against its ZCL model, as a sans-I/O object (gbcs.md 5.3, 6.3).

Theory of operation.

- Time. Every entry point gets `now` (loop time) and `utc` (Unix seconds) and first brings the
  meter up to date: gas used since the last accounted half hour (`consumption`), then every
  future-dated component whose time has come, each in time order (so a tariff that starts at
  09:00 prices the gas from 09:00 on). A first start replays history from the profile's
  commissioning date. `deadline()` is the next of those events in loop time, from the offset
  between the two clocks the last call taught it (until a first call it has none).
- Order and Break On Error (meters.md 0, 4.4). Components run in order; each gets exactly one
  answer (some reads expand into several Publish components with the same sequence number).
  After a failed component every later one is answered FAILURE with command id 0xFF; NOT_FOUND
  is not a failure.
- Errors come from the model: an unknown cluster, command or attribute, a payload that does not
  decode, a value the model refuses. Device faults come only from `Fault`s (profile or
  `add_fault`), matched by cluster and command or attribute - never by recognising a message.
- Future dating. A command of a future-dated use case (`handlers.FUTURE_DATED`) whose activation
  time (its own field, or the GBZ from-date-time) is later than now is held in NVM and answered
  at once as accepted; 0xFFFFFFFF cancels held components of the same command. When a held
  component runs, the GSME raises the 0x00CD alert (0x8F66 success / 0x8F67 failure) naming
  the command's message code and counter and the component's cluster, frame type and id.
- Durability. Each entry point is one `hal.nvm` transaction (joining the envelope layer's), so a
  command's effects, and the alerts' log entries, land together or not at all.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from protocols.gbz import (
    NEVER,
    Cipher,
    Component,
    GbzDecodeError,
    GbzEncodeError,
    GbzPayload,
    ZclFrame,
    build,
    parse,
    zcl,
)
from protocols.gbz.alerts import FutureDatedOutcome, ImageHash

from . import consumption, handlers, prepayment, reads
from .model import (
    FAILURE,
    INSUFFICIENT_SPACE,
    MALFORMED_COMMAND,
    UNSUP_CLUSTER_COMMAND,
    UNSUP_GENERAL_COMMAND,
    UNSUPPORTED_CLUSTER,
    Answer,
    GsmeAlert,
    Meter,
    Request,
    done,
    to_zigbee,
)
from .profile import Fault, GsmeProfile
from .state import PENDING_LIMIT, GsmeState

if TYPE_CHECKING:
    from hal.nvm import Nvm

LOGGER = logging.getLogger(__name__)
SERVED_CLUSTERS = frozenset(
    {
        zcl.BASIC,
        zcl.TIME,
        zcl.PRICE,
        zcl.METERING,
        zcl.MESSAGING,
        zcl.PREPAYMENT,
        zcl.CALENDAR,
        zcl.DEVICE_MANAGEMENT,
        zcl.EVENTS,
    }
)
#: Clusters whose attribute values the GSME pushes to its GPF mirror on wake-up (meters.md 4.5, gbcs.md 6.3).
MIRRORED_CLUSTERS = (zcl.BASIC, zcl.METERING, zcl.PREPAYMENT, zcl.PRICE)
EMPTY_RESPONSE = b"\x01\x09\x00"
FIRMWARE_RECEIPT = 0x00CF
FIRMWARE_VERIFIED, FIRMWARE_VERIFICATION_FAILED = 0x8F72, 0x8F1C
_TOP_UP = (zcl.PREPAYMENT, False, 0x04)


class CommandFacts(Protocol):
    """What the executor needs of the envelope layer's `CommandContext` (interfaces.md); read-only."""

    @property
    def message_code(self) -> int: ...
    @property
    def originator(self) -> bytes: ...
    @property
    def counter(self) -> int: ...
    @property
    def now(self) -> float: ...
    @property
    def utc(self) -> float: ...


class Gsme:
    """A SMETS2 gas meter's payload side: GBZ in, GBZ out, alerts raised; state in `nvm`."""

    def __init__(
        self,
        nvm: Nvm,
        profile: GsmeProfile,
        rng: random.Random,
        *,
        utrn_check: prepayment.UtrnCheck | None = None,
        cipher_for: Callable[[CommandFacts], Cipher | None] | None = None,
    ) -> None:
        self.state = GsmeState(nvm)
        self.profile = profile
        self.rng = rng
        self.faults: list[Fault] = list(profile.faults)
        self._fault_hits: dict[int, int] = {}
        self._utrn_check = utrn_check
        self._cipher_for = cipher_for
        self._offset: float | None = None  #: utc - now, learnt from the last call
        if not self.state.value("seeded"):
            with self.state.transaction():
                _seed(self.state, profile)

    # --- entry points ----------------------------------------------------------------------------

    def handle(self, payload: bytes, facts: CommandFacts) -> tuple[bytes | None, list[GsmeAlert]]:
        """Execute a GBZ command payload; (response payload, alerts raised meanwhile)."""
        meter = self._meter(facts.now, facts.utc)
        with self.state.transaction():
            self._catch_up(meter)
            try:
                command = parse(payload)
            except GbzDecodeError:
                return EMPTY_RESPONSE, meter.alerts
            cipher = None if self._cipher_for is None else self._cipher_for(facts)
            out: list[Component] = []
            broken = False
            for component in command.components:
                if broken:
                    out.append(reads.not_attempted(component))
                    continue
                answers, ok = self._execute(meter, component, facts, cipher is not None)
                out.extend(answers)
                broken = not ok
            response = build(GbzPayload(reads.number_encrypted(out)), cipher=cipher)
        return response, meter.alerts

    def deadline(self) -> float | None:
        """Loop time of the next self-driven event: a held component's time or the next half hour."""
        if self._offset is None:
            return None
        clock = self.state.value("clock")
        times = [entry["due"] for _seq, entry in self.state.pending()]
        if clock is not None:
            times.append(clock + consumption.SLOT)
        return None if not times else min(times) + consumption.ZIGBEE_EPOCH - self._offset

    def timer_fired(self, now: float, utc: float) -> list[GsmeAlert]:
        meter = self._meter(now, utc)
        with self.state.transaction():
            self._catch_up(meter)
        return meter.alerts

    def mirror_values(self, now: float, utc: float) -> tuple[dict[tuple[int, int], Any], list[GsmeAlert]]:
        """The attribute values the GSME pushes to its GPF mirror on wake-up, brought up to date first."""
        meter = self._meter(now, utc)
        with self.state.transaction():
            self._catch_up(meter)
        values = {
            (cluster, attr): value
            for cluster in MIRRORED_CLUSTERS
            for attr, value in self.state.attributes(cluster).items()
            if zcl.attribute_type(cluster, attr) is not None
        }
        return values, meter.alerts

    def firmware_image_received(self, image: bytes, now: float, utc: float) -> list[GsmeAlert]:
        """The 0x00CF receipt alert of a firmware image: 0x8F72 with its hash, or 0x8F1C when the check fails."""
        meter = self._meter(now, utc)
        code = FIRMWARE_VERIFICATION_FAILED if self.profile.fail_image_check else FIRMWARE_VERIFIED
        with self.state.transaction():
            meter.raise_alert(
                code, body=ImageHash(hashlib.sha256(image).digest()).build(), message_code=FIRMWARE_RECEIPT
            )
        return meter.alerts

    def add_fault(self, fault: Fault) -> None:
        self.faults.append(fault)

    def clear_faults(self) -> None:
        self.faults.clear()
        self._fault_hits.clear()

    # --- internals -------------------------------------------------------------------------------

    def _meter(self, now: float, utc: float) -> Meter:
        self._offset = utc - now
        return Meter(self.state, self.profile, self.rng, to_zigbee(utc))

    def _catch_up(self, meter: Meter) -> None:
        """Account gas and run held components in time order up to the meter's `utc`."""
        until = meter.utc
        if self.state.value("clock") is None:
            consumption.start(meter, until)
        while True:
            due = sorted(self.state.pending(), key=lambda item: (item[1]["due"], item[0]))
            if not due or due[0][1]["due"] > until:
                break
            seq, entry = due[0]
            consumption.advance(meter, entry["due"])
            meter.utc = entry["due"]
            self.state.remove_pending(seq)
            self._run_held(meter, entry)
        consumption.advance(meter, until)

    def _run_held(self, meter: Meter, entry: dict[str, Any]) -> None:
        component = Component(entry["cluster"], _frame(entry))
        key = (entry["cluster"], bool(entry["fc"] & 0x08), entry["cmd"])
        try:
            fields = zcl.decode_command(entry["cluster"], component.frame)
            request = self._request(meter, component, fields, entry["code"], entry["counter"], entry["originator"])
            answer = handlers.HANDLERS[key](meter, request)
            ok = answer.ok
        except GbzDecodeError:
            ok = False
        body = FutureDatedOutcome(entry["code"], entry["counter"], entry["cluster"], entry["fc"] & 0x07, entry["cmd"])
        meter.raise_alert(0x8F66 if ok else 0x8F67, body=body.build(), message_code=0x00CD)

    @staticmethod
    def _request(
        meter: Meter, component: Component, fields: Any, code: int, counter: int, originator: bytes
    ) -> Request:
        return Request(
            component.cluster_id,
            component.frame,
            fields,
            meter.utc,
            component.from_date_time,
            code,
            counter,
            bytes(originator),
        )

    def _fault(self, cluster_id: int, command_id: int | None = None, attribute_id: int | None = None) -> int | None:
        """The status a matching fault forces, once its `after` count of successes is used up."""
        for index, fault in enumerate(self.faults):
            if fault.cluster_id != cluster_id:
                continue
            if (command_id is not None and fault.command_id == command_id) or (
                attribute_id is not None and fault.attribute_id == attribute_id
            ):
                seen = self._fault_hits.get(index, 0)
                self._fault_hits[index] = seen + 1
                if seen >= fault.after:
                    return fault.status
        return None

    def _execute(
        self, meter: Meter, component: Component, facts: CommandFacts, cipher_enabled: bool
    ) -> tuple[list[Component], bool]:
        frame = component.frame
        if component.cluster_id not in SERVED_CLUSTERS:
            return [reads.default_response(component, frame.command_id, UNSUPPORTED_CLUSTER)], False
        if frame.profile_wide:
            if frame.command_id != zcl.READ_ATTRIBUTES or frame.server_to_client:
                return [reads.default_response(component, frame.command_id, UNSUP_GENERAL_COMMAND)], False
            try:
                ids = zcl.parse_read_attributes(frame.payload)
            except GbzDecodeError:
                return [reads.default_response(component, frame.command_id, MALFORMED_COMMAND)], False
            result = reads.read_attributes(
                component.cluster_id,
                ids,
                lambda cluster, attr: (
                    _time_attribute(meter, attr) if cluster == zcl.TIME else self.state.attribute(cluster, attr)
                ),
                lambda cluster, attr: self._fault(cluster, attribute_id=attr),
            )
            return [reads.response_component(component, result.reply, cipher_enabled=cipher_enabled)], result.ok
        answer = self._command(meter, component, facts)
        if not answer.replies:
            return [reads.default_response(component, frame.command_id, answer.status)], answer.ok
        return [
            reads.response_component(component, r, cipher_enabled=cipher_enabled) for r in answer.replies
        ], answer.ok

    def _command(self, meter: Meter, component: Component, facts: CommandFacts) -> Answer:
        frame = component.frame
        key = (component.cluster_id, frame.server_to_client, frame.command_id)
        status = self._fault(component.cluster_id, command_id=frame.command_id)
        if status is not None:
            return done(status) if status != 0 else done()
        handler = handlers.HANDLERS.get(key)
        if handler is None and key != _TOP_UP:
            return done(UNSUP_CLUSTER_COMMAND)
        try:
            fields = zcl.decode_command(component.cluster_id, frame)
        except GbzDecodeError:
            return done(MALFORMED_COMMAND)
        request = self._request(meter, component, fields, facts.message_code, facts.counter, facts.originator)
        try:
            if key == _TOP_UP:
                return prepayment.consumer_top_up(meter, request, self._utrn_check)
            assert handler is not None
            if key in handlers.FUTURE_DATED:
                held = self._hold(meter, component, fields, facts, key)
                if held is not None:
                    return held
            return handler(meter, request)
        except GbzEncodeError as exc:  # an answer our model cannot encode: a device failure, never a crash
            LOGGER.warning("GSME could not answer cluster 0x%04X command 0x%02X: %s", key[0], key[2], exc)
            return done(FAILURE)

    def _hold(
        self, meter: Meter, component: Component, fields: Any, facts: CommandFacts, key: tuple[int, bool, int]
    ) -> Answer | None:
        """Hold a future-dated component, or cancel held ones; the answer to give now, None to run it now."""
        name = handlers.FUTURE_DATED[key]
        when = component.from_date_time
        if when is None and name is not None:
            when = int(getattr(fields, name))
        if when is None or when <= meter.utc:
            return None
        accepted = handlers.ACCEPTED_NOW.get(key)
        request = self._request(meter, component, fields, facts.message_code, facts.counter, facts.originator)
        if when == NEVER:
            for seq, entry in self.state.pending():
                if (entry["cluster"], bool(entry["fc"] & 0x08), entry["cmd"]) == key:
                    self.state.remove_pending(seq)
            return accepted(meter, request) if accepted else done()
        if len(self.state.pending()) >= PENDING_LIMIT:
            return done(INSUFFICIENT_SPACE)
        frame = component.frame
        self.state.add_pending(
            {
                "due": when,
                "cluster": component.cluster_id,
                "fc": frame.frame_control,
                "seq": frame.sequence,
                "cmd": frame.command_id,
                "payload": frame.payload,
                "code": facts.message_code,
                "counter": facts.counter,
                "originator": facts.originator,
            }
        )
        return accepted(meter, request) if accepted else done()


#: Time cluster TimeStatus (ZCL 3.12.2.2.2): bit 1 synchronized - the GSME keeps the clock the CH sets (GCS28).
TIME_SYNCHRONIZED = 0x02


def _time_attribute(meter: Meter, attribute_id: int) -> int | None:
    """Time cluster reads: Time (0x0000, ZigBee UTC now) and TimeStatus (0x0001)."""
    if attribute_id == 0x0000:
        return meter.utc
    return TIME_SYNCHRONIZED if attribute_id == 0x0001 else None


def _frame(entry: dict[str, Any]) -> ZclFrame:
    return ZclFrame(entry["fc"], entry["seq"], entry["cmd"], bytes(entry["payload"]))


def _seed(state: GsmeState, profile: GsmeProfile) -> None:
    """A fresh meter from its profile: attribute values, zeroed registers, its calendars, its billing period."""
    for name in ("current_summ_delivered", *(f"current_tier{n}_summ_delivered" for n in range(1, 5))):
        state.set_attribute(zcl.METERING, zcl.attribute_id(zcl.METERING, name), 0)
    for n in range(4):
        state.set_attribute(zcl.METERING, 0x0700 + n, 0)
    for cluster_id, values in profile.attributes.items():
        for name, value in values.items():
            attr_id = zcl.attribute_id(cluster_id, name)
            kind = zcl.attribute_type(cluster_id, attr_id)
            if isinstance(value, str) and kind is not None and issubclass(kind, bytes):
                value = bytes.fromhex(value)
            elif isinstance(value, str):
                value = value.encode()
            state.set_attribute(cluster_id, attr_id, value)
    for calendar_type, calendar in ((0, profile.calendar), (3, profile.friendly_credit)):
        if calendar is None:
            continue
        state.set_value(
            f"calendar/{calendar_type}",
            {
                "id": calendar.issuer_calendar_id,
                "type": calendar_type,
                "start": 0,
                "days": {str(day.day_id): [list(entry) for entry in day.entries] for day in calendar.days},
                "weeks": {str(week): list(days) for week, days in calendar.weeks},
                "seasons": [[list(date), week] for date, week in calendar.seasons],
                "special": [[list(date), day] for date, day in calendar.special_days],
            },
        )
    period = profile.billing_period
    if period:
        start = datetime.fromisoformat(str(period["start"])).replace(tzinfo=UTC)
        state.set_value(
            "billing_period",
            {
                "event": 0,
                "start": to_zigbee(start.timestamp()),
                "duration": int(period["duration"]),
                "duration_type": int(period["duration_type"]),
                "tariff_type": 0,
            },
        )
    state.set_value("seeded", True)
