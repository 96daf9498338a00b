"""Key Establishment cluster (0x0800) command payloads, both directions (cbke.md 7.2).

The payload is what follows the 3-octet ZCL header; the stack builds that header (frame control
01 client -> server, 09 server -> client) and passes the command ID and direction here. Command
IDs are the same in both directions: 0x00 Initiate Key Establishment, 0x01 Ephemeral Data,
0x02 Confirm Key Data, 0x03 Terminate Key Establishment.

Lengths are fixed by the suite and nothing carries a length prefix (cbke.md 9.6), so every
payload is checked to the octet: a wrong length, several suite bits, trailing octets are
`CbkeDecodeError` (answered with BAD_MESSAGE), one unknown suite bit is `UnsupportedSuiteError`
(UNSUPPORTED_SUITE). The suite bitmap is little-endian; certificates, keys and MACs are raw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from construct import Int8ul, Int16ul, Struct, Terminated

from protocols.zigbee.cbke.codec import build_struct, exact_length, parse_struct
from protocols.zigbee.cbke.errors import CbkeDecodeError, CbkeEncodeError, KeStatus
from protocols.zigbee.cbke.suites import SUITE_PARAMETERS, CryptoSuite, suite_parameters

PROTOCOL = "zigbee.cbke.ke"
CLUSTER_ID = 0x0800
MAC_LENGTH = 16
#: Longest generate time a side may advertise, in seconds (0xFF is not a valid time).
MAX_GENERATE_TIME = 0xFE


@dataclass(frozen=True, slots=True)
class InitiateKeyEstablishment:
    """Suite (one bit), the sender's ephemeral-data and confirm-key generate times (s), its certificate."""

    command_id: ClassVar[int] = 0x00
    server_to_client: ClassVar[bool]
    suite: CryptoSuite
    ephemeral_data_generate_time: int
    confirm_key_generate_time: int
    identity: bytes


@dataclass(frozen=True, slots=True)
class InitiateKeyEstablishmentRequest(InitiateKeyEstablishment):
    server_to_client: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class InitiateKeyEstablishmentResponse(InitiateKeyEstablishment):
    server_to_client: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class EphemeralData:
    """The sender's compressed ephemeral public key (22 / 37 octets)."""

    command_id: ClassVar[int] = 0x01
    server_to_client: ClassVar[bool]
    ephemeral_data: bytes


@dataclass(frozen=True, slots=True)
class EphemeralDataRequest(EphemeralData):
    server_to_client: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class EphemeralDataResponse(EphemeralData):
    server_to_client: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class ConfirmKeyData:
    """The sender's key-confirmation MAC: MACU in the request, MACV in the response (16 octets)."""

    command_id: ClassVar[int] = 0x02
    server_to_client: ClassVar[bool]
    mac: bytes


@dataclass(frozen=True, slots=True)
class ConfirmKeyDataRequest(ConfirmKeyData):
    server_to_client: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class ConfirmKeyDataResponse(ConfirmKeyData):
    server_to_client: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class TerminateKeyEstablishment:
    """Either side ends the exchange: status (`KeStatus` value), wait time (s), the sender's suites.

    `status` stays a plain int when the code is not one `KeStatus` knows, so any terminate parses.
    """

    command_id: ClassVar[int] = 0x03
    status: int
    wait_time: int
    suites: CryptoSuite


KeCommand = (
    InitiateKeyEstablishmentRequest
    | InitiateKeyEstablishmentResponse
    | EphemeralDataRequest
    | EphemeralDataResponse
    | ConfirmKeyDataRequest
    | ConfirmKeyDataResponse
    | TerminateKeyEstablishment
)

_INITIATE_HEAD = Struct(
    "suite" / Int16ul,
    "ephemeral_data_generate_time" / Int8ul,
    "confirm_key_generate_time" / Int8ul,
)
_TERMINATE = Struct("status" / Int8ul, "wait_time" / Int8ul, "suites" / Int16ul, Terminated)
_TERMINATE_LENGTH = 4
_INITIATE_HEAD_LENGTH = 4


def parse_ke_command(
    command_id: int, payload: bytes, *, server_to_client: bool, suite: CryptoSuite | None = None
) -> KeCommand:
    """The command `command_id` (sent server -> client or not) carried by `payload`.

    `suite` fixes the ephemeral-key length of Ephemeral Data; without it the length picks the suite.
    """
    if command_id == TerminateKeyEstablishment.command_id:
        exact_length(payload, _TERMINATE_LENGTH, PROTOCOL, "terminate")
        raw = parse_struct(_TERMINATE, payload, PROTOCOL)
        return TerminateKeyEstablishment(_status(raw.status), raw.wait_time, CryptoSuite(raw.suites))
    if command_id == InitiateKeyEstablishment.command_id:
        return _parse_initiate(payload, server_to_client=server_to_client)
    if command_id == EphemeralData.command_id:
        exact_length(payload, _point_length(payload, suite), PROTOCOL, "ephemeral_data")
        return EphemeralDataResponse(payload) if server_to_client else EphemeralDataRequest(payload)
    if command_id == ConfirmKeyData.command_id:
        exact_length(payload, MAC_LENGTH, PROTOCOL, "mac")
        return ConfirmKeyDataResponse(payload) if server_to_client else ConfirmKeyDataRequest(payload)
    raise CbkeDecodeError(PROTOCOL, 0, "command_id", f"0x{command_id:02x} is not a Key Establishment command")


def _status(code: int) -> int:
    try:
        return KeStatus(code)
    except ValueError:
        return code


def _parse_initiate(payload: bytes, *, server_to_client: bool) -> KeCommand:
    if len(payload) < _INITIATE_HEAD_LENGTH:
        raise CbkeDecodeError(PROTOCOL, len(payload), "suite", f"initiate payload truncated at {len(payload)} octets")
    parameters = suite_parameters(int.from_bytes(payload[:2], "little"), protocol=PROTOCOL)
    exact_length(payload, _INITIATE_HEAD_LENGTH + parameters.certificate_length, PROTOCOL, "identity")
    head = parse_struct(_INITIATE_HEAD, payload[:_INITIATE_HEAD_LENGTH], PROTOCOL)
    kind = InitiateKeyEstablishmentResponse if server_to_client else InitiateKeyEstablishmentRequest
    return kind(
        parameters.suite,
        head.ephemeral_data_generate_time,
        head.confirm_key_generate_time,
        payload[_INITIATE_HEAD_LENGTH:],
    )


def _point_length(payload: bytes, suite: CryptoSuite | None) -> int:
    if suite is not None:
        return suite_parameters(suite, protocol=PROTOCOL).point_length
    lengths = [parameters.point_length for parameters in SUITE_PARAMETERS.values()]
    return len(payload) if len(payload) in lengths else max(lengths)


def build_ke_command(command: KeCommand) -> bytes:
    """The payload octets of `command`; `CbkeEncodeError` if a field does not fit its suite."""
    if isinstance(command, TerminateKeyEstablishment):
        return build_struct(
            _TERMINATE,
            {"status": int(command.status), "wait_time": command.wait_time, "suites": int(command.suites)},
            PROTOCOL,
        )
    if isinstance(command, InitiateKeyEstablishment):
        parameters = SUITE_PARAMETERS.get(command.suite)
        if parameters is None or len(command.identity) != parameters.certificate_length:
            raise CbkeEncodeError(PROTOCOL, "identity", "the certificate does not match the suite")
        head = build_struct(
            _INITIATE_HEAD,
            {
                "suite": int(command.suite),
                "ephemeral_data_generate_time": command.ephemeral_data_generate_time,
                "confirm_key_generate_time": command.confirm_key_generate_time,
            },
            PROTOCOL,
        )
        return head + command.identity
    if isinstance(command, EphemeralData):
        if len(command.ephemeral_data) not in [p.point_length for p in SUITE_PARAMETERS.values()]:
            raise CbkeEncodeError(PROTOCOL, "ephemeral_data", f"{len(command.ephemeral_data)} octets is no suite's key")
        return bytes(command.ephemeral_data)
    if len(command.mac) != MAC_LENGTH:
        raise CbkeEncodeError(PROTOCOL, "mac", f"a MAC is {MAC_LENGTH} octets, got {len(command.mac)}")
    return bytes(command.mac)
