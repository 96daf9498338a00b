"""The CBKE exchange machines wired back to back in memory (cbke.md 1, 7.3, 7.4): success on both
suites, the published Annex C exchanges on the wire, and every failure path with its status."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from firmware.zigbee.key_establishment import (
    Action,
    ExchangeFailed,
    FailureCause,
    KeConfig,
    KeyEstablished,
    KeyEstablishmentInitiator,
    KeyEstablishmentResponder,
    RemoveDevice,
    SendCommand,
    State,
)
from protocols.zigbee.cbke import (
    SECT283K1,
    SUITE_PARAMETERS,
    CbkeDecodeError,
    CertificateAuthority,
    ConfirmKeyDataRequest,
    ConfirmKeyDataResponse,
    CryptoSuite,
    DeviceCredentials,
    EphemeralDataRequest,
    InitiateKeyEstablishmentRequest,
    InitiateKeyEstablishmentResponse,
    KeCommand,
    KeStatus,
    Suite2Certificate,
    TerminateKeyEstablishment,
    TrustAnchor,
    build_certificate,
    build_ke_command,
    parse_certificate,
)
from tests.protocols.zigbee.cbke.vectors import SUITE_1_EXCHANGE, SUITE_2_EXCHANGE, Exchange, unhex

DEVICE = 0x00DB1234567890A0
HUB = 0x00DB0000000000AA
OTHER = 0x00DB0000000000BB
Tamper = Callable[[KeCommand], KeCommand]


@dataclass
class Authority:
    """A test CA per suite with credentials for the hub and two devices (made once, reused)."""

    cas: dict[CryptoSuite, CertificateAuthority] = field(default_factory=dict)
    issued: dict[tuple[CryptoSuite, int], DeviceCredentials] = field(default_factory=dict)

    def credentials(self, suite: CryptoSuite, eui: int) -> DeviceCredentials:
        rng = random.Random(f"{int(suite)}-{eui}").randbytes
        if suite not in self.cas:
            self.cas[suite] = CertificateAuthority.generate(suite, rng)
        if (suite, eui) not in self.issued:
            self.issued[suite, eui] = self.cas[suite].issue(eui, rng, valid_from=1_700_000_000)
        return self.issued[suite, eui]


AUTHORITY = Authority()


def rng(seed: int = 1) -> Callable[[int], bytes]:
    return random.Random(seed).randbytes


def deliver(
    target: KeyEstablishmentInitiator | KeyEstablishmentResponder, source: int, command: KeCommand, now: float
) -> list[Action]:
    return target.command_received(source, command.command_id, build_ke_command(command), now)


@dataclass
class Pair:
    """Initiator and responder exchanging commands at time `now`; `tamper` rewrites commands in flight."""

    initiator: KeyEstablishmentInitiator
    responder: KeyEstablishmentResponder
    device: int = DEVICE
    hub: int = HUB
    now: float = 100.0
    tamper: Tamper = field(default=lambda command: command)
    log: list[tuple[str, Action]] = field(default_factory=list)

    def run(self) -> list[tuple[str, Action]]:
        queue = [("device", action) for action in self.initiator.start(self.now)]
        while queue:
            side, action = queue.pop(0)
            self.log.append((side, action))
            if isinstance(action, SendCommand):
                command = self.tamper(action.command)
                if side == "device":
                    queue += [("hub", out) for out in deliver(self.responder, self.device, command, self.now)]
                else:
                    queue += [("device", out) for out in deliver(self.initiator, self.hub, command, self.now)]
        return self.log

    def outcomes(self) -> dict[str, list[Action]]:
        result: dict[str, list[Action]] = {"device": [], "hub": []}
        for side, action in self.log:
            if not isinstance(action, SendCommand):
                result[side].append(action)
        return result

    def terminates(self) -> list[tuple[str, TerminateKeyEstablishment]]:
        return [
            (side, a.command)
            for side, a in self.log
            if isinstance(a, SendCommand) and isinstance(a.command, TerminateKeyEstablishment)
        ]


def make_pair(
    suite: CryptoSuite = CryptoSuite.SUITE_2,
    *,
    device: DeviceCredentials | None = None,
    hub: list[DeviceCredentials] | None = None,
    partner: int = HUB,
    config: KeConfig | None = None,
) -> Pair:
    device_credentials = device or AUTHORITY.credentials(suite, DEVICE)
    initiator = KeyEstablishmentInitiator(credentials=device_credentials, partner=partner, rng=rng(1), config=config)
    responder = KeyEstablishmentResponder(
        credentials=hub or [AUTHORITY.credentials(suite, HUB)], rng=rng(2), config=config
    )
    return Pair(initiator, responder, device=device_credentials.subject)


@pytest.mark.parametrize("suite", [CryptoSuite.SUITE_1, CryptoSuite.SUITE_2])
def test_exchange_succeeds_and_both_sides_hold_the_same_key(suite: CryptoSuite) -> None:
    pair = make_pair(suite)
    pair.run()
    outcomes = pair.outcomes()
    assert [type(a) for a in outcomes["device"]] == [KeyEstablished] == [type(a) for a in outcomes["hub"]]
    device_key, hub_key = outcomes["device"][0], outcomes["hub"][0]
    assert isinstance(device_key, KeyEstablished) and isinstance(hub_key, KeyEstablished)
    assert device_key.link_key == hub_key.link_key and len(device_key.link_key) == 16
    assert (device_key.partner, hub_key.partner) == (HUB, DEVICE)
    sent = [type(a.command).__name__ for _, a in pair.log if isinstance(a, SendCommand)]
    assert sent == [
        "InitiateKeyEstablishmentRequest",
        "InitiateKeyEstablishmentResponse",
        "EphemeralDataRequest",
        "EphemeralDataResponse",
        "ConfirmKeyDataRequest",
        "ConfirmKeyDataResponse",
    ]
    assert pair.initiator.state == State.DONE and pair.initiator.deadline() is None
    assert pair.responder.deadline() is None and pair.responder.partner is None


@pytest.mark.parametrize("vector", [SUITE_1_EXCHANGE, SUITE_2_EXCHANGE], ids=["suite1", "suite2"])
def test_published_exchange_through_the_machines(vector: Exchange) -> None:
    """cbke.md 8.2 / 8.3 with the ephemeral keys fed through `rng`: the wire carries the Annex C
    ephemeral key, MACU and MACV, and both sides install KeyData."""
    suite = CryptoSuite(vector.suite)
    anchor = TrustAnchor.from_bytes(suite, parse_certificate(unhex(vector.u_cert), suite).issuer, unhex(vector.ca))
    u = DeviceCredentials(suite, unhex(vector.u_cert), int(vector.u_priv, 16), (anchor,))
    v = DeviceCredentials(suite, unhex(vector.v_cert), int(vector.v_priv, 16), (anchor,))

    def feed(value: str) -> Callable[[int], bytes]:
        scalar = int(value, 16) % SUITE_PARAMETERS[suite].curve.order  # V's suite-2 key exceeds n (cbke.md 9.8)
        return lambda length: scalar.to_bytes(length, "big")

    initiator = KeyEstablishmentInitiator(credentials=u, partner=vector.v_id, rng=feed(vector.u_eph_priv))
    responder = KeyEstablishmentResponder(credentials=[v], rng=feed(vector.v_eph_priv))
    pair = Pair(initiator, responder, device=vector.u_id, hub=vector.v_id)
    wire = {type(a.command).__name__: a.command for _, a in pair.run() if isinstance(a, SendCommand)}
    assert wire["EphemeralDataRequest"] == EphemeralDataRequest(unhex(vector.u_eph_pub))
    assert wire["ConfirmKeyDataRequest"] == ConfirmKeyDataRequest(unhex(vector.macu))
    assert wire["ConfirmKeyDataResponse"] == ConfirmKeyDataResponse(unhex(vector.macv))
    keys = [a.link_key.hex() for _, a in pair.log if isinstance(a, KeyEstablished)]
    assert keys == [vector.key_data] * 2


def sent(actions: list[Action]) -> list[KeCommand]:
    return [action.command for action in actions if isinstance(action, SendCommand)]


def failures(actions: list[Action]) -> list[ExchangeFailed]:
    return [action for action in actions if isinstance(action, ExchangeFailed)]


def no_keys(pair: Pair) -> bool:
    return not any(isinstance(action, KeyEstablished) for _, action in pair.log)


def test_device_certificate_from_an_unknown_issuer() -> None:
    foreign = CertificateAuthority.generate(CryptoSuite.SUITE_2, rng(9), issuer=b"FOREIGN!").issue(DEVICE, rng(9))
    pair = make_pair(device=foreign)
    pair.run()
    assert pair.terminates() == [("hub", TerminateKeyEstablishment(KeStatus.UNKNOWN_ISSUER, 10, CryptoSuite.SUITE_2))]
    device_failure = pair.outcomes()["device"]
    assert device_failure == [ExchangeFailed(HUB, FailureCause.TERMINATED_BY_PARTNER, KeStatus.UNKNOWN_ISSUER, None)]
    assert pair.outcomes()["hub"] == [
        ExchangeFailed(DEVICE, FailureCause.TERMINATED_BY_US, KeStatus.UNKNOWN_ISSUER, None)
    ]


def test_hub_certificate_from_an_issuer_the_device_does_not_trust() -> None:
    foreign_hub = CertificateAuthority.generate(CryptoSuite.SUITE_2, rng(8), issuer=b"FOREIGN!").issue(HUB, rng(8))
    own = AUTHORITY.credentials(CryptoSuite.SUITE_2, HUB)
    hub = DeviceCredentials(CryptoSuite.SUITE_2, foreign_hub.certificate, foreign_hub.private_key, own.trust_anchors)
    pair = make_pair(hub=[hub])
    pair.run()
    assert [(side, t.status) for side, t in pair.terminates()] == [("device", KeStatus.UNKNOWN_ISSUER)]
    assert no_keys(pair) and pair.initiator.state == State.FAILED


def flip_mac(kind: type[KeCommand]) -> Tamper:
    def tamper(command: KeCommand) -> KeCommand:
        if isinstance(command, kind) and isinstance(command, ConfirmKeyDataRequest | ConfirmKeyDataResponse):
            return type(command)(bytes([command.mac[0] ^ 1]) + command.mac[1:])
        return command

    return tamper


def test_bad_macu_is_refused_before_the_hub_reveals_macv() -> None:
    pair = make_pair()
    pair.tamper = flip_mac(ConfirmKeyDataRequest)
    pair.run()
    assert [(side, t.status) for side, t in pair.terminates()] == [("hub", KeStatus.BAD_KEY_CONFIRM)]
    assert not any(isinstance(a, SendCommand) and isinstance(a.command, ConfirmKeyDataResponse) for _, a in pair.log)
    assert no_keys(pair)
    assert pair.outcomes()["device"][0] == ExchangeFailed(
        HUB, FailureCause.TERMINATED_BY_PARTNER, KeStatus.BAD_KEY_CONFIRM, None
    )


def test_bad_macv_is_refused_by_the_device() -> None:
    pair = make_pair()
    pair.tamper = flip_mac(ConfirmKeyDataResponse)
    pair.run()
    assert [(side, t.status) for side, t in pair.terminates()] == [("device", KeStatus.BAD_KEY_CONFIRM)]
    assert not any(isinstance(a, KeyEstablished) for side, a in pair.log if side == "device")


def test_suite_the_hub_does_not_support() -> None:
    pair = make_pair(device=AUTHORITY.credentials(CryptoSuite.SUITE_1, DEVICE))
    pair.run()
    assert pair.terminates() == [
        ("hub", TerminateKeyEstablishment(KeStatus.UNSUPPORTED_SUITE, 10, CryptoSuite.SUITE_2))
    ]
    failure = pair.outcomes()["device"][0]
    assert isinstance(failure, ExchangeFailed) and failure.retry_after == pair.now + 10


@pytest.mark.parametrize(
    ("suite_field", "status"),
    [("0400", KeStatus.UNSUPPORTED_SUITE), ("0300", KeStatus.BAD_MESSAGE), ("0000", KeStatus.BAD_MESSAGE)],
)
def test_initiate_with_a_bad_suite_field(suite_field: str, status: KeStatus) -> None:
    responder = make_pair().responder
    certificate = AUTHORITY.credentials(CryptoSuite.SUITE_1, DEVICE).certificate
    actions = responder.command_received(DEVICE, 0, unhex(suite_field + "0a0a") + certificate, 5.0)
    assert sent(actions) == [TerminateKeyEstablishment(status, 10, CryptoSuite.SUITE_2)]
    assert responder.partner is None and responder.deadline() is None


def test_certificate_whose_subject_is_not_the_sender() -> None:
    pair = make_pair()
    pair.device = OTHER  # the device's certificate names DEVICE, but the frames come from OTHER
    pair.run()
    assert [(side, t.status) for side, t in pair.terminates()] == [("hub", KeStatus.INVALID_CERTIFICATE)]


def test_suite_2_certificate_without_key_agreement_usage() -> None:
    own = AUTHORITY.credentials(CryptoSuite.SUITE_2, DEVICE)
    parsed = own.parsed
    assert isinstance(parsed, Suite2Certificate)
    signing_only = build_certificate(
        Suite2Certificate(
            parsed.serial_number,
            parsed.issuer,
            parsed.valid_from,
            parsed.subject,
            parsed.public_reconstruction_key,
            key_usage=0x80,
        )
    )
    pair = make_pair(device=DeviceCredentials(CryptoSuite.SUITE_2, signing_only, own.private_key, own.trust_anchors))
    pair.run()
    assert [(side, t.status) for side, t in pair.terminates()] == [("hub", KeStatus.INVALID_CERTIFICATE)]


def started(
    config_device: KeConfig | None = None, config_hub: KeConfig | None = None
) -> tuple[KeyEstablishmentInitiator, KeyEstablishmentResponder, EphemeralDataRequest]:
    """An exchange run up to the device's Ephemeral Data Request (not yet delivered), at t = 10."""
    initiator = KeyEstablishmentInitiator(
        credentials=AUTHORITY.credentials(CryptoSuite.SUITE_2, DEVICE), partner=HUB, rng=rng(1), config=config_device
    )
    responder = KeyEstablishmentResponder(
        credentials=[AUTHORITY.credentials(CryptoSuite.SUITE_2, HUB)], rng=rng(2), config=config_hub
    )
    (request,) = sent(initiator.start(10.0))
    (response,) = sent(deliver(responder, DEVICE, request, 10.0))
    (ephemeral,) = sent(deliver(initiator, HUB, response, 10.0))
    assert isinstance(ephemeral, EphemeralDataRequest)
    return initiator, responder, ephemeral


@pytest.mark.parametrize(("payload_length"), [36, 38, 22])
def test_wrong_length_ephemeral_data_is_a_bad_message(payload_length: int) -> None:
    _, responder, _ = started()
    actions = responder.command_received(DEVICE, 1, b"\x02" + bytes(payload_length - 1), 11.0)
    assert sent(actions) == [TerminateKeyEstablishment(KeStatus.BAD_MESSAGE, 10, CryptoSuite.SUITE_2)]
    assert failures(actions)[0].cause == FailureCause.TERMINATED_BY_US
    assert responder.partner is None and responder.deadline() is None


def test_ephemeral_data_that_is_not_a_point() -> None:
    _, responder, ephemeral = started()
    payload = next(
        ephemeral.ephemeral_data[:-1] + bytes([last])
        for last in range(256)
        if not _is_point(ephemeral.ephemeral_data[:-1] + bytes([last]))
    )
    actions = responder.command_received(DEVICE, 1, payload, 11.0)
    assert sent(actions) == [TerminateKeyEstablishment(KeStatus.BAD_MESSAGE, 10, CryptoSuite.SUITE_2)]


def _is_point(encoded: bytes) -> bool:
    try:
        SECT283K1.decompress(encoded)
    except CbkeDecodeError:
        return False
    return True


def test_command_out_of_turn_is_a_bad_message() -> None:
    initiator, responder, _ = started()
    actions = deliver(responder, DEVICE, ConfirmKeyDataRequest(bytes(16)), 11.0)
    assert sent(actions) == [TerminateKeyEstablishment(KeStatus.BAD_MESSAGE, 10, CryptoSuite.SUITE_2)]
    # and the device, waiting for Ephemeral Data Response, refuses a Confirm Key Data Response
    actions = deliver(initiator, HUB, ConfirmKeyDataResponse(bytes(16)), 11.0)
    assert sent(actions) == [TerminateKeyEstablishment(KeStatus.BAD_MESSAGE, 10, CryptoSuite.SUITE_2)]
    assert initiator.state == State.FAILED


def test_response_naming_another_suite() -> None:
    initiator, _, _ = started()
    initiator.start(20.0)
    hub_suite_1 = AUTHORITY.credentials(CryptoSuite.SUITE_1, HUB).certificate
    actions = deliver(initiator, HUB, InitiateKeyEstablishmentResponse(CryptoSuite.SUITE_1, 1, 1, hub_suite_1), 21.0)
    assert sent(actions) == [TerminateKeyEstablishment(KeStatus.UNSUPPORTED_SUITE, 10, CryptoSuite.SUITE_2)]


def test_partner_terminate_ends_the_exchange() -> None:
    initiator, responder, _ = started()
    actions = deliver(initiator, HUB, TerminateKeyEstablishment(KeStatus.NO_RESOURCES, 30, CryptoSuite.SUITE_2), 12.0)
    assert actions == [ExchangeFailed(HUB, FailureCause.TERMINATED_BY_PARTNER, KeStatus.NO_RESOURCES, 42.0)]
    assert initiator.deadline() is None
    actions = deliver(responder, DEVICE, TerminateKeyEstablishment(KeStatus.BAD_MESSAGE, 5, CryptoSuite.SUITE_2), 12.0)
    assert actions == [ExchangeFailed(DEVICE, FailureCause.TERMINATED_BY_PARTNER, KeStatus.BAD_MESSAGE, 17.0)]
    assert responder.partner is None


def test_deadlines_follow_the_advertised_times_plus_the_margin() -> None:
    """cbke.md 7.4: each side waits the partner's generate time + transport margin."""
    device_config = KeConfig(ephemeral_data_generate_time=3, confirm_key_generate_time=4, initiate_timeout=7.0)
    hub_config = KeConfig(ephemeral_data_generate_time=5, confirm_key_generate_time=6)
    initiator = KeyEstablishmentInitiator(
        credentials=AUTHORITY.credentials(CryptoSuite.SUITE_2, DEVICE), partner=HUB, rng=rng(1), config=device_config
    )
    responder = KeyEstablishmentResponder(
        credentials=[AUTHORITY.credentials(CryptoSuite.SUITE_2, HUB)], rng=rng(2), config=hub_config
    )
    (request,) = sent(initiator.start(10.0))
    assert initiator.deadline() == 17.0
    (response,) = sent(deliver(responder, DEVICE, request, 11.0))
    assert responder.deadline() == 11.0 + 3 + 10
    (ephemeral,) = sent(deliver(initiator, HUB, response, 12.0))
    assert initiator.deadline() == 12.0 + 5 + 10
    (ephemeral_response,) = sent(deliver(responder, DEVICE, ephemeral, 13.0))
    assert responder.deadline() == 13.0 + 4 + 10
    (confirm,) = sent(deliver(initiator, HUB, ephemeral_response, 14.0))
    assert initiator.deadline() == 14.0 + 6 + 10
    assert initiator.timer_fired(29.9) == []  # early (stale) timer: nothing
    assert initiator.timer_fired(30.0) == [ExchangeFailed(HUB, FailureCause.TIMEOUT, None, 30.0)]
    assert initiator.deadline() is None and initiator.state == State.FAILED
    assert responder.timer_fired(26.9) == []
    assert responder.timer_fired(27.0) == [ExchangeFailed(DEVICE, FailureCause.TIMEOUT, None, 27.0)]
    assert deliver(responder, DEVICE, confirm, 28.0)[0] == SendCommand(
        DEVICE, TerminateKeyEstablishment(KeStatus.BAD_MESSAGE, 10, CryptoSuite.SUITE_2)
    )  # the keys are gone: a late confirm is a command for no exchange


def test_initiator_times_out_without_any_answer() -> None:
    initiator = KeyEstablishmentInitiator(
        credentials=AUTHORITY.credentials(CryptoSuite.SUITE_2, DEVICE), partner=HUB, rng=rng(1)
    )
    initiator.start(0.0)
    assert initiator.deadline() == 20.0
    assert initiator.timer_fired(20.0) == [ExchangeFailed(HUB, FailureCause.TIMEOUT, None, 20.0)]
    assert initiator.timer_fired(40.0) == []


def test_hub_runs_one_exchange_at_a_time() -> None:
    initiator, responder, ephemeral = started()
    other = AUTHORITY.credentials(CryptoSuite.SUITE_2, OTHER)
    second = InitiateKeyEstablishmentRequest(CryptoSuite.SUITE_2, 10, 10, other.certificate)
    actions = deliver(responder, OTHER, second, 11.0)
    assert actions == [
        SendCommand(OTHER, TerminateKeyEstablishment(KeStatus.NO_RESOURCES, 30, CryptoSuite.SUITE_2)),
        ExchangeFailed(OTHER, FailureCause.TERMINATED_BY_US, KeStatus.NO_RESOURCES, 41.0),
    ]
    (response,) = sent(deliver(responder, DEVICE, ephemeral, 12.0))  # the running exchange goes on
    (confirm,) = sent(deliver(initiator, HUB, response, 12.0))
    assert any(isinstance(a, KeyEstablished) for a in deliver(responder, DEVICE, confirm, 13.0))


def test_commands_for_no_exchange() -> None:
    responder = make_pair().responder
    bad = deliver(responder, OTHER, ConfirmKeyDataRequest(bytes(16)), 1.0)
    assert sent(bad) == [TerminateKeyEstablishment(KeStatus.BAD_MESSAGE, 10, CryptoSuite.SUITE_2)]
    assert deliver(responder, OTHER, TerminateKeyEstablishment(1, 0, CryptoSuite.SUITE_2), 1.0) == []
    initiator, _, _ = started()
    assert deliver(initiator, OTHER, TerminateKeyEstablishment(1, 0, CryptoSuite.SUITE_2), 1.0) == []  # a stranger
    assert initiator.state == State.WAIT_EPHEMERAL_DATA


def test_trust_centre_removes_a_device_that_never_finishes_cbke() -> None:
    responder = make_pair().responder
    responder.device_joined(OTHER, 0.0)
    assert responder.deadline() == 120.0
    assert responder.timer_fired(119.0) == []
    assert responder.timer_fired(120.0) == [RemoveDevice(OTHER)]
    assert responder.deadline() is None


def test_a_device_that_finishes_cbke_is_kept() -> None:
    pair = make_pair()
    pair.responder.device_joined(DEVICE, 0.0)
    pair.run()
    assert any(isinstance(a, KeyEstablished) for _, a in pair.log)
    assert pair.responder.deadline() is None and pair.responder.timer_fired(500.0) == []


def test_a_device_may_retry_until_its_deadline() -> None:
    pair = make_pair()
    pair.responder.device_joined(DEVICE, 0.0)
    pair.tamper = flip_mac(ConfirmKeyDataRequest)
    pair.run()
    assert pair.responder.deadline() == 120.0  # failed once, still expected
    pair.tamper = lambda command: command
    pair.log.clear()
    pair.run()
    assert [type(a) for a in pair.outcomes()["hub"]] == [KeyEstablished]
    assert pair.responder.deadline() is None
