"""The CS use cases every GBCS device answers the same way, as a payload handler a device composes with its own.

- CS02a/CS02f, CS02b/CS02g, CS02d: `credential_cases`.
- CS03 (A1 0x000D, A2 0x00AB, B 0x000E, C 0x00AF) join, CS04 (AC 0x000F, B 0x0010) unjoin,
  CS07 (0x0013) read join details: `join_list`. CS07 answers code 0 and the list, or
  code 1 with no list when the list is empty (the RTDS CS07 error response's shape) [?].
- CS06 (0x0012) activate firmware and CS08 (0x0129) read PPMID/HCALCS firmware version,
  through the device's `FirmwareHooks`; a future-dated CS06 is answered NULL and its
  outcome raised at its time as 0x00CA (8F66 / 8F67) to the party that sent it.

A payload that does not decode as its use case's ASN.1 gets no response: it is logged in
the security log (the command itself was authentic, its content is not GBCS) [?].
`compose(common, device)` routes each message code to the handler that owns it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from firmware.gbcs import join_list as joins
from firmware.gbcs.certificates import identity
from firmware.gbcs.contract import CommandContext, HandlerResult, PayloadHandler, RaisedAlert
from firmware.gbcs.credential_cases import CredentialUseCases
from firmware.gbcs.credentials import Credentials
from firmware.gbcs.endpoint import LOG_DEPTH, SECURITY_LOG
from firmware.gbcs.schedule import CANCEL, Schedule
from protocols.gbcs import cs
from protocols.gbcs.cs.common import AlertHeader
from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.keystore import KeyUsage

if TYPE_CHECKING:
    from hal.nvm import Nvm

CS06, CS07, CS08, CS02D = 0x0012, 0x0013, 0x0129, 0x000B
FIRMWARE_ALERT = 0x00CA
ACTIVATED, ACTIVATION_FAILED = 0, 1
_NO_DEVICES = 1
_FIRMWARE_SCHEDULE = "gbcs.pending.firmware"
#: Every message code this handler answers.
CODES = frozenset((*cs.CREDENTIALS_DETAILS, *cs.CREDENTIALS_UPDATE, CS02D, *cs.JOIN, *cs.UNJOIN, CS06, CS07, CS08))


class FirmwareHooks(Protocol):
    """What CS06 and CS08 need from the device model."""

    def firmware_version(self) -> bytes: ...

    def activate_firmware(self, image_hash: bytes) -> tuple[int, bytes]:
        """Activate the distributed image with this hash: (0 activated or a failure code, version now running)."""
        ...


class FirmwareStore:
    """Default `FirmwareHooks`: the running version and the images distributed to the device, in NVM.

    Activation of a distributed image makes its version the running one and consumes the
    image; activating a hash that was not distributed (or already activated) fails with 1.
    """

    def __init__(self, nvm: Nvm, version: bytes) -> None:
        self.nvm = nvm
        if nvm.get("gbcs.firmware.version") is None:
            nvm.put("gbcs.firmware.version", version)

    def firmware_version(self) -> bytes:
        version: bytes = self.nvm.get("gbcs.firmware.version")
        return version

    def distribute(self, image_hash: bytes, version: bytes) -> None:
        """An image arrived (CS05 distribution: the hub's part): keep it until activated."""
        images = dict(self.nvm.get("gbcs.firmware.images", {}))
        images[image_hash.hex()] = version
        self.nvm.put("gbcs.firmware.images", images)

    def activate_firmware(self, image_hash: bytes) -> tuple[int, bytes]:
        images = dict(self.nvm.get("gbcs.firmware.images", {}))
        version = images.pop(image_hash.hex(), None)
        if version is None:
            return ACTIVATION_FAILED, self.firmware_version()
        with self.nvm.transaction() as tx:
            tx.put("gbcs.firmware.images", images)
            tx.put("gbcs.firmware.version", version)
        return ACTIVATED, version


class CommonCsHandler:
    """The CS payload handler (see the module docstring); `handles(code)` says which codes are its."""

    def __init__(
        self, credentials: Credentials, nvm: Nvm, device_type: int, firmware: FirmwareHooks | None = None
    ) -> None:
        self._credentials = credentials
        self.nvm = nvm
        self.joins = joins.JoinList(nvm, device_type)
        self.credential_cases = CredentialUseCases(credentials, nvm)
        self.firmware = firmware
        self._firmware_schedule = Schedule(nvm, _FIRMWARE_SCHEDULE)
        for entry in self.joins.entries():  # HAN peers' KA keys, for their MACs (PCS commands)
            self._learn_peer(entry.device.device_id, entry.certificate)

    def handles(self, message_code: int) -> bool:
        if message_code in (CS06, CS08):
            return self.firmware is not None
        return message_code in CODES

    def _learn_peer(self, eui: bytes, certificate: bytes | None) -> None:
        if certificate is None:
            return
        named = identity(certificate)
        if named.usage is KeyUsage.KA:
            self._credentials.add_device(eui, named.public_key)

    def handle(self, payload: bytes, context: CommandContext) -> HandlerResult:
        code = context.message_code
        try:
            value = cs.parse(code, cs.COMMAND, payload)
        except GbcsDecodeError as exc:
            with self.nvm.transaction() as tx:
                record = {"utc": int(context.utc), "code": 0x8F1E, "reason": "payload-malformed", "detail": str(exc)}
                tx.append(SECURITY_LOG, record | {"message_code": code, "counter": context.counter}, keep=LOG_DEPTH)
            return HandlerResult(None)
        if isinstance(value, cs.CredentialsDetailsRequest):
            return HandlerResult(cs.build(self.credential_cases.details(value)))
        if isinstance(value, cs.UpdateCredentialsCommand):
            return HandlerResult(cs.build(self.credential_cases.update(value, payload, context)))
        if isinstance(value, cs.DeviceCertificate):
            return HandlerResult(cs.build(self.credential_cases.device_certificate(value)))
        if isinstance(value, cs.JoinCommand):
            joined = cs.JoinedDevice(value.other_device, value.device_type)
            result = self.joins.join(value.method, joined, value.certificate)
            if result == joins.JOINED:
                self._learn_peer(value.other_device, value.certificate)
            return HandlerResult(cs.build(cs.ResponseCode(result)))
        if isinstance(value, cs.UnjoinCommand):
            return HandlerResult(cs.build(cs.ResponseCode(self.joins.unjoin(code, value.other_device))))
        if code == CS07:
            devices = tuple(entry.device for entry in self.joins.entries())
            details = cs.JoinDetails(0, devices) if devices else cs.JoinDetails(_NO_DEVICES)
            return HandlerResult(cs.build(details))
        if isinstance(value, cs.ActivateFirmware):
            return HandlerResult(cs.build(self._activate(value, payload, context)))
        assert self.firmware is not None and code == CS08
        return HandlerResult(cs.build(cs.FirmwareVersion(self.firmware.firmware_version(), 0)))

    def _activate(self, value: cs.ActivateFirmware, payload: bytes, context: CommandContext) -> object:
        assert self.firmware is not None
        self._firmware_schedule.observe(context.now, context.utc)
        if value.counter != context.counter:  # the payload repeats the command's counter (gbcs.md 4.7)
            return cs.ActivationOutcome(ACTIVATION_FAILED, self.firmware.firmware_version())
        if value.execution == CANCEL:
            self._firmware_schedule.cancel("activation")
            return cs.Empty()
        if value.execution is not None and value.execution.timestamp() > context.utc:
            entry = {"hash": value.image_hash, "counter": context.counter, "originator": context.originator}
            self._firmware_schedule.put("activation", value.execution, entry)
            return cs.Empty()
        return cs.ActivationOutcome(*self.firmware.activate_firmware(value.image_hash))

    def deadline(self) -> float | None:
        found = [d for d in (self.credential_cases.schedule.deadline(), self._firmware_schedule.deadline()) if d]
        return min(found) if found else None

    def timer_fired(self, now: float, utc: float) -> tuple[RaisedAlert, ...]:
        self.credential_cases.schedule.observe(now, utc)
        self._firmware_schedule.observe(now, utc)
        raised = list(self.credential_cases.due(utc))
        for _, entry in self._firmware_schedule.due(utc):
            assert self.firmware is not None
            outcome = cs.ActivationOutcome(*self.firmware.activate_firmware(entry["hash"]))
            code = 0x8F66 if outcome.code == ACTIVATED else 0x8F67
            header = AlertHeader(code, datetime.fromtimestamp(int(utc), UTC))
            alert = cs.FirmwareActivationAlert(header, entry["counter"], outcome)
            raised.append(RaisedAlert(FIRMWARE_ALERT, cs.build(alert), entry["originator"]))
        return tuple(raised)


class ComposedHandler:
    """A device's payload side made of the common CS handler and the device's own handler."""

    def __init__(self, common: CommonCsHandler, device: PayloadHandler | None = None) -> None:
        self.common = common
        self.device = device

    def handle(self, payload: bytes, context: CommandContext) -> HandlerResult:
        if self.common.handles(context.message_code):
            return self.common.handle(payload, context)
        if self.device is not None:
            return self.device.handle(payload, context)
        # A device with no use cases beyond the CS ones (PPMID, HCALCS): GBCS gives no "not supported"
        # response outside DLMS and ZCL, so the command is logged and not answered.
        with self.common.nvm.transaction() as tx:
            record = {"utc": int(context.utc), "code": 0x8F30, "reason": "use-case-not-supported"}
            tx.append(SECURITY_LOG, record | {"message_code": context.message_code}, keep=LOG_DEPTH)
        return HandlerResult(None)

    def deadline(self) -> float | None:
        found = [self.common.deadline(), None if self.device is None else self.device.deadline()]
        due = [deadline for deadline in found if deadline is not None]
        return min(due) if due else None

    def timer_fired(self, now: float, utc: float) -> tuple[RaisedAlert, ...]:
        device = self.device.timer_fired(now, utc) if self.device is not None else ()
        return self.common.timer_fired(now, utc) + tuple(device)


def compose(common: CommonCsHandler, device: PayloadHandler | None = None) -> ComposedHandler:
    """Route each message code to the common CS handler when it is one of its use cases, else to `device`."""
    return ComposedHandler(common, device)
