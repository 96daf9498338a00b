"""An endpoint's GBCS identity: its EUI-64, its KA and DS keys, and the trust anchors it holds (gbcs.md 1, 4).

Why one object: intake (MAC and signature checks), sealing (signing, MACing), CS02a
(reporting trust anchors) and CS02b/CS02d (replacing them) all read or change the same
keys, and each change must reach NVM. The object is handed a `protocols.gbcs.KeyStore`;
it never reads folders.

Where the keys come from (`KeyMode`):

- STORE: the key store holds this endpoint's private keys (a store exported by the test
  CA, or a real device's).
- GENERATED: no key store of its own; the endpoint generates its KA and DS key pairs on
  first start, keeps them in NVM, and the test CA (`firmware.gbcs.pki`) certifies them.
- RIG: the key store has only this endpoint's certificates, as the RTDS store does for
  every device (gbcs.md 1). A test-rig convenience then applies: the ECDH secret behind
  a MAC can be computed from *either* side (gbcs.md 4.2), so the endpoint verifies command
  MACs and MACs its responses with the remote party's private key and its own
  certificate. Signing has no such way round: the first time the endpoint must sign
  (critical responses, critical alerts) it generates a DS key pair, keeps it in NVM and
  logs that its signatures now verify only against the certificate it exports
  (`exported_certificates`), not the key store's. In RIG mode the key store also stays
  the authority on remote parties' keys: an anchor a CS02b command installs is reported
  by CS02a, but commands from a party the key store names keep verifying with the key
  store's key (RTDS folders replay credential updates whose new private keys nobody has).

Trust anchors are kept in NVM (`gbcs.anchors`) from the first start: per remote-party
role the cells GBCS gives it (gbcs.md 5.4: DS, KA, the supplier's prepayment KA), each
with the party's EUI and public key; the key identifier follows from the key
(`certificates.key_identifier`).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from cryptography.hazmat.primitives.asymmetric import ec

from firmware.gbcs import certificates
from protocols.gbcs import crypto
from protocols.gbcs.cs.common import ACB, LOAD_CONTROLLER, NETWORK_OPERATOR, SUPPLIER
from protocols.gbcs.keystore import KeyStore, KeyUsage

if TYPE_CHECKING:
    from hal.nvm import Nvm

LOGGER = logging.getLogger(__name__)
_ANCHORS = "gbcs.anchors"
_OWN_KEY = "gbcs.own.{usage}.key"  #: PKCS#8 DER of a generated private key
_OWN_CERTIFICATE = "gbcs.own.{usage}.certificate"  #: DER certificate of the own key (generated or installed)
#: The cells each role's anchors occupy (gbcs.md 5.4, the CS02a responses): (usage, cell usage).
_CELLS: dict[int, tuple[tuple[KeyUsage, int | None], ...]] = {
    SUPPLIER: ((KeyUsage.DS, None), (KeyUsage.KA, None), (KeyUsage.PP_KA, 1)),
    NETWORK_OPERATOR: ((KeyUsage.DS, None), (KeyUsage.KA, None)),
    ACB: ((KeyUsage.DS, None), (KeyUsage.KA, None)),
    LOAD_CONTROLLER: ((KeyUsage.DS, None), (KeyUsage.KA, None)),
}
_DS_ONLY: tuple[tuple[KeyUsage, int | None], ...] = ((KeyUsage.DS, None),)


class KeyMode(str, enum.Enum):
    """Where an endpoint's own keys come from (see the module docstring)."""

    STORE = "store"
    GENERATED = "generated"
    RIG = "rig"


class CertificateAuthority(Protocol):
    """What GENERATED mode needs from the test CA (`firmware.gbcs.pki.TestPki`)."""

    def certify(self, eui: bytes, usage: KeyUsage, public_key: ec.EllipticCurvePublicKey) -> bytes:
        """The DER device certificate of `public_key` (the CA also remembers it for the head-end's key store)."""
        ...


@dataclass(frozen=True, slots=True)
class TrustAnchor:
    """One trust-anchor cell: a remote party's public key for one role and key usage."""

    role: int
    usage: KeyUsage
    eui: bytes
    public_key: bytes  #: DER SubjectPublicKeyInfo
    cell_usage: int | None = None  #: 1 for the supplier's prepayment KA cell
    sequence_number: int = 0  #: reported by CS02a; the floor the last replacement set

    @property
    def key(self) -> ec.EllipticCurvePublicKey:
        return certificates.load_public_key(self.public_key)

    @property
    def key_identifier(self) -> bytes:
        return certificates.key_identifier(self.key)

    def to_nvm(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "usage": self.usage.value,
            "eui": self.eui,
            "public_key": self.public_key,
            "cell_usage": self.cell_usage,
            "sequence_number": self.sequence_number,
        }

    @classmethod
    def from_nvm(cls, value: dict[str, Any]) -> TrustAnchor:
        return cls(
            value["role"],
            KeyUsage(value["usage"]),
            value["eui"],
            value["public_key"],
            value["cell_usage"],
            value["sequence_number"],
        )


class Credentials:
    """Keys and trust anchors of one GBCS endpoint, kept in its NVM partition."""

    def __init__(
        self,
        eui: bytes,
        nvm: Nvm,
        keystore: KeyStore,
        parties: Mapping[int, bytes],
        *,
        authority: CertificateAuthority | None = None,
        generate: Callable[[], ec.EllipticCurvePrivateKey] = lambda: ec.generate_private_key(ec.SECP256R1()),
    ) -> None:
        """`parties`: role -> EUI of the remote parties this endpoint trusts at first start."""
        self.eui = eui
        self._nvm = nvm
        self._keystore = keystore
        self._generate = generate
        self._authority = authority
        self._secrets: dict[bytes, bytes | None] = {}
        self._devices: dict[bytes, ec.EllipticCurvePublicKey] = {}
        if keystore.private_key(eui, KeyUsage.KA) is not None:
            self.mode = KeyMode.STORE
        elif authority is not None:
            self.mode = KeyMode.GENERATED
            for usage in (KeyUsage.KA, KeyUsage.DS):
                self._generated_key(usage, create=True)
        else:
            self.mode = KeyMode.RIG
        stored = nvm.get(_ANCHORS)
        if stored is None:
            anchors = self._initial_anchors(parties)
            nvm.put(_ANCHORS, [anchor.to_nvm() for anchor in anchors])
        else:
            anchors = [TrustAnchor.from_nvm(value) for value in stored]
        self._anchors = anchors

    # -- own keys ---------------------------------------------------------------------------

    def _generated_key(self, usage: KeyUsage, *, create: bool) -> ec.EllipticCurvePrivateKey | None:
        """The private key generated for `usage` and kept in NVM; generated now when `create`."""
        stored = self._nvm.get(_OWN_KEY.format(usage=usage.value))
        if stored is not None:
            return certificates.load_private_key(stored)
        if not create:
            return None
        key = self._generate()
        if self._authority is not None:
            certificate = self._authority.certify(self.eui, usage, key.public_key())
        else:
            certificate = certificates.Issuer(f"commshub rig {self.eui.hex()}", key).device(
                self.eui, usage, key.public_key()
            )
            LOGGER.warning(
                "%s: no private %s key in the key store; generated one (kept in NVM): its signatures and MACs "
                "verify only against the certificate it exports",
                self.eui.hex(),
                usage.value.upper(),
            )
        with self._nvm.transaction() as tx:
            tx.put(_OWN_KEY.format(usage=usage.value), certificates.private_key_bytes(key))
            tx.put(_OWN_CERTIFICATE.format(usage=usage.value), certificate)
        self._secrets.clear()
        return key

    def private_key(self, usage: KeyUsage) -> ec.EllipticCurvePrivateKey | None:
        """This endpoint's private key for `usage`, if it has one (never generated here)."""
        generated = self._generated_key(usage, create=False)
        return generated if generated is not None else self._keystore.private_key(self.eui, usage)

    def public_key(self, usage: KeyUsage) -> ec.EllipticCurvePublicKey | None:
        private = self.private_key(usage)
        return private.public_key() if private is not None else self._keystore.public_key(self.eui, usage)

    def signing_key(self) -> ec.EllipticCurvePrivateKey:
        """The DS private key to sign with; generated (and kept in NVM) on first need when there is none."""
        key = self.private_key(KeyUsage.DS)
        if key is None:
            key = self._generated_key(KeyUsage.DS, create=True)
            assert key is not None
        return key

    def agreement_key(self) -> ec.EllipticCurvePrivateKey:
        """The KA private key for HAN MACs (PCS commands), where no remote party's key can stand in."""
        key = self.private_key(KeyUsage.KA)
        if key is None:
            key = self._generated_key(KeyUsage.KA, create=True)
            assert key is not None
        return key

    def own_certificate(self, usage: KeyUsage) -> bytes | None:
        """The DER certificate of a generated or installed own key (None: the key store's applies)."""
        stored: bytes | None = self._nvm.get(_OWN_CERTIFICATE.format(usage=usage.value))
        return stored

    def install_certificate(self, usage: KeyUsage, certificate: bytes) -> None:
        """Keep a new certificate of an own key (CS02d); the caller has checked it names this key."""
        self._nvm.put(_OWN_CERTIFICATE.format(usage=usage.value), certificate)

    def exported_certificates(self) -> dict[str, bytes]:
        """Key store files (name -> PEM) of the certificates only this endpoint knows (generated keys)."""
        files = {}
        for usage in (KeyUsage.KA, KeyUsage.DS):
            if self._generated_key(usage, create=False) is not None:
                certificate = self.own_certificate(usage)
                if certificate is not None:
                    files[f"{self.eui.hex()}-{usage.value}.pem"] = certificates.pem(certificate)
        return files

    # -- remote parties -----------------------------------------------------------------------

    def _initial_anchors(self, parties: Mapping[int, bytes]) -> list[TrustAnchor]:
        anchors = []
        for role, eui in sorted(parties.items()):
            for usage, cell_usage in _CELLS.get(role, _DS_ONLY):
                key = self._keystore.public_key(eui, usage)
                if key is not None:
                    anchors.append(TrustAnchor(role, usage, eui, certificates.public_key_bytes(key), cell_usage))
        return anchors

    def anchors(self) -> tuple[TrustAnchor, ...]:
        return tuple(self._anchors)

    def anchor(self, role: int, usage: KeyUsage, cell_usage: int | None = None) -> TrustAnchor | None:
        for anchor in self._anchors:
            if (anchor.role, anchor.usage, anchor.cell_usage) == (role, usage, cell_usage):
                return anchor
        return None

    def put_anchor(self, anchor: TrustAnchor) -> None:
        """Install `anchor` in its cell (replacing what was there) and persist the anchors."""
        cell = (anchor.role, anchor.usage, anchor.cell_usage)
        kept = [a for a in self._anchors if (a.role, a.usage, a.cell_usage) != cell]
        self._anchors = [*kept, anchor]
        self._nvm.put(_ANCHORS, [a.to_nvm() for a in self._anchors])
        self._secrets.clear()

    def set_sequence_number(self, role: int, value: int) -> None:
        for anchor in [a for a in self._anchors if a.role == role]:
            self.put_anchor(replace(anchor, sequence_number=value))

    def party(self, role: int) -> bytes | None:
        """The EUI of the remote party holding `role` (its DS cell, else any cell)."""
        anchor = self.anchor(role, KeyUsage.DS) or next((a for a in self._anchors if a.role == role), None)
        return None if anchor is None else anchor.eui

    def role_of(self, eui: bytes) -> int | None:
        """The remote-party role of `eui`: from the anchors, else from the key store's certificates."""
        for anchor in self._anchors:
            if anchor.eui == eui:
                return anchor.role
        return self._keystore.role(eui)

    @property
    def acb(self) -> bytes | None:
        return self.party(ACB) or self._keystore.acb

    def add_device(self, eui: bytes, ka_public_key: ec.EllipticCurvePublicKey) -> None:
        """Know a HAN device's KA key (from its CS03C certificate), for HAN-originated MACs."""
        self._devices[eui] = ka_public_key
        self._secrets.pop(eui, None)

    def peer_public_key(self, eui: bytes, usage: KeyUsage) -> ec.EllipticCurvePublicKey | None:
        """A remote party's (or joined device's) public key: anchors and key store, in the mode's order."""
        anchored = next((a.key for a in self._anchors if a.eui == eui and a.usage is usage), None)
        if usage is KeyUsage.KA and anchored is None:
            anchored = self._devices.get(eui)
        stored = self._keystore.public_key(eui, usage)
        first, second = (stored, anchored) if self.mode is KeyMode.RIG else (anchored, stored)
        return first if first is not None else second

    # -- key agreement (gbcs.md 4.1-4.3) -----------------------------------------------------------

    def shared_secret(self, peer: bytes) -> bytes | None:
        """ECDH Z between this endpoint's KA key and `peer`'s, from whichever side's private key exists."""
        if peer in self._secrets:
            return self._secrets[peer]
        secret = None
        own_private = self.private_key(KeyUsage.KA)
        peer_public = self.peer_public_key(peer, KeyUsage.KA)
        if own_private is not None and peer_public is not None:
            secret = crypto.ecdh(own_private, peer_public)
        else:
            peer_private = self._keystore.private_key(peer, KeyUsage.KA)
            own_public = self.public_key(KeyUsage.KA)
            if peer_private is not None and own_public is not None:
                secret = crypto.ecdh(peer_private, own_public)
        self._secrets[peer] = secret
        return secret

    def mac_key(self, peer: bytes, originator: bytes, kind: int, counter: int, recipient: bytes) -> bytes | None:
        """K of gbcs.md 4.1 between this endpoint and `peer`; None when neither side's private key is held."""
        secret = self.shared_secret(peer)
        return None if secret is None else crypto.derive_key(secret, originator, kind, counter, recipient)
