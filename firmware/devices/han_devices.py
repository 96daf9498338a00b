"""The emulated GBCS devices of a home, each assembled for the HAN: radio stack, GBCS side, tunnel, NVM partition.

Why one assembly module: a home's ESME, GSME, PPMID, HCALCS, the a6 device and its IHDs differ in their
payload side (`esme.Esme`, `gsme.GsmePayloadHandler`, the CS-only devices of `ppmid`, `hcalcs`,
`cs_device`) and in how they reach the CHF (a tunnel the hub opens, or the GSME's own pull
cycle, `gsme_node`); everything else - the install code kept in NVM, frame counters and
network in NVM, the keys from the hub's key material, the Smart Energy endpoint - is the same,
and is done here once.

Keys: the device's `firmware.gbcs` credentials read the hub's key store (its own keys from it,
RIG mode with the RTDS store, or generated and certified by the test CA); what the payload side
needs keys for is injected from those credentials: UTRN checks and protected data for the ESME
(`CredentialsSecurity`), UTRN checks and the response cipher for the GSME.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from firmware.devices import esme as esme_model
from firmware.devices.cs_device import cs_device
from firmware.devices.device import DeviceNvm, EmulatedDevice
from firmware.devices.esme.security import CredentialsSecurity
from firmware.devices.gsme import load_profile
from firmware.devices.gsme.engine import CommandFacts
from firmware.devices.gsme.handler import GsmePayloadHandler
from firmware.devices.gsme.profile import ProfileError
from firmware.devices.hcalcs import hcalcs
from firmware.devices.meters import (
    BASIC,
    DEVICE_IN_HOME_DISPLAY,
    DEVICE_METER,
    METERING,
    PROFILE_SMART_ENERGY,
    SE_ENDPOINT,
    meter_endpoint,
)
from firmware.devices.ppmid import ppmid
from firmware.devices.zcl_server import ZclEndpoint
from firmware.gbcs.assembly import GbcsDevice, assemble
from firmware.gbcs.credentials import CertificateAuthority, Credentials
from firmware.han.frames import TUNNELING
from firmware.han.node_state import NvmCounters
from hal.radio import Radio
from protocols import gbz
from protocols.gbcs.crypto import PAYLOAD_KEY_TYPE
from protocols.gbcs.cs.common import ESME, GSME, HCALCS, PPMID, TYPE_2
from protocols.gbcs.keystore import KeyStore
from protocols.zigbee import install_code_crc

from .gsme_node import WAKE_INTERVAL, GsmeNode
from .han_node import HanNode
from .ihd_node import PREPAYMENT, IhdNode
from .tunnel_server import TunnelServerNode

if TYPE_CHECKING:
    from hal.nvm import Nvm

#: GBCS device kinds a home can hold, and their GBCS device type (gbcs.md 2.2).
DEVICE_TYPES = {"esme": ESME, "gsme": GSME, "ppmid": PPMID, "hcalcs": HCALCS, "other": TYPE_2, "ihd": TYPE_2}
#: The payload sides' shipped profiles used when the home names none.
DEFAULT_PROFILES = {"esme": "credit-single", "gsme": "prepayment"}
_INSTALL_CODE = "han.install-code"
#: Seconds between a sleeping GSME's polls of its parent (ours). It polls fast whenever it has sent
#: something (the stack's fast-poll window), so what it asks for comes at once; in between the hub
#: has nothing to tell it - commands wait in the CHF's queue for the meter's wake-up (gbcs.md 6.3).
SLEEPY_POLL = 60.0
#: Tunneling attribute CloseTunnelTimeout: tunnels stay open (0xFFFF s, the longest; GBCS keeps them up).
_CLOSE_TUNNEL_TIMEOUT = {0x0000: 0xFFFF}


class DeviceConfigError(ValueError):
    """A device of the home that cannot be built as asked (unknown kind, unknown profile)."""


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """One emulated GBCS device: its node name, kind (`DEVICE_TYPES`), EUI-64, radios and payload profile."""

    name: str
    kind: str
    eui: bytes
    radios: list[Radio]
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceKeys:
    """The key material every device of the hub reads (`firmware.hub.keys.HubKeys`)."""

    keystore: KeyStore
    parties: Mapping[int, bytes]
    authority: CertificateAuthority | None = None


@dataclass(slots=True)
class _LateSecurity:
    """The ESME's `PayloadSecurity`, answering from its credentials once `assemble` has built them."""

    keystore: KeyStore
    credentials: Credentials | None = field(default=None)

    def _security(self) -> CredentialsSecurity:
        assert self.credentials is not None, "the ESME's credentials are set right after assembly"
        return CredentialsSecurity(self.credentials, self.keystore)

    def utrn_valid(self, token: str, *, supplier: bytes, counter: int) -> bool:
        return self._security().utrn_valid(token, supplier=supplier, counter=counter)

    def encrypt(self, plaintext: bytes, *, recipient: bytes, counter: int) -> bytes | None:
        return self._security().encrypt(plaintext, recipient=recipient, counter=counter)


def install_code(nvm: Nvm, rng: random.Random) -> bytes:
    """The device's 16-octet install code: drawn on first start, kept in its NVM (the label on the box)."""
    code: bytes | None = nvm.get(_INSTALL_CODE)
    if code is None:
        code = rng.randbytes(16)
        nvm.put(_INSTALL_CODE, code)
    return code


def build_device(
    spec: DeviceSpec,
    nvm: Nvm,
    keys: DeviceKeys,
    *,
    utc: Callable[[], float],
    rng: random.Random,
    gsme_wake_interval: float = WAKE_INTERVAL,
    ihd_interval: float = 300.0,
) -> HanNode:
    """The node of `spec` on its NVM partition (not started: `node.start()` joins it)."""
    if spec.kind not in DEVICE_TYPES:
        raise DeviceConfigError(
            f"{spec.name}: no emulated GBCS device of kind {spec.kind!r} ({', '.join(DEVICE_TYPES)})"
        )
    code = install_code(nvm, rng)
    ieee = int.from_bytes(spec.eui, "big")
    sleepy = spec.kind == "gsme"
    kind = 1 if sleepy else 0
    endpoint = meter_endpoint(spec.kind.upper(), kind, kind, 0, not sleepy)
    if spec.kind == "ihd":
        endpoint = ZclEndpoint(SE_ENDPOINT, PROFILE_SMART_ENERGY, DEVICE_IN_HOME_DISPLAY,
                               {BASIC: dict(endpoint.servers[BASIC])}, [METERING, PREPAYMENT])  # fmt: skip
    elif spec.kind not in ("esme", "gsme"):
        endpoint = ZclEndpoint(SE_ENDPOINT, PROFILE_SMART_ENERGY, DEVICE_METER, {BASIC: dict(endpoint.servers[BASIC])})
    if sleepy:
        endpoint.clients.append(TUNNELING)
    elif spec.kind != "ihd":
        endpoint.servers[TUNNELING] = dict(_CLOSE_TUNNEL_TIMEOUT)
    device = EmulatedDevice(
        radios=spec.radios,
        install_code=code + install_code_crc(code),
        endpoints=[endpoint],
        ieee=ieee,
        router=spec.kind == "esme",  # the IHD too is an end device (mains powered, receiver on)
        sleepy=sleepy,
        poll_period=SLEEPY_POLL,
        nvm=DeviceNvm(counters=NvmCounters(nvm)),
        rng=random.Random(rng.random()),
    )
    common: dict[str, Any] = {"name": spec.name, "device": device, "nvm": nvm, "se_endpoint": SE_ENDPOINT, "utc": utc}
    if spec.kind == "ihd":
        return IhdNode(interval=ihd_interval, **common)
    if sleepy:
        gas, gas_device = _gsme(spec, nvm, keys, rng)
        return GsmeNode(model=gas, wake_interval=gsme_wake_interval, endpoint=gas_device.endpoint, **common)
    if spec.kind == "esme":
        electricity, electricity_device = _esme(spec, nvm, keys, rng)
        values = _esme_zcl_values(electricity)
        return TunnelServerNode(endpoint=electricity_device.endpoint, zcl_values=values, model=electricity, **common)
    return TunnelServerNode(endpoint=_cs_only(spec, nvm, keys).endpoint, **common)


def _cs_only(spec: DeviceSpec, nvm: Nvm, keys: DeviceKeys) -> GbcsDevice:
    """The devices GBCS addresses with CS use cases only (gbcs.md 2.2)."""
    if spec.kind == "ppmid":
        return ppmid(nvm, keys.keystore, keys.parties, eui=spec.eui, authority=keys.authority).device
    if spec.kind == "hcalcs":
        return hcalcs(nvm, keys.keystore, keys.parties, eui=spec.eui, authority=keys.authority)
    if spec.kind == "other":
        return cs_device(nvm, keys.keystore, keys.parties, eui=spec.eui, authority=keys.authority)
    raise DeviceConfigError(f"{spec.name}: {spec.kind} is not a CS-only device")


def _esme(spec: DeviceSpec, nvm: Nvm, keys: DeviceKeys, rng: random.Random) -> tuple[esme_model.Esme, GbcsDevice]:
    try:
        profile = esme_model.shipped_profile(spec.profile or DEFAULT_PROFILES["esme"])
    except esme_model.ProfileError as error:
        raise DeviceConfigError(f"{spec.name}: {error}") from None
    security = _LateSecurity(keys.keystore)
    model = esme_model.Esme(nvm, profile, random.Random(rng.random()), security=security)
    device = assemble(
        spec.eui,
        nvm,
        keys.keystore,
        keys.parties,
        device_type=ESME,
        alert_family="dlms",
        handler=model,
        authority=keys.authority,
    )
    security.credentials = device.credentials
    return model, device


def _gsme(spec: DeviceSpec, nvm: Nvm, keys: DeviceKeys, rng: random.Random) -> tuple[GsmePayloadHandler, GbcsDevice]:
    try:
        profile = load_profile(spec.profile or DEFAULT_PROFILES["gsme"])
    except ProfileError as error:
        raise DeviceConfigError(f"{spec.name}: {error}") from None
    holder: list[Credentials] = []

    def utrn_check(token: str, supplier: bytes, counter: int) -> bool:
        return CredentialsSecurity(holder[0], keys.keystore).utrn_valid(token, supplier=supplier, counter=counter)

    def cipher_for(facts: CommandFacts) -> gbz.Cipher | None:
        info = getattr(facts, "other_information", None)
        party = (info.remote_party_id if info is not None else None) or facts.originator
        key = holder[0].mac_key(party, spec.eui, PAYLOAD_KEY_TYPE, facts.counter, party)
        return None if key is None else gbz.Cipher(key, spec.eui)

    model = GsmePayloadHandler(nvm, profile, random.Random(rng.random()), utrn_check=utrn_check, cipher_for=cipher_for)
    device = assemble(
        spec.eui,
        nvm,
        keys.keystore,
        keys.parties,
        device_type=GSME,
        alert_family="gbz",
        handler=model,
        authority=keys.authority,
    )
    holder.append(device.credentials)
    return model, device


def _esme_zcl_values(model: esme_model.Esme) -> Callable[[], dict[tuple[int, int], Any]]:
    """What the ESME's ZCL Metering shows an IHD: its active import register (Wh) as CurrentSummationDelivered,
    as of the meter's last event (the DLMS model advances when a command or its own timer runs)."""

    def values() -> dict[tuple[int, int], Any]:
        try:
            return {(METERING, 0x0000): max(0, int(model.meter.number("1-0:1.8.0.255", 2)))}
        except (KeyError, ValueError, TypeError):
            return {}

    return values
