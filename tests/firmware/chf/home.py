"""A hub in a test: a `Chf` with its `Gpf`, and the HAN side played by the test itself (in process, no radios).

`Home` builds the CHF and GPF on one NVM store with the RTDS identities and a key store,
commissions HAN devices the way the DCC does - a real CCS01 command sealed by the ACB
(`firmware.gbcs.headend`) - reports their joins, and plays the HAN adapter's part: it
carries out the orders the CHF gives (`ToWan` collected, `ToDevice` to an in-process device
when there is one, the GSME's tunnel-pending flag waking it for GET / PUT).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from firmware.chf import Action, Chf, ChfConfig, SetTunnelMessagePending, ToDevice, ToWan
from firmware.devices.esme import Esme, KeyStoreSecurity, shipped_profile
from firmware.devices.gsme import load_profile
from firmware.devices.gsme.engine import CommandFacts
from firmware.devices.gsme.handler import GsmePayloadHandler
from firmware.gbcs.assembly import GbcsDevice, assemble
from firmware.gbcs.headend import command
from firmware.gpf import Gpf
from hal.nvm import NvmStore
from protocols import dlms, gbz
from protocols.dlms import (
    AccessRequest,
    ActionSpec,
    AttributeDescriptor,
    Boolean,
    LongInvokeId,
    MethodDescriptor,
    Obis,
    SetSpec,
    enum_,
    octets,
    structure,
    u16,
)
from protocols.gbcs import KeyStore
from protocols.gbcs.crypto import PAYLOAD_KEY_TYPE
from protocols.gbcs.cs.common import ESME, GSME

CHF_EUI = bytes.fromhex("00db1234567890a2")
GPF_EUI = bytes.fromhex("00db1234567890a3")
ESME_EUI = bytes.fromhex("00db1234567890a0")
GSME_EUI = bytes.fromhex("00db1234567890a1")
PPMID_EUI = bytes.fromhex("00db1234567890a4")
SUPPLIER = bytes.fromhex("90b3d51f30010000")
ACB = bytes.fromhex("90b3d51f30000002")
#: The remote parties of RTDS (gbcs.md 2.1), by role.
PARTIES = {
    1: bytes.fromhex("90b3d51f30000001"),
    2: SUPPLIER,
    3: bytes.fromhex("90b3d51f30020000"),
    4: ACB,
    5: bytes.fromhex("90b3d51f30000004"),
    6: bytes.fromhex("90b3d51f30000007"),
    8: bytes.fromhex("90b3d51f30010008"),
}
#: The remote parties the CHF holds trust anchors for (RTDS CS02a/CS02b to the CHF: ACB, WAN provider; recovery).
CHF_PARTIES = {role: PARTIES[role] for role in (1, 4, 6)}
#: ZigBee's published test install code (radio.md 5.7), and one more of ours.
INSTALL_CODES = {
    ESME_EUI: bytes.fromhex("83FED3407A939723A5C639B26916D505"),
    GSME_EUI: bytes.fromhex("83FED3407A939723A5C639B26916D506"),
    PPMID_EUI: bytes.fromhex("0123456789abcdef0123456789abcdef"),
}
DEVICE_LOG = Obis.of("0-0:30.3.0.255")
CCS01 = 0x0001


def register_payload(counter: int, eui: bytes, device_type: int, install_code: bytes, *, join_minutes: int) -> bytes:
    """CCS01's DLMS payload (gbcs.md 5.7): register, set the join timeout, enable joining."""
    request = AccessRequest(
        LongInvokeId.for_counter(counter),
        (
            ActionSpec(MethodDescriptor(104, DEVICE_LOG, 1)),
            SetSpec(AttributeDescriptor(104, DEVICE_LOG, 3)),
            SetSpec(AttributeDescriptor(104, DEVICE_LOG, 2)),
        ),
        (structure(octets(eui), enum_(device_type), octets(install_code), enum_(0)), u16(join_minutes), Boolean(True)),
    )
    return dlms.build(request)


@dataclass
class Home:
    """A CHF + GPF on `store`, the RTDS key store, and the HAN devices the test plays (see the module docstring)."""

    keystore: KeyStore
    store: NvmStore = field(default_factory=NvmStore.memory)
    config: ChfConfig = field(default_factory=ChfConfig)
    now: float = 0.0
    utc: float = 1_420_070_400.0  #: 2015-01-01T00:00:00Z, the date of every RTDS time stamp
    wan: list[ToWan] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)
    han: list[Action] = field(default_factory=list)
    gsme: GbcsDevice | None = None
    gsme_model: GsmePayloadHandler | None = None
    esme: GbcsDevice | None = None
    counters: dict[bytes, int] = field(default_factory=dict)
    confirm_tunnel: bool = True  #: confirm GET-RESPONSEs handed to the tunnel (False: the power fails first)

    def __post_init__(self) -> None:
        self.start()

    def start(self) -> None:
        """Build (or, on the same store, restart) the CHF and GPF."""
        self.gpf = Gpf(eui=GPF_EUI, nvm=self.store.partition("gpf"), keystore=self.keystore, parties=PARTIES)
        self.chf = Chf(
            eui=CHF_EUI,
            nvm=self.store.partition("chf"),
            keystore=self.keystore,
            parties=CHF_PARTIES,
            config=self.config,
            gpf=self.gpf,
        )

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.utc += seconds

    def take(self, actions: list[Action]) -> list[Action]:
        """Carry out the orders as the adapter would: WAN messages confirmed sent, the rest recorded."""
        for action in actions:
            if isinstance(action, ToWan):
                self.wan.append(action)
                self.chf.wan_sent(action.seq)
            elif isinstance(action, ToDevice) and action.seq is not None and self.confirm_tunnel:
                self.han.append(action)
                self.chf.device_sent(action.eui, action.seq)
            else:
                self.han.append(action)
        return actions

    def send(self, data: bytes, connection_id: int | None = 1) -> list[Action]:
        self.sent.append(data)
        return self.take(self.chf.wan_message(connection_id, data, self.now, self.utc))

    def dcc(
        self,
        message_code: int,
        payload: bytes,
        *,
        recipient: bytes = CHF_EUI,
        connection_id: int = 1,
        originator: bytes = ACB,
    ) -> list[Action]:
        """A command MACed with the key store's ACB key: from the ACB on behalf of the supplier (the DCC's own use
        cases), or from `originator` itself (a supplier's use case)."""
        self.counters[originator] = self.counters.get(originator, 1000 if originator != ACB else 1) + 1
        counter = self.counters[originator]
        data = command(
            self.keystore,
            originator=originator,
            recipient=recipient,
            counter=counter,
            message_code=message_code,
            payload=payload,
            sign=False,
            service_user=(SUPPLIER, counter) if originator == ACB else None,
        )
        return self.send(data, connection_id)

    @property
    def acb_counter(self) -> int:
        return self.counters.get(ACB, 1)

    @acb_counter.setter
    def acb_counter(self, value: int) -> None:
        self.counters[ACB] = value

    def commission(self, eui: bytes, device_type: int, *, sleepy: bool = False, sub_ghz: bool = False) -> None:
        """CCS01 for the device, then its join as the HAN side reports it."""
        payload = register_payload(self.acb_counter + 1, eui, device_type, INSTALL_CODES[eui], join_minutes=60)
        self.dcc(CCS01, payload)
        self.take(self.chf.device_joined(eui, self.now, self.utc, sleepy=sleepy, sub_ghz=sub_ghz))

    def commission_rtds_home(self) -> None:
        """The home RTDS scenarios ran in: an ESME and a sleepy GSME in the device log, joined."""
        self.commission(ESME_EUI, ESME)
        self.commission(GSME_EUI, GSME, sleepy=True)

    # -- the GSME, in process ------------------------------------------------------------------------

    def add_gsme(self) -> None:
        """A GSME model (firmware.devices.gsme) behind its own GBCS endpoint, RIG keys from the key store."""

        def cipher_for(context: CommandFacts) -> gbz.Cipher | None:
            info = getattr(context, "other_information", None)
            party = (info.remote_party_id if info is not None else None) or context.originator
            key = self.keystore.derived_key((GSME_EUI, party), GSME_EUI, PAYLOAD_KEY_TYPE, context.counter, party)
            return None if key is None else gbz.Cipher(key, GSME_EUI)

        self.gsme_model = GsmePayloadHandler(
            self.store.partition("gsme"), load_profile("prepayment"), random.Random(7), cipher_for=cipher_for
        )
        self.gsme = assemble(
            GSME_EUI,
            self.store.partition("gsme-gbcs"),
            self.keystore,
            PARTIES,
            device_type=GSME,
            alert_family="gbz",
            handler=self.gsme_model,
        )

    def gsme_wakes(self, *, answer: Callable[[bytes], bytes | None] | None = None) -> int:
        """The GSME's wake-up: while its flag is set, GET a command, answer it, PUT the answer. Commands taken."""
        taken = 0
        while self._pending_flag():
            actions = self.take(self.chf.gsme_get(GSME_EUI, self.now, self.utc))
            delivered = [a for a in actions if isinstance(a, ToDevice)]
            assert delivered and delivered[0].data[0] == 0x02, actions
            message = delivered[0].data[2:]
            if not message:
                break
            taken += 1
            reply = answer(message) if answer is not None else self.gsme_answer(message)
            if reply is not None:
                self.take(self.chf.gsme_put(GSME_EUI, reply, self.now, self.utc))
        return taken

    def gsme_answer(self, message: bytes) -> bytes | None:
        assert self.gsme is not None
        out = self.gsme.endpoint.receive(message, self.now, self.utc)
        for sealed in out:
            self.gsme.endpoint.sent(sealed.seq)
        responses = [sealed.data for sealed in out if sealed.cra == 2]
        return responses[0] if responses else None

    def add_esme(self) -> None:
        """An ESME model (firmware.devices.esme) behind its own GBCS endpoint, RIG keys from the key store."""
        nvm = self.store.partition("esme")
        model = Esme(
            nvm, shipped_profile("credit-single"), random.Random(3), security=KeyStoreSecurity(self.keystore, ESME_EUI)
        )
        self.esme = assemble(
            ESME_EUI, nvm, self.keystore, PARTIES, device_type=ESME, alert_family="dlms", handler=model
        )

    def esme_answers(self, since: int) -> None:
        """The ESME answers what the CHF sent its tunnel since `han[since]`; its answers go back through the CHF."""
        assert self.esme is not None
        for action in [a for a in self.han[since:] if isinstance(a, ToDevice) and a.eui == ESME_EUI]:
            for sealed in self.esme.endpoint.receive(action.data, self.now, self.utc):
                self.esme.endpoint.sent(sealed.seq)
                self.take(self.chf.device_message(ESME_EUI, sealed.data, self.now, self.utc))

    def _pending_flag(self) -> bool:
        flags = [a for a in self.han if isinstance(a, SetTunnelMessagePending) and a.eui == GSME_EUI]
        return bool(flags) and flags[-1].pending

    def push_mirror(self, since: float, every: float = 6 * 3600) -> None:
        """The GSME's wake-up pushes to its mirror from `since` to now, every `every` seconds (the clock stays)."""
        assert self.gsme_model is not None
        utc = since
        while utc <= self.utc:
            now = self.now - (self.utc - utc)
            values, _ = self.gsme_model.gsme.mirror_values(now, utc)
            self.gpf.mirror_update(values, now, utc)
            utc += every
