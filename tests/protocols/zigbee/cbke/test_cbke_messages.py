"""Key Establishment cluster payloads (cbke.md 7.2): layouts, round trips, typed refusals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.zigbee.cbke import (
    CbkeDecodeError,
    CbkeEncodeError,
    ConfirmKeyDataRequest,
    ConfirmKeyDataResponse,
    CryptoSuite,
    EphemeralDataRequest,
    EphemeralDataResponse,
    InitiateKeyEstablishmentRequest,
    InitiateKeyEstablishmentResponse,
    KeCommand,
    KeStatus,
    TerminateKeyEstablishment,
    UnsupportedSuiteError,
    build_ke_command,
    parse_ke_command,
)
from tests.protocols.zigbee.cbke.vectors import SUITE_1_EXCHANGE, SUITE_2_EXCHANGE, unhex

CERT_1 = unhex(SUITE_1_EXCHANGE.u_cert)
CERT_2 = unhex(SUITE_2_EXCHANGE.v_cert)

# (command, server_to_client, suite, payload hex) - cbke.md 7.2: the Initiate example with TSN 05 and
# times 10 s / 20 s is `01 05 00 | 01 00 | 0a | 14 | CERT_U`; the rest follow the same table.
VECTORS: list[tuple[KeCommand, bool, CryptoSuite, str]] = [
    (
        InitiateKeyEstablishmentRequest(CryptoSuite.SUITE_1, 10, 20, CERT_1),
        False,
        CryptoSuite.SUITE_1,
        "01000a14" + CERT_1.hex(),
    ),
    (
        InitiateKeyEstablishmentResponse(CryptoSuite.SUITE_2, 5, 6, CERT_2),
        True,
        CryptoSuite.SUITE_2,
        "02000506" + CERT_2.hex(),
    ),
    (EphemeralDataRequest(unhex(SUITE_1_EXCHANGE.u_eph_pub)), False, CryptoSuite.SUITE_1, SUITE_1_EXCHANGE.u_eph_pub),
    (EphemeralDataResponse(unhex(SUITE_2_EXCHANGE.v_eph_pub)), True, CryptoSuite.SUITE_2, SUITE_2_EXCHANGE.v_eph_pub),
    (ConfirmKeyDataRequest(unhex(SUITE_2_EXCHANGE.macu)), False, CryptoSuite.SUITE_2, SUITE_2_EXCHANGE.macu),
    (ConfirmKeyDataResponse(unhex(SUITE_2_EXCHANGE.macv)), True, CryptoSuite.SUITE_2, SUITE_2_EXCHANGE.macv),
    (TerminateKeyEstablishment(KeStatus.NO_RESOURCES, 30, CryptoSuite.SUITE_2), True, CryptoSuite.SUITE_2, "041e0200"),
    (TerminateKeyEstablishment(KeStatus.BAD_KEY_CONFIRM, 0, CryptoSuite(3)), False, CryptoSuite.SUITE_1, "02000300"),
]


@pytest.mark.parametrize(("command", "server_to_client", "suite", "payload"), VECTORS)
def test_vectors(command: KeCommand, server_to_client: bool, suite: CryptoSuite, payload: str) -> None:
    assert build_ke_command(command).hex() == payload
    parsed = parse_ke_command(command.command_id, unhex(payload), server_to_client=server_to_client, suite=suite)
    assert parsed == command and type(parsed) is type(command)


def test_suite_2_initiate_frame_fits_one_aps_payload() -> None:
    """cbke.md 7.2: 78 octets of payload, 81 with the ZCL header."""
    assert len(build_ke_command(InitiateKeyEstablishmentRequest(CryptoSuite.SUITE_2, 1, 1, CERT_2))) == 78


def test_unknown_terminate_status_still_parses() -> None:
    command = parse_ke_command(3, unhex("7f000100"), server_to_client=True)
    assert command == TerminateKeyEstablishment(0x7F, 0, CryptoSuite.SUITE_1)


def test_ephemeral_data_length_picks_the_suite_when_none_is_given() -> None:
    for key in (SUITE_1_EXCHANGE.u_eph_pub, SUITE_2_EXCHANGE.u_eph_pub):
        assert parse_ke_command(1, unhex(key), server_to_client=False) == EphemeralDataRequest(unhex(key))


@pytest.mark.parametrize(
    ("command_id", "payload", "suite", "error", "status"),
    [
        (0, "0400" + "0a14" + CERT_1.hex(), None, UnsupportedSuiteError, KeStatus.UNSUPPORTED_SUITE),
        (0, "0300" + "0a14" + CERT_1.hex(), None, CbkeDecodeError, KeStatus.BAD_MESSAGE),
        (0, "0000" + "0a14" + CERT_1.hex(), None, CbkeDecodeError, KeStatus.BAD_MESSAGE),
        (0, "0200" + "0a14" + CERT_1.hex(), None, CbkeDecodeError, KeStatus.BAD_MESSAGE),  # suite 2, 48-octet cert
        (0, "0100" + "0a14" + CERT_1.hex() + "00", None, CbkeDecodeError, KeStatus.BAD_MESSAGE),
        (0, "0100", None, CbkeDecodeError, KeStatus.BAD_MESSAGE),
        (1, SUITE_1_EXCHANGE.u_eph_pub, CryptoSuite.SUITE_2, CbkeDecodeError, KeStatus.BAD_MESSAGE),
        (1, SUITE_2_EXCHANGE.u_eph_pub[:-2], None, CbkeDecodeError, KeStatus.BAD_MESSAGE),
        (2, SUITE_2_EXCHANGE.macu[:-2], CryptoSuite.SUITE_2, CbkeDecodeError, KeStatus.BAD_MESSAGE),
        (3, "0100", None, CbkeDecodeError, KeStatus.BAD_MESSAGE),
        (4, "", None, CbkeDecodeError, KeStatus.BAD_MESSAGE),
    ],
)
def test_malformed_payloads_are_refused_with_their_status(
    command_id: int, payload: str, suite: CryptoSuite | None, error: type[CbkeDecodeError], status: KeStatus
) -> None:
    with pytest.raises(error) as raised:
        parse_ke_command(command_id, unhex(payload), server_to_client=False, suite=suite)
    assert raised.value.status == status
    assert 0 <= raised.value.offset <= len(unhex(payload))


def test_build_refuses_values_that_do_not_fit() -> None:
    with pytest.raises(CbkeEncodeError):
        build_ke_command(InitiateKeyEstablishmentRequest(CryptoSuite.SUITE_2, 1, 1, CERT_1))
    with pytest.raises(CbkeEncodeError):
        build_ke_command(ConfirmKeyDataRequest(b"short"))
    with pytest.raises(CbkeEncodeError):
        build_ke_command(EphemeralDataRequest(bytes(30)))
    with pytest.raises(CbkeEncodeError):
        build_ke_command(TerminateKeyEstablishment(KeStatus.BAD_MESSAGE, 300, CryptoSuite.SUITE_1))


def _mutations() -> st.SearchStrategy[tuple[int, bool, bytes]]:
    def mutate(base: tuple[KeCommand, bool, CryptoSuite, str], data: st.DataObject) -> tuple[int, bool, bytes]:
        command, server_to_client, _, payload = base
        octets = bytearray(unhex(payload))
        kind = data.draw(st.sampled_from(["truncate", "flip", "extend"]))
        if kind == "truncate":
            octets = octets[: data.draw(st.integers(0, len(octets)))]
        elif kind == "flip" and octets:
            index = data.draw(st.integers(0, len(octets) - 1))
            octets[index] ^= 1 << data.draw(st.integers(0, 7))
        else:
            octets += data.draw(st.binary(min_size=1, max_size=4))
        return command.command_id, server_to_client, bytes(octets)

    return st.builds(lambda base, data: mutate(base, data), st.sampled_from(VECTORS), st.data())


@settings(max_examples=300, deadline=None)
@given(case=_mutations())
def test_mutated_payloads_parse_or_fail_cleanly(case: tuple[int, bool, bytes]) -> None:
    command_id, server_to_client, payload = case
    try:
        command = parse_ke_command(command_id, payload, server_to_client=server_to_client)
    except CbkeDecodeError as error:
        assert 0 <= error.offset <= len(payload)
    else:
        assert build_ke_command(command) == payload


@settings(max_examples=200, deadline=None)
@given(command_id=st.integers(0, 5), server_to_client=st.booleans(), payload=st.binary(max_size=90))
def test_random_payloads_parse_or_fail_cleanly(command_id: int, server_to_client: bool, payload: bytes) -> None:
    try:
        command = parse_ke_command(command_id, payload, server_to_client=server_to_client)
    except CbkeDecodeError as error:
        assert 0 <= error.offset <= len(payload)
    else:
        assert build_ke_command(command) == payload
