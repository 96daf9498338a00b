"""`CommandBuilder`: a fresh, sealed GBCS command for a use case by name (gbcs.md 2.3, 4).

What it does with `build("ECS17b", {"target": "esme"}, utc)`:

1. finds the use case (`catalogue`), refuses a parameter it does not take and parses the rest;
2. chooses the parties: the recipient (`target`, a device name or an EUI), the originator
   (`originator`, by default the first role the registry lets send the use case: supplier,
   network operator, ACB, ...), and when the originator is the ACB, the service user it acts
   for (`service_user`, the supplier by default), named in Other Information (gbcs.md 3.5);
3. checks the key store holds every key the command needs - the originator's DS private key
   when the use case is critical, the ACB's KA key and the recipient's for the MAC, the
   supplier's prepayment key and the meter's KA key for a UTRN - and names the one missing;
4. takes the originator's next counter (`counters`; top-up use cases from the top-up
   sequence, gbcs.md 4.7) - or the one `counter=` gives, to test a replay - and the service
   user's;
5. builds the payload from the model of the use case and seals the command
   (`firmware.gbcs.headend.command`): signed by the originator when critical, MACed by the ACB.

Nothing here reads files or clocks: the key store, the counter source and `utc` come in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from firmware.gbcs.headend import command
from firmware.headend.catalogue import lookup
from firmware.headend.counters import CounterSource
from firmware.headend.identities import DEVICES, ORIGINATOR_PREFERENCE, ROLES, Identities
from firmware.headend.parameters import NameOrEui, Parameter, ParameterError, Whole
from firmware.headend.usecase import Request, UseCase
from protocols.gbcs import KeyStore, KeyUsage
from protocols.gbcs.cs.common import ACB, SUPPLIER

#: Parameters every use case takes (their defaults depend on the use case, see `build`).
TARGET = "target"
ORIGINATOR = "originator"
SERVICE_USER = "service_user"
COUNTER = "counter"
COMMON_PARAMETERS = (
    Parameter(TARGET, NameOrEui(tuple(DEVICES)), None, "the recipient device (default: the use case's)"),
    Parameter(ORIGINATOR, NameOrEui(tuple(ROLES)), None, "the sender (default: the first role allowed to send it)"),
    Parameter(SERVICE_USER, NameOrEui(tuple(ROLES)), "supplier", "the party an ACB-originated command acts for"),
    Parameter(COUNTER, Whole(0, (1 << 64) - 1), None, "originator counter to use instead of the next one (replays)"),
)
_COMMON = {parameter.name: parameter for parameter in COMMON_PARAMETERS}


class MissingKey(LookupError):
    """The key store lacks a key the command needs: which EUI, which usage, and what it is for."""

    def __init__(self, eui: bytes | None, usage: KeyUsage, purpose: str) -> None:
        self.eui = eui
        self.usage = usage
        self.purpose = purpose
        who = "no party with the ACB role (4)" if eui is None else eui.hex()
        super().__init__(f"the key store has no {usage.value} key of {who}: needed {purpose}")


@dataclass(frozen=True, slots=True)
class BuiltCommand:
    """A sealed command and what a head-end matches its response by."""

    use_case: str
    message_code: int
    counter: int
    originator: bytes
    recipient: bytes
    data: bytes
    signed: bool


class CommandBuilder:
    """Builds commands with `keystore`'s remote-party keys and `counters`' originator counters."""

    def __init__(self, keystore: KeyStore, counters: CounterSource, identities: Identities | None = None) -> None:
        self.keystore = keystore
        self.counters = counters
        self.identities = identities or Identities()

    def build(self, name: str, settings: Mapping[str, str], utc: float) -> BuiltCommand:
        """The command of use case `name` with `settings` (`key=value` texts); raises `UnknownUseCase`,
        `ParameterError` or `MissingKey` before any counter is taken."""
        use_case = lookup(name)
        values = self._values(use_case, settings, utc)
        recipient = self._device(_COMMON[TARGET].parse(settings.get(TARGET, use_case.target), utc))
        originator = self._originator(use_case, settings.get(ORIGINATOR), utc)
        service_user = None
        if originator == self.identities.party(ACB):
            service_user = self._party(_COMMON[SERVICE_USER].parse(settings.get(SERVICE_USER, "supplier"), utc))
        self._check_keys(use_case, originator, recipient, service_user or originator)
        explicit = values.pop(COUNTER, None)
        counter = explicit if explicit is not None else self.counters.allocate(originator, utc, top_up=use_case.top_up)
        service = None if service_user is None else (service_user, self.counters.allocate(service_user, utc))
        device = next((name for name, eui in self.identities.devices.items() if eui == recipient), None)
        requester = service_user or originator
        role = next((role for role, eui in self.identities.parties.items() if eui == originator), None)
        request = Request(values, counter, utc, originator, recipient, requester, self.keystore, device, role)
        payload = use_case.payload(request)
        data = command(
            self.keystore,
            originator=originator,
            recipient=recipient,
            counter=counter,
            message_code=use_case.message_code,
            payload=payload,
            sign=use_case.critical,
            service_user=service,
        )
        return BuiltCommand(
            use_case.name, use_case.message_code, counter, originator, recipient, data, use_case.critical
        )

    # -- parameters -------------------------------------------------------------------------------

    @staticmethod
    def _values(use_case: UseCase, settings: Mapping[str, str], utc: float) -> dict[str, Any]:
        common = {parameter.name for parameter in COMMON_PARAMETERS}
        for key in settings:
            if key not in common and use_case.parameter(key) is None:
                takes = ", ".join([parameter.name for parameter in use_case.parameters] + sorted(common))
                raise ParameterError(key, f"{use_case.name} takes no such parameter (it takes: {takes})")
        values: dict[str, Any] = {}
        for parameter in use_case.parameters:
            text = settings.get(parameter.name, parameter.default)
            if text is None:
                raise ParameterError(parameter.name, f"required by {use_case.name}")
            values[parameter.name] = parameter.parse(text, utc)
        if COUNTER in settings:
            values[COUNTER] = _COMMON[COUNTER].parse(settings[COUNTER], utc)
        return values

    def _device(self, value: str | bytes) -> bytes:
        return value if isinstance(value, bytes) else self.identities.devices[value]

    def _party(self, value: str | bytes) -> bytes:
        return value if isinstance(value, bytes) else self.identities.party(ROLES[value])

    def _originator(self, use_case: UseCase, text: str | None, utc: float) -> bytes:
        if text is not None:
            return self._party(_COMMON[ORIGINATOR].parse(text, utc))
        allowed = [role for role in ORIGINATOR_PREFERENCE if role in use_case.roles]
        return self.identities.party(allowed[0] if allowed else SUPPLIER)

    # -- keys ---------------------------------------------------------------------------------------

    def _check_keys(self, use_case: UseCase, originator: bytes, recipient: bytes, requester: bytes) -> None:
        store = self.keystore
        if use_case.critical and store.private_key(originator, KeyUsage.DS) is None:
            raise MissingKey(originator, KeyUsage.DS, f"to sign {use_case.name} (critical) as its originator")
        acb = store.acb
        if acb is None:
            raise MissingKey(None, KeyUsage.KA, "to MAC the command as the ACB")
        if store.shared_secret(acb, recipient) is None:
            if store.private_key(acb, KeyUsage.KA) is None:
                raise MissingKey(acb, KeyUsage.KA, "(private) to MAC the command as the ACB")
            raise MissingKey(recipient, KeyUsage.KA, "(certificate) to MAC the command for its recipient")
        if use_case.top_up:
            if store.private_key(requester, KeyUsage.PP_KA) is None:
                raise MissingKey(requester, KeyUsage.PP_KA, "(private) to make the UTRN")
            if store.public_key(recipient, KeyUsage.KA) is None:
                raise MissingKey(recipient, KeyUsage.KA, "(certificate) to make the UTRN for the meter")
