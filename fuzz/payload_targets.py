"""The typed payload codecs and value decoders, each registered once.

DLMS (gbcs.md 5.2), GBZ (5.3), DER and the typed CS payloads (5.4), the CBKE certificates and
Key Establishment commands (cbke.md 3, 7) and the NVM value encoding (docs/nvm.md). Where
a codec needs context the message around it supplies (the message code and CRA of a CS
payload, the suite of a certificate, the command id and direction of a KE payload, command
or alert for GBZ), the first input octet chooses it and is kept for the rebuild. Seeds come
from the primers' payloads (gbcs.md's, shared with `targets.PAYLOADS`) and values our own
builders encode.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from hal.nvm import values as nvm_values
from protocols import dlms, gbz
from protocols.gbcs import GbcsDecodeError, cs, der
from protocols.zigbee import cbke
from protocols.zigbee.cbke import CbkeDecodeError, CryptoSuite, KeStatus

from .registry import NO_SELECTOR, Target, rebuild_selected, register, selected
from .targets import PAYLOADS

DLMS_ACCESS_REQUEST, DLMS_DATA_NOTIFICATION, GBZ_COMMAND, DER_SEQUENCE = PAYLOADS


# --- DLMS (gbcs.md 5.2) ------------------------------------------------------------------------


def _dlms_seeds() -> Iterable[bytes]:
    yield DLMS_ACCESS_REQUEST
    yield DLMS_DATA_NOTIFICATION
    body = dlms.structure(dlms.u16(7), dlms.octets(b"\x01\x02"), dlms.array([dlms.i8(-1), dlms.i8(2)]))
    yield dlms.build(dlms.DataNotification(dlms.LongInvokeId(0x20000001), body))  # gbcs.md 5.2: break-on-error


# --- GBZ (gbcs.md 5.3) -------------------------------------------------------------------------

#: What the first octet selects: a command or response payload, an alert, an alert with a use-case body.
GBZ_KINDS = ("payload", "alert", "alert-body")


def _gbz_parse(kind: str, data: bytes) -> Any:
    if kind == "payload":
        return gbz.parse(data)
    return gbz.parse_alert(data, body_layout=kind == "alert-body")


def _gbz_build(value: Any) -> bytes:
    return gbz.build(value) if isinstance(value, gbz.GbzPayload) else gbz.build_alert(value)


def _gbz_seeds() -> Iterable[bytes]:
    yield b"\x00" + GBZ_COMMAND
    frame = gbz.ZclFrame(frame_control=0x09, sequence=1, command_id=0x01, payload=b"\x00\x00\x00\x25\x05\x00")
    component = gbz.Component(0x0702, frame)
    yield b"\x00" + gbz.build(gbz.GbzPayload((component, component)))
    yield b"\x01" + gbz.build_alert(gbz.GbzAlert(0x8F84, 0x1F2E3D4C, (component,)))
    yield b"\x02" + gbz.build_alert(gbz.GbzAlert(0x00CF, 0x1F2E3D4C, body=b"\x09\x20" + bytes(32), count=1))


# --- DER and typed CS payloads (gbcs.md 5.4) ---------------------------------------------------

#: Every (message code, CRA) with a typed CS payload, found through the codec's public table lookup.
CS_CONTEXTS = tuple((code, cra) for code in range(0x0200) for cra in (1, 2, 3) if cs.value_type(code, cra))


def _der_seeds() -> Iterable[bytes]:
    yield DER_SEQUENCE
    long_octets = der.sequence(der.integer(-129), der.octets(bytes(130)), der.null(), der.bit_string(3, b"\xf8"))
    yield der.build(long_octets, long_form_width=2)
    yield der.build(der.sequence(der.generalized_time(datetime(2015, 1, 1, tzinfo=UTC)), tag=0xA2))


def _cs_seeds() -> Iterable[bytes]:
    for value in (
        cs.ResponseCode(0),
        cs.Empty(),
        cs.JoinCommand(method=1, other_device=bytes.fromhex("00db1234567890a1"), device_type=1),
        cs.SetClock(datetime(2015, 1, 1, tzinfo=UTC), datetime(2015, 1, 2, tzinfo=UTC)),
    ):
        selector = next(index for index, context in enumerate(CS_CONTEXTS) if cs.value_type(*context) is type(value))
        yield bytes((selector,)) + cs.build(value)


# --- CBKE (cbke.md 3, 7) -----------------------------------------------------------------------

SUITES = (CryptoSuite.SUITE_1, CryptoSuite.SUITE_2)


def _certificate_parse(suite: CryptoSuite, data: bytes) -> cbke.Certificate:
    """Parse a certificate as a Trust Centre first reads one: fields, key-agreement profile, the point."""
    certificate = cbke.parse_certificate(data, suite)
    cbke.check_key_agreement(certificate)
    cbke.SUITE_PARAMETERS[suite].curve.decompress(certificate.public_reconstruction_key, base=0)
    return certificate


def _certificates() -> list[cbke.Certificate]:
    """One certificate per suite, each with a real curve point as its public reconstruction key."""
    points = {suite: cbke.SUITE_PARAMETERS[suite].curve for suite in SUITES}
    suite_1 = cbke.Suite1Certificate(
        public_reconstruction_key=points[CryptoSuite.SUITE_1].compress(points[CryptoSuite.SUITE_1].generator),
        subject=0x0022080000000001,
        issuer=bytes.fromhex("5445535453454341"),
    )
    suite_2 = cbke.Suite2Certificate(
        serial_number=bytes.fromhex("0102030405060708"),
        issuer=bytes.fromhex("5445535453454341"),
        valid_from=1_420_070_400,
        subject=0x00DB1234567890A1,
        public_reconstruction_key=points[CryptoSuite.SUITE_2].compress(points[CryptoSuite.SUITE_2].generator),
    )
    return [suite_1, suite_2]


def _certificate_seeds() -> Iterable[bytes]:
    for index, certificate in enumerate(_certificates()):
        yield bytes((index,)) + cbke.build_certificate(certificate)


#: (command id, sent server -> client) pairs the first octet of a KE payload input selects.
KE_COMMANDS = tuple((command_id, to_client) for command_id in range(5) for to_client in (False, True))


def _ke_parse(command: tuple[int, bool], data: bytes) -> cbke.KeCommand:
    command_id, to_client = command
    return cbke.parse_ke_command(command_id, data, server_to_client=to_client)


def _ke_seeds() -> Iterable[bytes]:
    certificate = cbke.build_certificate(_certificates()[1])
    point = _certificates()[1].public_reconstruction_key
    for command in (
        cbke.InitiateKeyEstablishmentRequest(CryptoSuite.SUITE_2, 10, 20, certificate),
        cbke.EphemeralDataResponse(point),
        cbke.ConfirmKeyDataRequest(bytes(range(16))),
        cbke.TerminateKeyEstablishment(KeStatus.UNKNOWN_ISSUER, 30, CryptoSuite.SUITE_2),
    ):
        to_client = isinstance(command, cbke.EphemeralDataResponse)
        selector = KE_COMMANDS.index((command.command_id, to_client))
        yield bytes((selector,)) + cbke.build_ke_command(command)


# --- NVM values (docs/nvm.md) -------------------------------------------------------------------


def _nvm_seeds() -> Iterable[bytes]:
    yield nvm_values.encode({"counter": (1 << 64) - 1, "log": [None, True, -5, 2.5, "ünï", b"\x00\xff"], "empty": {}})
    yield nvm_values.encode([[[]], {"a": {"b": -(1 << 70)}}])


register(Target("dlms", dlms.parse, (dlms.DlmsDecodeError,), _dlms_seeds, dlms.build, notes="protocols.dlms APDUs"))
register(
    Target(
        "gbz",
        selected(GBZ_KINDS, _gbz_parse, lambda: gbz.GbzDecodeError(0, "selector", NO_SELECTOR)),
        (gbz.GbzDecodeError,),
        _gbz_seeds,
        rebuild_selected(GBZ_KINDS, lambda _kind, value: _gbz_build(value)),
        notes="protocols.gbz payloads and alerts",
    )
)
register(Target("der", der.parse, (GbcsDecodeError,), _der_seeds, der.build, notes="protocols.gbcs.der"))
register(
    Target(
        "cs",
        selected(
            CS_CONTEXTS,
            lambda context, data: cs.parse(context[0], context[1], data, base=1),
            lambda: GbcsDecodeError(0, "selector", NO_SELECTOR),
        ),
        (GbcsDecodeError,),
        _cs_seeds,
        rebuild_selected(CS_CONTEXTS, lambda _context, value: cs.build(value)),
        exact=False,
        notes="protocols.gbcs.cs typed payloads",
    )
)
register(
    Target(
        "cbke_certificate",
        selected(SUITES, _certificate_parse, lambda: CbkeDecodeError("cbke", 0, "suite", NO_SELECTOR)),
        (CbkeDecodeError,),
        _certificate_seeds,
        rebuild_selected(SUITES, lambda _suite, value: cbke.build_certificate(value)),
        max_size=160,
    )
)
register(
    Target(
        "cbke_ke",
        selected(KE_COMMANDS, _ke_parse, lambda: CbkeDecodeError("cbke", 0, "command", NO_SELECTOR)),
        (CbkeDecodeError,),
        _ke_seeds,
        rebuild_selected(KE_COMMANDS, lambda _command, value: cbke.build_ke_command(value)),
        max_size=160,
    )
)
register(
    Target(
        "nvm_value",
        nvm_values.decode,
        (nvm_values.UndecodableValue,),
        _nvm_seeds,
        nvm_values.encode,
        exact=False,
        notes="hal.nvm value encoding",
    )
)
