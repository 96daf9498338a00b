"""The intake checks every GBCS endpoint makes on a command, and what each refusal leads to (gbcs.md 2.3, 4).

Why separate from the endpoint: the rules are a table that docs/gbcs-endpoint.md repeats
and the tests walk; the endpoint only runs them in order and acts on the verdict.

Order (cheapest and least trusting first): the bytes parse as a GBCS message; it is a
command (CRA 1, not a GBT block); it is addressed to this endpoint; its MAC verifies
(ACB KA with the recipient's KA for a remote party's command, the two devices' KA keys
for a HAN-originated one; gbcs.md 4.2-4.3); its signature verifies with the originator's
DS key, and is present where every form of the use case is signed (registry forms,
gbcs.md 2.3); the originator may send this use case (registry roles; a HAN-originated
command needs its originator in this device's join list); its counter is strictly
greater than the last one accepted from that party (gbcs.md 4.7; top-up commands keep a
counter of their own, since their counters carry the UTRN's value in the high bits).

A refused command gets no response: nothing in it can be trusted to address one. Each
refusal is written to the security log with the alert code that names it (meters.md 5.3)
and, when an originator could be named at all, raised as that alert to the device's
supplier, message code 0x1000 (generic critical alert), signed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric import ec

from protocols.gbcs import crypto, registry
from protocols.gbcs.envelope import Regions
from protocols.gbcs.keystore import KeyUsage
from protocols.gbcs.message import Message

#: Top-up use cases whose counters are checked apart (gbcs.md 4.7): CS01a, CS01b, PCS01.
TOP_UP_CODES = frozenset((0x0007, 0x0097, 0x009B))

#: Alert codes (meters.md 5.3).
COMMAND_INTEGRITY_FAILED = 0x8F1E
SOURCE_LACKS_AUTHORITY = 0x8F30
UNAUTHORISED_ACCESS = 0x8F3E
OTHER_AUTHENTICATION_FAILURE = 0x8F53
MALFORMED_COMMANDS = 0x8F60


class Refusal(str, enum.Enum):
    """Why a command was refused."""

    MALFORMED = "malformed"  #: the bytes are not a GBCS message (GbcsDecodeError)
    NOT_A_COMMAND = "not-a-command"  #: a response, an alert or a GBT block sent to a device
    WRONG_RECIPIENT = "wrong-recipient"  #: addressed to another EUI
    MAC_INVALID = "mac-invalid"  #: the MAC does not verify (or no key pair can check it)
    SIGNATURE_INVALID = "signature-invalid"  #: the signature does not verify (or the signer is unknown)
    SIGNATURE_MISSING = "signature-missing"  #: a critical use case without a signature
    UNAUTHENTICATED = "unauthenticated"  #: neither a MAC nor a signature the use case accepts alone
    ROLE_NOT_AUTHORISED = "role-not-authorised"  #: the originator's role may not send this use case
    COUNTER_NOT_GREATER = "counter-not-greater"  #: replayed or older originator counter


@dataclass(frozen=True, slots=True)
class RefusalRule:
    """What a refusal is logged as, and whether it is raised as an alert."""

    code: int  #: security log code (an alert code, meters.md 5.1: alerts are also log entries)
    alert: bool  #: raised to the supplier as a generic critical alert


#: The refusal table (docs/gbcs-endpoint.md repeats it).
RULES: dict[Refusal, RefusalRule] = {
    Refusal.MALFORMED: RefusalRule(COMMAND_INTEGRITY_FAILED, False),
    Refusal.NOT_A_COMMAND: RefusalRule(UNAUTHORISED_ACCESS, False),
    Refusal.WRONG_RECIPIENT: RefusalRule(UNAUTHORISED_ACCESS, False),
    Refusal.MAC_INVALID: RefusalRule(COMMAND_INTEGRITY_FAILED, True),
    Refusal.SIGNATURE_INVALID: RefusalRule(COMMAND_INTEGRITY_FAILED, True),
    Refusal.SIGNATURE_MISSING: RefusalRule(COMMAND_INTEGRITY_FAILED, True),
    Refusal.UNAUTHENTICATED: RefusalRule(COMMAND_INTEGRITY_FAILED, True),
    Refusal.ROLE_NOT_AUTHORISED: RefusalRule(SOURCE_LACKS_AUTHORITY, True),
    Refusal.COUNTER_NOT_GREATER: RefusalRule(OTHER_AUTHENTICATION_FAILURE, True),
}
#: Malformed commands are counted; every this-many raises 0x8F60 "unusual numbers of malformed commands".
MALFORMED_ALERT_EVERY = 10


class KeySource(Protocol):
    """What the checks need from `Credentials` (kept narrow so the rules can be tested alone)."""

    @property
    def acb(self) -> bytes | None: ...

    def mac_key(self, peer: bytes, originator: bytes, kind: int, counter: int, recipient: bytes) -> bytes | None: ...

    def peer_public_key(self, eui: bytes, usage: KeyUsage) -> ec.EllipticCurvePublicKey | None: ...


@dataclass(frozen=True, slots=True)
class Authentication:
    """The outcome of the MAC and signature checks: a refusal, or which protections verified."""

    refusal: Refusal | None
    mac: bool
    signed: bool
    detail: str = ""


def authenticate(
    message: Message, regions: Regions, data: bytes, credentials: KeySource, info: registry.MessageCodeInfo | None
) -> Authentication:
    """Check the MAC and the signature of a command addressed to this endpoint."""
    han = info is not None and info.han_originated
    mac = signed = False
    if message.mac is not None:
        peer = message.originator if han else credentials.acb
        key = None
        if peer is not None:
            key = credentials.mac_key(peer, message.originator, 1, message.originator_counter, message.recipient)
        if key is None:
            return Authentication(Refusal.MAC_INVALID, False, False, "no key pair to check the MAC with")
        covered = data[regions.header_start : regions.signature_end]
        if not crypto.mac_matches(key, message.originator, covered, message.mac):
            return Authentication(Refusal.MAC_INVALID, False, False, "MAC does not verify")
        mac = True
    if message.signature:
        public = credentials.peer_public_key(message.originator, KeyUsage.DS)
        if public is None:
            return Authentication(Refusal.SIGNATURE_INVALID, mac, False, "no DS key for the originator")
        signed_bytes = data[regions.header_start + 1 : regions.payload_end]
        if not crypto.signature_matches(public, signed_bytes, message.signature):
            return Authentication(Refusal.SIGNATURE_INVALID, mac, False, "signature does not verify")
        signed = True
    if info is not None and info.critical_command and not signed:
        return Authentication(Refusal.SIGNATURE_MISSING, mac, signed, "critical use case without a signature")
    if not mac and not (signed and (info is None or info.has_form("C:S"))):
        return Authentication(Refusal.UNAUTHENTICATED, mac, signed, "no MAC, and no signature accepted alone")
    return Authentication(None, mac, signed)


def authorised(role: int | None, info: registry.MessageCodeInfo | None) -> bool:
    """Whether a remote party of `role` may send the use case (unknown use cases: any known party)."""
    if role is None:
        return False
    return info is None or not info.roles or role in info.roles


def counter_key(originator: bytes, message_code: int) -> str:
    """The NVM key of the last counter accepted from `originator` for this kind of command."""
    suffix = ".top-up" if message_code in TOP_UP_CODES else ""
    return f"gbcs.counter.{originator.hex()}{suffix}"
