"""CS use cases with ASN.1 payloads (gbcs.md 5.4): credentials details (CS02a), device-to-device joins (CS03A1,
CS03A2, CS03B, CS03C) and unjoins (CS04AC, CS04B), join details (CS07), firmware (CS06, CS08), the GSME clock
(GCS28) and the GPF device log (GCS59).

Payloads are typed values of `protocols.gbcs.cs` built into DER. Join methods (gbcs.md 5.4):
A1 the ESME initiates, A2 the PPMID / HCALCS responds, B a GSME with the GPF or a Type 2
device, C a GSME with a PPMID (carrying its KA certificate).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from firmware.headend.chf import DEVICE_TYPES
from firmware.headend.parameters import Choice, Eui, Numbers, Octets, Pairs, Parameter, When, execute_at
from firmware.headend.usecase import Request, UseCase
from protocols.gbcs import cs, registry
from protocols.gbcs.cs.common import ACB, DIGITAL_SIGNATURE, KEY_AGREEMENT, JoinedDevice, TrustAnchorCell

#: Join method and role of each CS03 use case (gbcs.md 5.4).
A_INITIATOR, A_RESPONDER, METHOD_B, METHOD_C = 0, 1, 2, 3


def _asn1(
    name: str, title: str, value: Callable[[Request], Any], *, parameters: tuple[Parameter, ...] = (), target: str
) -> UseCase:
    return UseCase(name, title, target, lambda req: cs.build(value(req)), parameters, family=registry.ASN1)


def _moment(moment: Any) -> datetime:
    return datetime.fromtimestamp(moment.utc, UTC)


def _execution(moment: Any) -> datetime | None:
    """CS06's execution time: absent for now, 9999-12-31T23:59:59Z to cancel (gbcs.md 0)."""
    if moment.never:
        return datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    return None if moment.utc is None else _moment(moment)


def _credentials_details(req: Request) -> cs.CredentialsDetailsRequest:
    """CS02a: the authorising party's cell - its role, KA when the ACB's MAC is what authorises it, else DS -
    then the roles whose trust anchors are wanted."""
    role = req.originator_role if req.originator_role is not None else ACB
    usage = KEY_AGREEMENT if role == ACB else DIGITAL_SIGNATURE
    return cs.CredentialsDetailsRequest(TrustAnchorCell(role, usage), tuple(req["roles"]))


def _join(method: int) -> Callable[[Request], cs.JoinCommand]:
    def value(req: Request) -> cs.JoinCommand:
        certificate = req.values.get("certificate") or None
        return cs.JoinCommand(method, req["other"], req["other_type"], certificate)

    return value


def _join_parameters(other: str, other_type: str) -> tuple[Parameter, ...]:
    return (
        Parameter("other", Eui(), other, "EUI-64 of the device to join with"),
        Parameter("other_type", Choice(DEVICE_TYPES), other_type, "its device type"),
    )


_OTHER = Parameter("other", Eui(), "00db1234567890a4", "EUI-64 of the device to unjoin")

USE_CASES: tuple[UseCase, ...] = (
    _asn1(
        "CS02a",
        "Provide security credentials details",
        _credentials_details,
        parameters=(Parameter("roles", Numbers(0, 127, 1, 8), "1,2,3,4,5,6", "remote-party roles asked about"),),
        target="esme",
    ),
    _asn1(
        "CS03A1",
        "Join ESME to a HAN device (method A, ESME initiates)",
        _join(A_INITIATOR),
        parameters=_join_parameters("00db1234567890a4", "ppmid"),
        target="esme",
    ),
    _asn1(
        "CS03A2",
        "Join a PPMID / HCALCS to the ESME (method A, responder)",
        _join(A_RESPONDER),
        parameters=_join_parameters("00db1234567890a0", "esme"),
        target="ppmid",
    ),
    _asn1(
        "CS03B",
        "Join GSME to the GPF or a Type 2 device (method B)",
        _join(METHOD_B),
        parameters=_join_parameters("00db1234567890a3", "gpf"),
        target="gsme",
    ),
    _asn1(
        "CS03C",
        "Join GSME and PPMID (method C, with the other's KA certificate)",
        _join(METHOD_C),
        parameters=(
            *_join_parameters("00db1234567890a4", "ppmid"),
            Parameter("certificate", Octets(1, 2048), None, "the other device's KA certificate (DER, hex)"),
        ),
        target="gsme",
    ),
    _asn1(
        "CS04AC",
        "Unjoin a device (methods A and C)",
        lambda req: cs.UnjoinCommand(req["other"]),
        parameters=(_OTHER,),
        target="esme",
    ),
    _asn1(
        "CS04B",
        "Unjoin a device (method B)",
        lambda req: cs.UnjoinCommand(req["other"]),
        parameters=(Parameter("other", Eui(), "00db1234567890a3", "EUI-64 of the device to unjoin"),),
        target="gsme",
    ),
    _asn1(
        "CS06",
        "Activate firmware",
        lambda req: cs.ActivateFirmware(req["image_hash"], req.counter, _execution(req["execute_at"])),
        parameters=(
            Parameter("image_hash", Octets(32, 32), None, "SHA-256 of the image to activate (hex)"),
            execute_at("when to activate it"),
        ),
        target="esme",
    ),
    _asn1("CS07", "Read device join details", lambda req: cs.Empty(), target="esme"),
    _asn1("CS08", "Read PPMID / HCALCS firmware version", lambda req: cs.Empty(), target="ppmid"),
    _asn1(
        "GCS28",
        "Set clock on GSME",
        lambda req: cs.SetClock(_moment(req["valid_from"]), _moment(req["valid_to"])),
        parameters=(
            Parameter("valid_from", When(markers=False), "now", "start of the validity window"),
            Parameter("valid_to", When(markers=False), "+1h", "end of the validity window"),
        ),
        target="gsme",
    ),
    _asn1(
        "GCS59",
        "Restore GPF device log",
        lambda req: cs.RestoreDeviceLog(tuple(JoinedDevice(eui, kind) for eui, kind in req["devices"])),
        parameters=(
            Parameter("devices", Pairs(Choice(DEVICE_TYPES)), "00db1234567890a4=ppmid", "PPMIDs and Type 2 devices"),
        ),
        target="gpf",
    ),
)
