"""Certificate-Based Key Establishment as two sans-I/O machines: the joining device (initiator,
Key Establishment client) and the Trust Centre (responder, server) - cbke.md 1, 6 and 7.

Theory of operation
-------------------
Each machine takes what happened (`start`, `command_received`, `timer_fired`, and for the Trust
Centre `device_joined`) with `now` (hal.clock loop seconds) and returns actions: `SendCommand`
(a Key Establishment command for the stack to wrap in a ZCL frame on cluster 0x0800),
`KeyEstablished` (install the new link key), `ExchangeFailed`, and for the Trust Centre
`RemoveDevice`. `deadline()` is the next time `timer_fired` has work; a stale call does nothing.
Randomness (the ephemeral keys) comes from the injected `rng`, so a test replays an exchange.

The exchange, initiator U and responder V (cbke.md 1):

    U: Initiate Request (suite, U's times, CERT_U)  -> V checks suite, issuer, subject
    V: Initiate Response (suite, V's times, CERT_V) -> U checks the same
    U: Ephemeral Data Request (QE_U)                -> V makes QE_V, computes Z, MacKey, KeyData
    V: Ephemeral Data Response (QE_V)               -> U computes Z, MacKey, KeyData, MACU
    U: Confirm Key Data Request (MACU)              -> V checks MACU, then answers MACV, installs KeyData
    V: Confirm Key Data Response (MACV)             -> U checks MACV, installs KeyData

`EXPECTED` (below) is the transition table: in each waiting state, the one command that moves the
exchange on. Rules for everything else, and why:
- Timers (cbke.md 7.4): a side waits for the partner's next message the partner's advertised
  generate time plus `transport_margin` (Ember and Exegin use 10 s); U waits
  `initiate_timeout` for the first answer, as V advertises nothing before it. Expiry abandons
  the exchange and discards the keys without sending anything (TIMEOUT is a local status).
- Faults answer with Terminate Key Establishment and end the exchange (cbke.md 7.3): a payload
  of the wrong length, several suite bits or a command out of turn is BAD_MESSAGE; one unknown
  suite bit, or a suite we hold no certificate for, UNSUPPORTED_SUITE (with our suite bitmap so
  the partner can choose); a certificate from an issuer we do not trust UNKNOWN_ISSUER; a
  suite-2 certificate with wrong fields, no key-agreement usage, a subject that is not the
  partner or an invalid point INVALID_CERTIFICATE (SE 1.2; Ember sends BAD_MESSAGE for the
  subject); a MAC that does not verify BAD_KEY_CONFIRM. The responder checks MACU before it
  sends MACV, so a partner without the private key learns nothing.
- A Terminate from the partner ends the exchange; its wait time is when a retry may start,
  except after UNKNOWN_ISSUER or BAD_KEY_CONFIRM, where retrying the same partner is pointless
  (`ExchangeFailed.retry_after` is None then).
- The Trust Centre runs one exchange at a time (cbke.md 7.4): another device's Initiate gets
  NO_RESOURCES with `busy_wait_time`; a new Initiate from the current partner restarts its
  exchange. Commands from devices with no exchange get BAD_MESSAGE. Frames from anyone but the
  partner never touch the initiator. Duplicate APS frames are the APS layer's to filter.
- A device the Trust Centre was told had joined (`device_joined`) must finish CBKE within
  `join_deadline`, else `RemoveDevice` (radio.md 5.7); failed attempts may be retried until then.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from protocols.zigbee.cbke import (
    SUITE_PARAMETERS,
    AffinePoint,
    CbkeDecodeError,
    CertificateError,
    ConfirmKeyDataRequest,
    ConfirmKeyDataResponse,
    CryptoSuite,
    DeviceCredentials,
    EphemeralDataRequest,
    EphemeralDataResponse,
    ImplicitPublicKey,
    InitiateKeyEstablishmentRequest,
    InitiateKeyEstablishmentResponse,
    KeCommand,
    KeStatus,
    RandomBytes,
    TerminateKeyEstablishment,
    UnknownIssuerError,
    UnsupportedSuiteError,
    check_key_agreement,
    derive_keys,
    ecmqv,
    implicit_public_key,
    initiator_mac,
    macs_equal,
    parse_certificate,
    parse_ke_command,
    random_scalar,
    responder_mac,
)

PROTOCOL = "zigbee.cbke.exchange"
#: Statuses after which trying the same partner again cannot succeed (cbke.md 7.4).
FINAL_STATUSES = frozenset({KeStatus.UNKNOWN_ISSUER, KeStatus.BAD_KEY_CONFIRM})


@dataclass(frozen=True, slots=True)
class KeConfig:
    """Times of the exchange, seconds (cbke.md 7.4). Generate times are what we advertise."""

    ephemeral_data_generate_time: int = 10
    confirm_key_generate_time: int = 10
    transport_margin: float = 10.0
    initiate_timeout: float = 20.0
    wait_time: int = 10
    busy_wait_time: int = 30
    join_deadline: float = 120.0


class State(Enum):
    IDLE = "idle"
    WAIT_INITIATE_RESPONSE = "wait-initiate-response"
    WAIT_INITIATE_REQUEST = "wait-initiate-request"
    WAIT_EPHEMERAL_DATA = "wait-ephemeral-data"
    WAIT_CONFIRM_KEY = "wait-confirm-key"
    DONE = "done"
    FAILED = "failed"


#: The transition table: per role (True = initiator) and waiting state, the command that moves
#: the exchange on and the state it leads to (DONE ends with `KeyEstablished`).
EXPECTED: dict[tuple[bool, State], tuple[type[KeCommand], State]] = {
    (True, State.WAIT_INITIATE_RESPONSE): (InitiateKeyEstablishmentResponse, State.WAIT_EPHEMERAL_DATA),
    (True, State.WAIT_EPHEMERAL_DATA): (EphemeralDataResponse, State.WAIT_CONFIRM_KEY),
    (True, State.WAIT_CONFIRM_KEY): (ConfirmKeyDataResponse, State.DONE),
    (False, State.WAIT_INITIATE_REQUEST): (InitiateKeyEstablishmentRequest, State.WAIT_EPHEMERAL_DATA),
    (False, State.WAIT_EPHEMERAL_DATA): (EphemeralDataRequest, State.WAIT_CONFIRM_KEY),
    (False, State.WAIT_CONFIRM_KEY): (ConfirmKeyDataRequest, State.DONE),
}


class FailureCause(Enum):
    TIMEOUT = "timeout"
    TERMINATED_BY_US = "terminated-by-us"
    TERMINATED_BY_PARTNER = "terminated-by-partner"


@dataclass(frozen=True, slots=True)
class SendCommand:
    """Send `command` to `partner` (EUI-64) on the Key Establishment cluster, NWK security only."""

    partner: int
    command: KeCommand


@dataclass(frozen=True, slots=True)
class KeyEstablished:
    """The exchange with `partner` succeeded: `link_key` replaces its (TC) link key."""

    partner: int
    suite: CryptoSuite
    link_key: bytes


@dataclass(frozen=True, slots=True)
class ExchangeFailed:
    """The exchange with `partner` ended without a key; keys were discarded.

    `status` is the Terminate status sent or received (None on a timeout); `retry_after` the
    earliest loop time a new attempt with this partner makes sense, None when it never does.
    """

    partner: int
    cause: FailureCause
    status: int | None
    retry_after: float | None


@dataclass(frozen=True, slots=True)
class RemoveDevice:
    """Trust Centre: `device` joined but did not finish CBKE by its deadline; remove it."""

    device: int


Action = SendCommand | KeyEstablished | ExchangeFailed | RemoveDevice


@dataclass(slots=True)
class _Exchange:
    """The crypto state of one exchange, shared by both roles; dropped when the exchange ends."""

    partner: int
    credentials: DeviceCredentials
    partner_generate_times: tuple[int, int] = (0, 0)
    partner_static: ImplicitPublicKey | None = None
    ephemeral_private: int = 0
    ephemeral_public: AffinePoint | None = None
    ephemeral_bytes: bytes = b""
    expected_mac: bytes = b""
    reply_mac: bytes = b""
    link_key: bytes = b""

    @property
    def suite(self) -> CryptoSuite:
        return self.credentials.suite

    def accept_certificate(self, identity: bytes) -> None:
        """Check the partner's certificate (cbke.md 3) and keep its static key's parts (cbke.md 4),
        which ECMQV folds into its own sum."""
        certificate = parse_certificate(identity, self.suite)
        check_key_agreement(certificate)
        anchor = self.credentials.anchor(certificate.issuer)
        if anchor is None:
            raise UnknownIssuerError(PROTOCOL, 0, "issuer", f"issuer {certificate.issuer.hex()} is not trusted")
        if certificate.subject != self.partner:
            raise CertificateError(
                PROTOCOL, 0, "subject", f"subject {certificate.subject:016x} is not the partner {self.partner:016x}"
            )
        self.partner_static = implicit_public_key(identity, self.suite, anchor.public_key)

    def make_ephemeral(self, rng: RandomBytes) -> bytes:
        curve = SUITE_PARAMETERS[self.suite].curve
        while True:
            self.ephemeral_private = random_scalar(rng, curve.order)
            self.ephemeral_public = curve.multiply_generator(self.ephemeral_private)
            if self.ephemeral_public is not None:
                self.ephemeral_bytes = curve.compress(self.ephemeral_public)
                return self.ephemeral_bytes

    def agree(self, partner_ephemeral: bytes, *, initiator: bool) -> None:
        """Z, the keys, and both MACs: the one we expect from the partner and the one we send."""
        curve = SUITE_PARAMETERS[self.suite].curve
        partner_point = curve.decompress(partner_ephemeral, protocol=PROTOCOL)
        assert self.partner_static is not None and self.ephemeral_public is not None
        keys = derive_keys(
            ecmqv(
                curve,
                static_private=self.credentials.private_key,
                ephemeral_private=self.ephemeral_private,
                ephemeral_public=self.ephemeral_public,
                partner_static=self.partner_static,
                partner_ephemeral=partner_point,
            )
        )
        own, other = self.credentials.subject, self.partner
        if initiator:
            macu = initiator_mac(keys.mac_key, own, other, self.ephemeral_bytes, partner_ephemeral)
            macv = responder_mac(keys.mac_key, own, other, self.ephemeral_bytes, partner_ephemeral)
            self.reply_mac, self.expected_mac = macu, macv
        else:
            macu = initiator_mac(keys.mac_key, other, own, partner_ephemeral, self.ephemeral_bytes)
            macv = responder_mac(keys.mac_key, other, own, partner_ephemeral, self.ephemeral_bytes)
            self.expected_mac, self.reply_mac = macu, macv
        self.link_key = keys.key_data


class _Machine(ABC):
    """What both roles share: one exchange, its state and timer, and how an exchange ends."""

    initiator: bool

    def __init__(self, *, rng: RandomBytes, config: KeConfig) -> None:
        self._rng = rng
        self.config = config
        self.state = State.IDLE
        self._exchange: _Exchange | None = None
        self._timer: float | None = None

    @property
    def partner(self) -> int | None:
        return None if self._exchange is None else self._exchange.partner

    def _exchange_deadline(self) -> float | None:
        return self._timer

    def _wait(self, state: State, now: float, seconds: float) -> None:
        self.state = state
        self._timer = now + seconds

    def _end(self, state: State) -> None:
        self.state = state
        self._exchange = None
        self._timer = None

    @abstractmethod
    def _suites(self) -> CryptoSuite:
        """The suite bitmap our Terminates carry."""

    def _terminate(self, partner: int, status: KeStatus, now: float, *, ends_exchange: bool = True) -> list[Action]:
        wait = self.config.busy_wait_time if status == KeStatus.NO_RESOURCES else self.config.wait_time
        if ends_exchange:
            self._end(State.FAILED)
        retry = None if status in FINAL_STATUSES else now + wait
        return [
            SendCommand(partner, TerminateKeyEstablishment(status, wait, self._suites())),
            ExchangeFailed(partner, FailureCause.TERMINATED_BY_US, status, retry),
        ]

    def _partner_terminated(self, partner: int, command: TerminateKeyEstablishment, now: float) -> list[Action]:
        self._end(State.FAILED)
        retry = None if command.status in FINAL_STATUSES else now + command.wait_time
        return [ExchangeFailed(partner, FailureCause.TERMINATED_BY_PARTNER, command.status, retry)]

    def _exchange_timer(self, now: float) -> list[Action]:
        if self._timer is None or now < self._timer or self._exchange is None:
            return []
        partner = self._exchange.partner
        self._end(State.FAILED)
        return [ExchangeFailed(partner, FailureCause.TIMEOUT, None, now)]

    def _advance(self, source: int, command_id: int, payload: bytes, now: float) -> list[Action]:
        """Handle a command from the current partner: parse, check it is the expected one, step."""
        exchange = self._exchange
        assert exchange is not None
        try:
            command = parse_ke_command(command_id, payload, server_to_client=self.initiator, suite=exchange.suite)
        except CbkeDecodeError as exc:
            return self._terminate(source, exc.status, now)
        if isinstance(command, TerminateKeyEstablishment):
            return self._partner_terminated(source, command, now)
        expected, next_state = EXPECTED.get((self.initiator, self.state), (None, self.state))
        if expected is None or not isinstance(command, expected):
            return self._terminate(source, KeStatus.BAD_MESSAGE, now)
        try:
            return self._step(exchange, command, next_state, now)
        except CbkeDecodeError as exc:
            return self._terminate(source, exc.status, now)

    @abstractmethod
    def _step(self, exchange: _Exchange, command: KeCommand, next_state: State, now: float) -> list[Action]:
        """Act on the expected `command` (already checked against `EXPECTED`)."""

    def _confirm(self, exchange: _Exchange, mac: bytes, now: float) -> list[Action]:
        """Check the partner's MAC; on success the exchange is DONE and its key installed."""
        if not macs_equal(mac, exchange.expected_mac):
            return self._terminate(exchange.partner, KeStatus.BAD_KEY_CONFIRM, now)
        self._end(State.DONE)
        return [KeyEstablished(exchange.partner, exchange.suite, exchange.link_key)]


class KeyEstablishmentInitiator(_Machine):
    """The joining device's side (KE client): one exchange with the Trust Centre `partner`."""

    initiator = True

    def __init__(
        self, *, credentials: DeviceCredentials, partner: int, rng: RandomBytes, config: KeConfig | None = None
    ) -> None:
        super().__init__(rng=rng, config=config or KeConfig())
        self._credentials = credentials
        self._partner = partner

    def _suites(self) -> CryptoSuite:
        return self._credentials.suite

    def deadline(self) -> float | None:
        return self._exchange_deadline()

    def start(self, now: float) -> list[Action]:
        """Begin (or begin again, after a failure): send the Initiate Key Establishment Request."""
        self._exchange = _Exchange(self._partner, self._credentials)
        self._wait(State.WAIT_INITIATE_RESPONSE, now, self.config.initiate_timeout)
        request = InitiateKeyEstablishmentRequest(
            self._credentials.suite,
            self.config.ephemeral_data_generate_time,
            self.config.confirm_key_generate_time,
            self._credentials.certificate,
        )
        return [SendCommand(self._partner, request)]

    def command_received(self, source: int, command_id: int, payload: bytes, now: float) -> list[Action]:
        """A server-to-client Key Establishment command from `source` (EUI-64)."""
        if self._exchange is None or source != self._partner:
            return []  # not in an exchange, or not our partner: nothing of ours to answer
        return self._advance(source, command_id, payload, now)

    def timer_fired(self, now: float) -> list[Action]:
        return self._exchange_timer(now)

    def _step(self, exchange: _Exchange, command: KeCommand, next_state: State, now: float) -> list[Action]:
        margin = self.config.transport_margin
        if isinstance(command, InitiateKeyEstablishmentResponse):
            if command.suite != exchange.suite:
                return self._terminate(exchange.partner, KeStatus.UNSUPPORTED_SUITE, now)
            exchange.accept_certificate(command.identity)
            exchange.partner_generate_times = (command.ephemeral_data_generate_time, command.confirm_key_generate_time)
            ephemeral = exchange.make_ephemeral(self._rng)
            self._wait(next_state, now, exchange.partner_generate_times[0] + margin)
            return [SendCommand(exchange.partner, EphemeralDataRequest(ephemeral))]
        if isinstance(command, EphemeralDataResponse):
            exchange.agree(command.ephemeral_data, initiator=True)
            self._wait(next_state, now, exchange.partner_generate_times[1] + margin)
            return [SendCommand(exchange.partner, ConfirmKeyDataRequest(exchange.reply_mac))]
        assert isinstance(command, ConfirmKeyDataResponse)
        return self._confirm(exchange, command.mac, now)


class KeyEstablishmentResponder(_Machine):
    """The Trust Centre's side (KE server): one exchange at a time, with any joining device."""

    initiator = False

    def __init__(
        self, *, credentials: Iterable[DeviceCredentials], rng: RandomBytes, config: KeConfig | None = None
    ) -> None:
        super().__init__(rng=rng, config=config or KeConfig())
        self._credentials = {entry.suite: entry for entry in credentials}
        self.state = State.WAIT_INITIATE_REQUEST
        #: Devices that joined and must finish CBKE: EUI-64 -> loop time of removal.
        self._join_deadlines: dict[int, float] = {}

    @property
    def supported_suites(self) -> CryptoSuite:
        """The KeyEstablishmentSuite attribute value (cbke.md 7.1)."""
        suites = CryptoSuite(0)
        for suite in self._credentials:
            suites |= suite
        return suites

    def _suites(self) -> CryptoSuite:
        return self.supported_suites

    def deadline(self) -> float | None:
        times = [*self._join_deadlines.values()]
        if self._timer is not None:
            times.append(self._timer)
        return min(times, default=None)

    def device_joined(self, device: int, now: float) -> list[Action]:
        """`device` has the network key; it must complete CBKE within `join_deadline`."""
        self._join_deadlines[device] = now + self.config.join_deadline
        return []

    def command_received(self, source: int, command_id: int, payload: bytes, now: float) -> list[Action]:
        """A client-to-server Key Establishment command from `source` (EUI-64)."""
        if source == self.partner:
            if command_id == InitiateKeyEstablishmentRequest.command_id:
                self._end(State.WAIT_INITIATE_REQUEST)  # the partner starts over
            else:
                return self._advance(source, command_id, payload, now)
        if command_id != InitiateKeyEstablishmentRequest.command_id:
            if command_id == TerminateKeyEstablishment.command_id:
                return []  # a terminate for no exchange of ours: nothing to end
            return self._terminate(source, KeStatus.BAD_MESSAGE, now, ends_exchange=False)
        if self._exchange is not None:
            return self._terminate(source, KeStatus.NO_RESOURCES, now, ends_exchange=False)
        return self._begin(source, payload, now)

    def _begin(self, source: int, payload: bytes, now: float) -> list[Action]:
        try:
            command = parse_ke_command(InitiateKeyEstablishmentRequest.command_id, payload, server_to_client=False)
            assert isinstance(command, InitiateKeyEstablishmentRequest)
            credentials = self._credentials.get(command.suite)
            if credentials is None:
                raise UnsupportedSuiteError(PROTOCOL, 0, "suite", f"no certificate for suite {int(command.suite)}")
            exchange = _Exchange(source, credentials)
            exchange.accept_certificate(command.identity)
        except CbkeDecodeError as exc:
            return self._terminate(source, exc.status, now, ends_exchange=False)
        exchange.partner_generate_times = (command.ephemeral_data_generate_time, command.confirm_key_generate_time)
        self._exchange = exchange
        self._wait(State.WAIT_EPHEMERAL_DATA, now, exchange.partner_generate_times[0] + self.config.transport_margin)
        response = InitiateKeyEstablishmentResponse(
            credentials.suite,
            self.config.ephemeral_data_generate_time,
            self.config.confirm_key_generate_time,
            credentials.certificate,
        )
        return [SendCommand(source, response)]

    def timer_fired(self, now: float) -> list[Action]:
        actions = self._exchange_timer(now)
        for device, due in sorted(self._join_deadlines.items()):
            if due <= now:
                del self._join_deadlines[device]
                if device == self.partner:
                    self._end(State.WAIT_INITIATE_REQUEST)
                actions.append(RemoveDevice(device))
        return actions

    def _end(self, state: State) -> None:
        """The Trust Centre is always ready for the next device; DONE / FAILED are per exchange."""
        super()._end(State.WAIT_INITIATE_REQUEST)

    def _step(self, exchange: _Exchange, command: KeCommand, next_state: State, now: float) -> list[Action]:
        if isinstance(command, EphemeralDataRequest):
            ephemeral = exchange.make_ephemeral(self._rng)
            exchange.agree(command.ephemeral_data, initiator=False)
            self._wait(next_state, now, exchange.partner_generate_times[1] + self.config.transport_margin)
            return [SendCommand(exchange.partner, EphemeralDataResponse(ephemeral))]
        assert isinstance(command, ConfirmKeyDataRequest)
        actions = self._confirm(exchange, command.mac, now)
        if isinstance(actions[0], KeyEstablished):
            self._join_deadlines.pop(exchange.partner, None)
            return [SendCommand(exchange.partner, ConfirmKeyDataResponse(exchange.reply_mac)), *actions]
        return actions
