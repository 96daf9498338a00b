"""Typed CS payloads about a device's HAN relations, firmware and clock (gbcs.md 5.4).

CS03 join / CS04 unjoin / CS07 read join details, GCS59 / GCS62 restore and back up the
GPF device log, CS06 activate firmware (and its 0x00CA alert), CS08 read PPMID/HCALCS
firmware version, CS09 and CCS08 firmware alerts, GCS28 set the GSME clock. Plain
responses that are a bare INTEGER (CS02d, CS03, CS04) decode to `ResponseCode`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from protocols.gbcs import der
from protocols.gbcs.cs.common import AlertHeader, JoinedDevice, certificate, certificate_element, exactly
from protocols.gbcs.der import Element

#: CS03 join method and role (gbcs.md 5.4).
METHOD_A_INITIATOR, METHOD_A_RESPONDER, METHOD_B, METHOD_C = range(4)


@dataclass(frozen=True, slots=True)
class ResponseCode:
    """A response that is one INTEGER: CS02d, CS03 and CS04 response codes (0 = success)."""

    code: int


@dataclass(frozen=True, slots=True)
class Empty:
    """A command whose payload is NULL (CS07, CS08), or a future-dated CS06 accepted (`05 00`)."""


@dataclass(frozen=True, slots=True)
class JoinCommand:
    """CS03: join method and role, the other device, its DeviceType, and for method C its KA certificate."""

    method: int
    other_device: bytes
    device_type: int
    certificate: bytes | None = None


@dataclass(frozen=True, slots=True)
class UnjoinCommand:
    """CS04: the entity identifier of the device to remove from the join list."""

    other_device: bytes


@dataclass(frozen=True, slots=True)
class JoinDetails:
    """CS07 response: a response code, and the joined devices when there are some."""

    code: int
    devices: tuple[JoinedDevice, ...] | None = None


@dataclass(frozen=True, slots=True)
class RestoreDeviceLog:
    """GCS59 command: the GPF device log to restore."""

    devices: tuple[JoinedDevice, ...]


@dataclass(frozen=True, slots=True)
class RestoreResult:
    device: JoinedDevice
    code: int


@dataclass(frozen=True, slots=True)
class RestoreDeviceLogResponse:
    results: tuple[RestoreResult, ...]


@dataclass(frozen=True, slots=True)
class DeviceLogBackupAlert:
    """GCS62 (0x00B2, alert 0x8071): the GPF device log."""

    header: AlertHeader
    devices: tuple[JoinedDevice, ...]


@dataclass(frozen=True, slots=True)
class ActivateFirmware:
    """CS06: the image hash, the command's originator counter, and an optional execution time."""

    image_hash: bytes
    counter: int
    execution: datetime | None = None


@dataclass(frozen=True, slots=True)
class ActivationOutcome:
    """CS06 immediate response, and the outcome inside its alert: a code (0 = activated) and the running version."""

    code: int
    version: bytes


@dataclass(frozen=True, slots=True)
class FirmwareActivationAlert:
    """0x00CA: the outcome of a future-dated CS06 (alert 8F66 / 8F67) and the counter of that command."""

    header: AlertHeader
    counter: int
    outcome: ActivationOutcome


@dataclass(frozen=True, slots=True)
class FirmwareVersion:
    """CS08 response: the firmware version and a response code (0 = success)."""

    version: bytes
    code: int


@dataclass(frozen=True, slots=True)
class FirmwareVersionAlert:
    """CS09 (0x012B, alert 8F8B from a PPMID): the version now running and a code."""

    header: AlertHeader
    version: bytes
    code: int


@dataclass(frozen=True, slots=True)
class FirmwareTransferAlert:
    """CCS08 (0x0128, from the CHF): which device, which version, and the transfer outcome (0 = success)."""

    header: AlertHeader
    device: bytes
    version: bytes
    outcome: int


@dataclass(frozen=True, slots=True)
class SetClock:
    """GCS28: the validity window of the time the GSME is given."""

    validity_start: datetime
    validity_end: datetime


@dataclass(frozen=True, slots=True)
class ClockResponse:
    """GCS28 response: the device time and its reliability (0 reliable, 1 invalid, 2 unreliable)."""

    device_time: datetime
    reliability: int


def _devices(element: Element, field_name: str) -> tuple[JoinedDevice, ...]:
    return tuple(JoinedDevice.read(item, "device") for item in der.members(element, field_name))


def _device_sequence(devices: tuple[JoinedDevice, ...]) -> Element:
    return der.sequence(*(device.element() for device in devices))


def _response_code(top: Element) -> ResponseCode:
    return ResponseCode(der.to_int(top, "response-code"))


def _empty(top: Element) -> Empty:
    der.to_null(top, "null")
    return Empty()


def _join(top: Element) -> JoinCommand:
    parts = der.members(top, "join-device")
    if len(parts) not in (3, 4):
        raise top.fail("join-device", f"{len(parts)} members where 3 or 4 were expected")
    cert = certificate(parts[3], "other-device-ka-certificate") if len(parts) == 4 else None
    return JoinCommand(
        der.to_int(parts[0], "join-method-and-role"),
        der.to_octets(parts[1], "other-device-id", 8),
        der.to_int(parts[2], "other-device-type"),
        cert,
    )


def _join_element(value: JoinCommand) -> Element:
    tail = () if value.certificate is None else (certificate_element(value.certificate),)
    return der.sequence(
        der.integer(value.method), der.octets(value.other_device), der.integer(value.device_type), *tail
    )


def _join_details(top: Element) -> JoinDetails:
    parts = der.members(top, "device-join-details")
    if len(parts) not in (1, 2):
        raise top.fail("device-join-details", f"{len(parts)} members where 1 or 2 were expected")
    devices = _devices(parts[1], "joined-devices") if len(parts) == 2 else None
    return JoinDetails(der.to_int(parts[0], "response-code"), devices)


def _join_details_element(value: JoinDetails) -> Element:
    tail = () if value.devices is None else (_device_sequence(value.devices),)
    return der.sequence(der.integer(value.code), *tail)


def _restore(top: Element) -> RestoreDeviceLog:
    (devices,) = exactly(top, "restore-gpf-device-log", 1)
    return RestoreDeviceLog(_devices(devices, "devices"))


def _restore_response(top: Element) -> RestoreDeviceLogResponse:
    (results,) = exactly(top, "restore-gpf-device-log-response", 1)
    items = []
    for item in der.members(results, "results"):
        device, code = exactly(item, "result", 2)
        items.append(RestoreResult(JoinedDevice.read(device, "device"), der.to_int(code, "join-response-code")))
    return RestoreDeviceLogResponse(tuple(items))


def _restore_response_element(value: RestoreDeviceLogResponse) -> Element:
    items = (der.sequence(result.device.element(), der.integer(result.code)) for result in value.results)
    return der.sequence(der.sequence(*items))


def _backup_alert(top: Element) -> DeviceLogBackupAlert:
    parts = exactly(top, "gpf-device-log-backup-alert", 3)
    return DeviceLogBackupAlert(AlertHeader.read(parts, "gpf-device-log-backup-alert"), _devices(parts[2], "devices"))


def _activate(top: Element) -> ActivateFirmware:
    parts = der.members(top, "activate-firmware")
    if len(parts) not in (2, 3):
        raise top.fail("activate-firmware", f"{len(parts)} members where 2 or 3 were expected")
    execution = der.to_time(parts[2], "execution-date-time") if len(parts) == 3 else None
    return ActivateFirmware(
        der.to_octets(parts[0], "image-hash", 32), der.to_int(parts[1], "originator-counter"), execution
    )


def _activate_element(value: ActivateFirmware) -> Element:
    tail = () if value.execution is None else (der.generalized_time(value.execution),)
    return der.sequence(der.octets(value.image_hash), der.integer(value.counter), *tail)


def _activation_outcome(top: Element) -> ActivationOutcome:
    code, version = exactly(top, "activation-outcome", 2)
    return ActivationOutcome(der.to_int(code, "response-code"), der.to_octets(version, "firmware-version"))


def _activation_outcome_element(value: ActivationOutcome) -> Element:
    return der.sequence(der.integer(value.code), der.octets(value.version))


def _activation_response(top: Element) -> Empty | ActivationOutcome:
    return _empty(top) if top.tag == der.NULL else _activation_outcome(top)


def _activation_alert(top: Element) -> FirmwareActivationAlert:
    parts = exactly(top, "firmware-activation-alert", 4)
    header = AlertHeader.read(parts, "firmware-activation-alert")
    return FirmwareActivationAlert(header, der.to_int(parts[2], "originator-counter"), _activation_outcome(parts[3]))


def _firmware_version(top: Element) -> FirmwareVersion:
    version, code = exactly(top, "firmware-version-details", 2)
    return FirmwareVersion(der.to_octets(version, "firmware-version"), der.to_int(code, "response-code"))


def _version_alert(top: Element) -> FirmwareVersionAlert:
    parts = exactly(top, "firmware-version-alert", 4)
    header = AlertHeader.read(parts, "firmware-version-alert")
    return FirmwareVersionAlert(header, der.to_octets(parts[2], "firmware-version"), der.to_int(parts[3], "code"))


def _transfer_alert(top: Element) -> FirmwareTransferAlert:
    parts = exactly(top, "firmware-transfer-alert", 5)
    return FirmwareTransferAlert(
        AlertHeader.read(parts, "firmware-transfer-alert"),
        der.to_octets(parts[2], "device-id", 8),
        der.to_octets(parts[3], "firmware-version"),
        der.to_int(parts[4], "transfer-outcome"),
    )


def _set_clock(top: Element) -> SetClock:
    start, end = exactly(top, "set-clock", 2)
    return SetClock(der.to_time(start, "validity-start"), der.to_time(end, "validity-end"))


def _clock_response(top: Element) -> ClockResponse:
    when, reliability = exactly(top, "clock-response", 2)
    return ClockResponse(der.to_time(when, "device-time"), der.to_int(reliability, "clock-reliability"))


#: value type -> (parse from an element, build an element)
PARSERS: dict[type, tuple[Callable[[Element], Any], Callable[[Any], Element]]] = {
    ResponseCode: (_response_code, lambda value: der.integer(value.code)),
    Empty: (_empty, lambda value: der.null()),
    JoinCommand: (_join, _join_element),
    UnjoinCommand: (
        lambda top: UnjoinCommand(der.to_octets(top, "unjoin-entity-id", 8)),
        lambda value: der.octets(value.other_device),
    ),
    JoinDetails: (_join_details, _join_details_element),
    RestoreDeviceLog: (_restore, lambda value: der.sequence(_device_sequence(value.devices))),
    RestoreDeviceLogResponse: (_restore_response, _restore_response_element),
    DeviceLogBackupAlert: (
        _backup_alert,
        lambda value: der.sequence(*value.header.elements(), _device_sequence(value.devices)),
    ),
    ActivateFirmware: (_activate, _activate_element),
    ActivationOutcome: (_activation_response, _activation_outcome_element),
    FirmwareActivationAlert: (
        _activation_alert,
        lambda value: der.sequence(
            *value.header.elements(), der.integer(value.counter), _activation_outcome_element(value.outcome)
        ),
    ),
    FirmwareVersion: (
        _firmware_version,
        lambda value: der.sequence(der.octets(value.version), der.integer(value.code)),
    ),
    FirmwareVersionAlert: (
        _version_alert,
        lambda value: der.sequence(*value.header.elements(), der.octets(value.version), der.integer(value.code)),
    ),
    FirmwareTransferAlert: (
        _transfer_alert,
        lambda value: der.sequence(
            *value.header.elements(), der.octets(value.device), der.octets(value.version), der.integer(value.outcome)
        ),
    ),
    SetClock: (
        _set_clock,
        lambda value: der.sequence(
            der.generalized_time(value.validity_start), der.generalized_time(value.validity_end)
        ),
    ),
    ClockResponse: (
        _clock_response,
        lambda value: der.sequence(der.generalized_time(value.device_time), der.integer(value.reliability)),
    ),
}
