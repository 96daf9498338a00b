"""The GPF's payload handler: the GBZ commands the GPF answers itself, and GCS59 (gbcs.md 6.3; meters.md 4.5).

A GBZ command addressed to the GPF is answered component by component, in order, with
Break On Error (a failed component makes the rest "not attempted": FAILURE, command
0xFF; NOT_FOUND is not a failure - meters.md 4.4), the response framing shared with the
GSME model (`firmware.devices.gsme.reads`):

| component | answer |
|---|---|
| Read Attributes, any cluster | from the gas mirror; UNSUPPORTED_ATTRIBUTE for what the meter has not pushed |
| Metering GetSampledData, sample id 1 (GCS61) | the GPF's daily consumption log from the earliest time |
|  | asked; NOT_FOUND when it has none |
| Metering GetSnapshot, Prepayment GetPrepaySnapshot (GCS16a/b) | the GPF's daily reads in the window, by offset |
|  | (0 the oldest found); NOT_FOUND past the last |
| Prepayment GetTopUpLog / GetDebtRepaymentLog, Events GetEventLog | NOT_FOUND: the GPF keeps no copy [?] |
| Device Management PublishChangeOfTenancy (GCS09) | kept; Default Response SUCCESS |
| anything else | UNSUP_CLUSTER_COMMAND (or UNSUP_GENERAL_COMMAND for a profile-wide command) |

Responses carrying consumption or balances are encrypted for the remote party
(meters.md 4.3) with the key `cipher_for` gives. GCS59 (ASN.1) restores the GPF device
log. The CS use cases (CS02, CS03B join with the GSME, CS07 ...) are the common CS
handler's. A payload that is neither is logged in the security log, unanswered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import zigpy.types as t

from firmware.chf.handler import UntimedHandler
from firmware.devices.gsme import reads
from firmware.devices.gsme.metering import SNAPSHOT_PAYLOAD_TYPE, TIERS_AND_BLOCKS
from firmware.devices.gsme.model import (
    MALFORMED_COMMAND,
    NOT_FOUND,
    SUCCESS,
    UNSUP_CLUSTER_COMMAND,
    UNSUP_GENERAL_COMMAND,
    Reply,
    reply,
)
from firmware.gbcs.contract import CommandContext, HandlerResult
from firmware.gpf.device_log import GpfDeviceLog
from firmware.gpf.mirror import METERING, GasMirror
from protocols import gbz
from protocols.gbcs import cs
from protocols.gbcs.cs.devices import RestoreResult
from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbz import Cipher, Component, GbzDecodeError, GbzPayload, zcl

if TYPE_CHECKING:
    from hal.nvm import Nvm

GCS59 = 0x008C
PREPAYMENT, DEVICE_MANAGEMENT, EVENTS = 0x0705, 0x0708, 0x0709
DAILY_CONSUMPTION = 1
#: (cluster, command id) of client-to-server log reads the GPF answers NOT_FOUND.
_LOGS_NOT_KEPT = frozenset({(PREPAYMENT, 0x08), (PREPAYMENT, 0x0A), (EVENTS, 0x00)})
_GET_SAMPLED_DATA = (METERING, 0x08)
#: Snapshot reads: (cluster, command id) -> (publish command, payload type) (meters.md 4.2).
_SNAPSHOT_READS = {
    (METERING, 0x06): ("publish_snapshot", SNAPSHOT_PAYLOAD_TYPE),
    (PREPAYMENT, 0x07): ("publish_prepay_snapshot", 0),
}
_PUBLISH_CHANGE_OF_TENANCY = (DEVICE_MANAGEMENT, 0x00)
_TENANCY = "gpf.change-of-tenancy"
_NO_SAMPLES_LIMIT = 0xFFFF


class GpfHandler(UntimedHandler):
    """`PayloadHandler` of the GPF's own use cases (see the module docstring)."""

    def __init__(
        self,
        nvm: Nvm,
        mirror: GasMirror,
        device_log: GpfDeviceLog,
        cipher_for: Callable[[CommandContext], Cipher | None],
    ) -> None:
        super().__init__(nvm)
        self.mirror = mirror
        self.device_log = device_log
        self._cipher_for = cipher_for

    def handle(self, payload: bytes, context: CommandContext) -> HandlerResult:
        if context.message_code == GCS59:
            return self._restore(payload, context)
        try:
            command = gbz.parse(payload)
        except GbzDecodeError as exc:
            return self._not_answered(context, str(exc))
        cipher = self._cipher_for(context)
        out: list[Component] = []
        broken = False
        for component in command.components:
            if broken:
                out.append(reads.not_attempted(component))
                continue
            answered, ok = self._component(component, cipher is not None)
            out.append(answered)
            broken = not ok
        return HandlerResult(gbz.build(GbzPayload(reads.number_encrypted(out)), cipher=cipher))

    def _component(self, component: Component, cipher_enabled: bool) -> tuple[Component, bool]:
        frame = component.frame
        if frame.profile_wide:
            if frame.command_id != zcl.READ_ATTRIBUTES or frame.server_to_client:
                return reads.default_response(component, frame.command_id, UNSUP_GENERAL_COMMAND), False
            try:
                ids = zcl.parse_read_attributes(frame.payload)
            except GbzDecodeError:
                return reads.default_response(component, frame.command_id, MALFORMED_COMMAND), False
            result = reads.read_attributes(component.cluster_id, ids, self.mirror.value)
            return reads.response_component(component, result.reply, cipher_enabled=cipher_enabled), result.ok
        key = (component.cluster_id, frame.command_id)
        if not frame.server_to_client and key in _LOGS_NOT_KEPT:
            return reads.default_response(component, frame.command_id, NOT_FOUND), True
        if not frame.server_to_client and (key == _GET_SAMPLED_DATA or key in _SNAPSHOT_READS):
            try:
                fields = zcl.decode_command(component.cluster_id, frame)
            except GbzDecodeError:
                return reads.default_response(component, frame.command_id, MALFORMED_COMMAND), False
            found = self._sampled_data(fields) if key == _GET_SAMPLED_DATA else self._snapshot(key, fields)
            if found is None:
                return reads.default_response(component, frame.command_id, NOT_FOUND), True
            return reads.response_component(component, found, cipher_enabled=cipher_enabled), True
        if frame.server_to_client and key == _PUBLISH_CHANGE_OF_TENANCY:
            try:
                fields = zcl.decode_command(component.cluster_id, frame)
            except GbzDecodeError:
                return reads.default_response(component, frame.command_id, MALFORMED_COMMAND), False
            self._nvm.put(
                _TENANCY,
                {
                    "implementation": int(fields.implementation_date_time),
                    "control": int(fields.proposed_tenancy_change_control),
                },
            )
            return reads.default_response(component, frame.command_id, SUCCESS), True
        return reads.default_response(component, frame.command_id, UNSUP_CLUSTER_COMMAND), False

    def _sampled_data(self, fields: Any) -> Reply | None:
        """GCS61: daily consumption samples from the earliest time asked (sample id 1 only)."""
        if int(fields.sample_id) != DAILY_CONSUMPTION:
            return None
        samples = [
            (time, value) for time, value in self.mirror.daily_consumption() if time >= int(fields.earliest_sample_time)
        ]
        samples = samples[: int(fields.number_of_samples) or None]
        if not samples:
            return None
        return reply(
            METERING,
            "get_sampled_data_response",
            encrypt=True,
            sample_id=DAILY_CONSUMPTION,
            sample_start_time=t.UTCTime(samples[0][0]),
            sample_type=int(fields.sample_type),
            sample_request_interval=_NO_SAMPLES_LIMIT,  # a day does not fit the u16 seconds field
            number_of_samples=len(samples),
            samples=[t.uint24_t(min(value, 0xFFFFFF)) for _, value in samples],
        )

    def _snapshot(self, key: tuple[int, int], fields: Any) -> Reply | None:
        """GCS16a / GCS16b: the offset-th daily read of the window and cause (as the GSME selects its own)."""
        cluster = key[0]
        cause = int(fields.snapshot_cause)
        earliest, latest = int(fields.earliest_start_time), int(fields.latest_end_time)
        found = [
            (seq, entry)
            for seq, entry in self.mirror.snapshots(cluster)
            if (cause == 0xFFFFFFFF or entry["cause"] & cause) and earliest <= entry["time"] <= latest
        ]
        offset = int(fields.snapshot_offset)
        if offset >= len(found):
            return None
        seq, entry = found[offset]
        name, payload_type = _SNAPSHOT_READS[key]
        return reply(
            cluster,
            name,
            encrypt=True,
            snapshot_id=seq,
            snapshot_time=t.UTCTime(entry["time"]),
            total_snapshots_found=len(found),
            command_index=0,
            total_number_of_commands=1,
            snapshot_cause=entry["cause"],
            snapshot_payload_type=t.enum8(payload_type),
            snapshot_payload=t.Bytes(_snapshot_payload(cluster, entry["values"])),
        )

    def change_of_tenancy(self) -> dict[str, int] | None:
        """The change of tenancy GCS09 last published (ZigBee UTC implementation time, control bits)."""
        tenancy: dict[str, int] | None = self._nvm.get(_TENANCY)
        return tenancy

    def _restore(self, payload: bytes, context: CommandContext) -> HandlerResult:
        try:
            value = cs.parse(GCS59, cs.COMMAND, payload)
        except GbcsDecodeError as exc:
            return self._not_answered(context, str(exc))
        codes = self.device_log.restore(value.devices)
        results = tuple(RestoreResult(device, code) for device, code in zip(value.devices, codes, strict=True))
        return HandlerResult(cs.build(cs.RestoreDeviceLogResponse(results)))


def _snapshot_payload(cluster: int, values: list[int]) -> bytes:
    """Payload type 6 (Metering: summation, tier count and four tier registers, the tiers/blocks byte, four block
    counters, u48 each) or type 0 (Prepayment: debts and balances, i32 each) (meters.md 4.2)."""
    if cluster == PREPAYMENT:
        return b"".join(int(value).to_bytes(4, "little", signed=True) for value in values)
    registers = [int(value).to_bytes(6, "little") for value in values]
    return registers[0] + bytes((4,)) + b"".join(registers[1:5]) + bytes((TIERS_AND_BLOCKS,)) + b"".join(registers[5:9])
