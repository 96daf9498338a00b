"""Typed ASN.1 payloads of the CS family (gbcs.md 5.4): `parse(code, cra, data)` and `build(value)`.

Why typed on top of `der`: the device side (firmware.gbcs) answers these use cases and
must build exact payloads from values, not byte templates; the display decoder
(`payload.asn1`) only names nodes. Which value type a payload has depends on the message
code and the CRA flag (command, response, alert), as the table below says; every RTDS
ASN.1 payload parses to a value that builds back to the same bytes.

Length form: devices write every long-form length in two bytes (`30 82 00 83`, all 31
non-minimal lengths of RTDS sit in responses and alerts, and no built part of a payload
uses `81 nn`), so `build` does the same; carried certificates keep their own forms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from protocols.gbcs import der
from protocols.gbcs.cs import credentials, devices
from protocols.gbcs.cs.common import AlertHeader, BitString, JoinedDevice, TrustAnchorCell
from protocols.gbcs.cs.credentials import (
    CellDetails,
    CredentialsDetailsRequest,
    CredentialsDetailsResponse,
    CredentialsUpdateAlert,
    DeviceCertificate,
    ExecutionOutcome,
    RemotePartyDetails,
    Replacement,
    ReplacementOutcome,
    RoleFloor,
    SpecialistFloor,
    UpdateCredentialsCommand,
    UpdateCredentialsResponse,
)
from protocols.gbcs.cs.devices import (
    ActivateFirmware,
    ActivationOutcome,
    ClockResponse,
    DeviceLogBackupAlert,
    Empty,
    FirmwareActivationAlert,
    FirmwareTransferAlert,
    FirmwareVersion,
    FirmwareVersionAlert,
    JoinCommand,
    JoinDetails,
    ResponseCode,
    RestoreDeviceLog,
    RestoreDeviceLogResponse,
    SetClock,
    UnjoinCommand,
)
from protocols.gbcs.errors import GbcsDecodeError, GbcsEncodeError

__all__ = [
    "ActivateFirmware",
    "ActivationOutcome",
    "AlertHeader",
    "BitString",
    "CellDetails",
    "ClockResponse",
    "CredentialsDetailsRequest",
    "CredentialsDetailsResponse",
    "CredentialsUpdateAlert",
    "DeviceCertificate",
    "DeviceLogBackupAlert",
    "Empty",
    "ExecutionOutcome",
    "FirmwareActivationAlert",
    "FirmwareTransferAlert",
    "FirmwareVersion",
    "FirmwareVersionAlert",
    "JoinCommand",
    "JoinDetails",
    "JoinedDevice",
    "RemotePartyDetails",
    "Replacement",
    "ReplacementOutcome",
    "ResponseCode",
    "RestoreDeviceLog",
    "RestoreDeviceLogResponse",
    "RoleFloor",
    "SetClock",
    "SpecialistFloor",
    "TrustAnchorCell",
    "UnjoinCommand",
    "UpdateCredentialsCommand",
    "UpdateCredentialsResponse",
    "build",
    "parse",
    "value_type",
]

COMMAND, RESPONSE, ALERT = 1, 2, 3
#: Bytes of every long-form length in a built payload (see the module docstring).
LONG_FORM_WIDTH = 2
CREDENTIALS_DETAILS = (0x0008, 0x011B)  #: CS02a, CS02f
CREDENTIALS_UPDATE = (*range(0x0100, 0x010A), 0x0125, 0x0126)  #: CS02b modes, CS02g
JOIN = (0x000D, 0x000E, 0x00AB, 0x00AF)  #: CS03 A1, B, A2, C
UNJOIN = (0x000F, 0x0010)  #: CS04 AC, B

#: (message code, CRA) -> the value type of its payload (gbcs.md 5.4 table).
_TYPES: dict[tuple[int, int], type] = {
    **{(code, COMMAND): CredentialsDetailsRequest for code in CREDENTIALS_DETAILS},
    **{(code, RESPONSE): CredentialsDetailsResponse for code in CREDENTIALS_DETAILS},
    **{(code, COMMAND): UpdateCredentialsCommand for code in CREDENTIALS_UPDATE},
    **{(code, RESPONSE): UpdateCredentialsResponse for code in CREDENTIALS_UPDATE},
    (0x00CB, ALERT): CredentialsUpdateAlert,
    (0x0124, ALERT): CredentialsUpdateAlert,
    (0x000B, COMMAND): DeviceCertificate,
    (0x000B, RESPONSE): ResponseCode,
    **{(code, COMMAND): JoinCommand for code in JOIN},
    **{(code, RESPONSE): ResponseCode for code in JOIN},
    **{(code, COMMAND): UnjoinCommand for code in UNJOIN},
    **{(code, RESPONSE): ResponseCode for code in UNJOIN},
    (0x0012, COMMAND): ActivateFirmware,
    (0x0012, RESPONSE): ActivationOutcome,  # or Empty: a future-dated activation accepted
    (0x00CA, ALERT): FirmwareActivationAlert,
    (0x0013, COMMAND): Empty,
    (0x0013, RESPONSE): JoinDetails,
    (0x0129, COMMAND): Empty,
    (0x0129, RESPONSE): FirmwareVersion,
    (0x012B, ALERT): FirmwareVersionAlert,
    (0x0128, ALERT): FirmwareTransferAlert,
    (0x007F, COMMAND): SetClock,
    (0x007F, RESPONSE): ClockResponse,
    (0x008C, COMMAND): RestoreDeviceLog,
    (0x008C, RESPONSE): RestoreDeviceLogResponse,
    (0x00B2, ALERT): DeviceLogBackupAlert,
}
_CODECS: dict[type, tuple[Callable[[der.Element], Any], Callable[[Any], der.Element]]] = {
    **credentials.PARSERS,
    **devices.PARSERS,
}


def value_type(message_code: int, cra: int) -> type | None:
    """The value type of a (message code, CRA) payload, or None when it is not a typed CS payload."""
    return _TYPES.get((message_code, cra))


def parse(message_code: int, cra: int, data: bytes, base: int = 0) -> Any:
    """The typed value of a CS payload; GbcsDecodeError (offset `base` + position) when it does not fit."""
    kind = value_type(message_code, cra)
    if kind is None:
        raise GbcsDecodeError(base, "payload", f"message code {message_code:#06x} CRA {cra} has no typed ASN.1 payload")
    return _CODECS[kind][0](der.parse_one(data, base))


def build(value: Any) -> bytes:
    """The DER bytes of a typed CS payload value."""
    codec = _CODECS.get(type(value))
    if codec is None:
        raise GbcsEncodeError("payload", f"{type(value).__name__} is not a typed CS payload")
    return der.build(codec[1](value), long_form_width=LONG_FORM_WIDTH)
