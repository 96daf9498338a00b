"""A home of GBCS devices in process - ESME and GSME with generated keys - and a head-end that builds for them.

Every device is the real model behind the real envelope (`firmware.gbcs.assembly.assemble`): its
keys generated on first start and certified by the test PKI, whose exported key store is what
the head-end builds and decodes with (issue 9: a hub without a key store). `send` hands a built
command to the device it is addressed to, exactly as the CHF would, and decodes what comes back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from firmware.chf import Chf, ToWan
from firmware.devices.esme import CredentialsSecurity, Esme, shipped_profile
from firmware.devices.gsme.handler import GsmePayloadHandler
from firmware.devices.gsme.profile import load_profile
from firmware.devices.hcalcs import hcalcs
from firmware.devices.ppmid import Ppmid, ppmid
from firmware.gbcs.assembly import GbcsDevice, assemble
from firmware.gbcs.contract import CommandContext
from firmware.gbcs.credentials import Credentials
from firmware.gbcs.pki import TestPki
from firmware.gpf import Gpf
from firmware.headend.builder import BuiltCommand, CommandBuilder
from firmware.headend.counters import NvmCounters
from firmware.headend.identities import DEVICES
from hal.nvm import NvmStore
from protocols import gbz
from protocols.gbcs import Cra, KeyStore, Message, Verdict, crypto, parse
from protocols.gbcs.cs.common import ESME, GSME

UTC0 = 1_767_225_600.0  #: 2026-01-01T00:00:00Z


@dataclass
class Answer:
    """What a device sent back for one command: its response (None: refused) and alerts, parsed and verified."""

    command: BuiltCommand
    response: Message | None
    alerts: list[Message]


@dataclass
class Home:
    """A CHF with its GPF, an ESME, a GSME, a PPMID and an HCALCS at their RTDS EUIs, and a head-end with the
    keys the test PKI exports."""

    esme_profile: str = "prepayment-single"
    gsme_profile: str = "prepayment"
    store: NvmStore = field(default_factory=NvmStore.memory)
    now: float = 0.0
    utc: float = UTC0

    def __post_init__(self) -> None:
        self.pki = TestPki(self.store.partition("pki"))
        self.devices: dict[bytes, GbcsDevice] = {}
        self.esme = self._esme()
        self.gsme = self._gsme()
        for name, make in (("ppmid", ppmid), ("hcalcs", hcalcs)):
            eui = DEVICES[name]
            made = make(
                self.store.partition(f"device/{eui.hex()}"), self.pki.keystore(), self.pki.parties, authority=self.pki
            )
            self.devices[eui] = made.device if isinstance(made, Ppmid) else made
        self.gpf = Gpf(
            eui=DEVICES["gpf"], nvm=self.store.partition("gpf"), keystore=self.pki.keystore(),
            parties=self.pki.parties, authority=self.pki,
        )  # fmt: skip
        self.chf = Chf(
            eui=DEVICES["chf"], nvm=self.store.partition("chf"), keystore=self.pki.keystore(),
            parties=self.pki.parties, gpf=self.gpf, authority=self.pki,
        )  # fmt: skip
        self.chf.resume(self.now, self.utc)
        self.keystore: KeyStore = self.pki.keystore()  # now that the devices' keys are certified
        self.builder = CommandBuilder(self.keystore, NvmCounters(self.store.partition("headend")))

    def _credentials(self, eui: bytes) -> Credentials:
        nvm = self.store.partition(f"device/{eui.hex()}")
        return Credentials(eui, nvm, self.pki.keystore(), self.pki.parties, authority=self.pki)

    def _esme(self) -> Esme:
        eui = DEVICES["esme"]
        nvm = self.store.partition(f"device/{eui.hex()}")
        credentials = self._credentials(eui)
        esme = Esme(
            nvm,
            shipped_profile(self.esme_profile),
            random.Random(1),
            security=CredentialsSecurity(credentials, self.pki.keystore()),
        )
        self.devices[eui] = assemble(
            eui,
            nvm,
            self.pki.keystore(),
            self.pki.parties,
            device_type=ESME,
            alert_family="dlms",
            handler=esme,
            authority=self.pki,
        )
        return esme

    def _gsme(self) -> GsmePayloadHandler:
        eui = DEVICES["gsme"]
        nvm = self.store.partition(f"device/{eui.hex()}")
        credentials = self._credentials(eui)
        security = CredentialsSecurity(credentials, self.pki.keystore())

        def cipher_for(context: Any) -> gbz.Cipher | None:
            info = context.other_information
            party = getattr(info, "remote_party_id", None) or context.originator
            secret = credentials.shared_secret(party)
            if secret is None:
                return None
            return gbz.Cipher(crypto.derive_key(secret, eui, crypto.PAYLOAD_KEY_TYPE, context.counter, party), eui)

        def utrn_check(token: str, supplier: bytes, counter: int) -> bool:
            return security.utrn_valid(token, supplier=supplier, counter=counter)

        handler = GsmePayloadHandler(
            nvm, load_profile(self.gsme_profile), random.Random(2), utrn_check=utrn_check, cipher_for=cipher_for
        )
        self.devices[eui] = assemble(
            eui,
            nvm,
            self.pki.keystore(),
            self.pki.parties,
            device_type=GSME,
            alert_family="gbz",
            handler=handler,
            authority=self.pki,
        )
        return handler

    # -- time and traffic -------------------------------------------------------------------------

    def advance(self, seconds: float) -> list[Message]:
        """Let `seconds` pass, firing every device's timers on the way; the alerts they raised."""
        end = self.now + seconds
        alerts: list[Message] = []
        while True:
            due = [
                (deadline, eui) for eui, d in self.devices.items() if (deadline := d.endpoint.deadline()) is not None
            ]
            due = [(deadline, eui) for deadline, eui in due if deadline <= end]
            if not due:
                break
            deadline, eui = min(due)
            self._to(max(deadline, self.now))
            endpoint = self.devices[eui].endpoint
            alerts += [self._open(out.data) for out in endpoint.timer_fired(self.now, self.utc)]
        self._to(end)
        return alerts

    def _to(self, now: float) -> None:
        self.utc += now - self.now
        self.now = now

    def build(self, name: str, **settings: str) -> BuiltCommand:
        return self.builder.build(name, settings, self.utc)

    def send(self, name: str, **settings: str) -> Answer:
        """Build use case `name` and deliver it; the device's answer."""
        return self.deliver(self.build(name, **settings))

    def deliver(self, command: BuiltCommand) -> Answer:
        """To a meter's endpoint directly; to the CHF (and through it the GPF) as a WAN message."""
        if command.recipient in self.devices:
            sealed = [
                o.data for o in self.devices[command.recipient].endpoint.receive(command.data, self.now, self.utc)
            ]
        else:
            sealed = []
            for action in self.chf.wan_message(1, command.data, self.now, self.utc):
                if isinstance(action, ToWan):
                    sealed.append(action.data)
                    self.chf.wan_sent(action.seq)
        out = [self._open(data) for data in sealed]
        responses = [message for message in out if message.cra is Cra.RESPONSE]
        assert len(responses) <= 1
        return Answer(command, responses[0] if responses else None, [m for m in out if m.cra is Cra.ALERT])

    def _open(self, data: bytes) -> Message:
        message = parse(data, self.keystore)
        verdicts = message.verdicts
        assert Verdict.VALID in (verdicts.mac, verdicts.signature), verdicts
        assert Verdict.INVALID not in (verdicts.mac, verdicts.signature), verdicts
        return message


def context_for(command: BuiltCommand, now: float, utc: float) -> CommandContext:
    """The context the envelope would hand a payload handler for `command` (payload-level tests)."""
    return CommandContext(
        command.message_code, command.originator, command.recipient, command.counter, 2, command.signed, None, now, utc
    )
