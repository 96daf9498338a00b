"""The test PKI of a hub started without a key store: a GBCS test CA and the remote parties' test keys.

Why: `commshub run` must work on a fresh machine, and a test head-end must be able to
talk to such a hub (issue 9 deliverable 5). On first start the CA key and every remote
party's key pairs are generated and kept in NVM (partition handed in); devices that
generate their own keys (`Credentials`, GENERATED mode) have them certified here, and
the certificates are kept too, so the head-end's key store (`key_files`, `keystore`) knows
every device. The remote parties take their RTDS identities and roles (gbcs.md 2.1), so
the same EUIs address the same parties whichever key material is in use.

Export: `export(writer)` hands `writer(file_name, pem_bytes)` every file of a key store
folder in the RTDS naming (gbcs.md 1); the file I/O is the caller's (tools, hal).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric import ec

from firmware.gbcs import certificates
from protocols.gbcs.cs.common import (
    ACB,
    LOAD_CONTROLLER,
    NETWORK_OPERATOR,
    RECOVERY,
    SUPPLIER,
    TRANSITIONAL_COS,
    WAN_PROVIDER,
)
from protocols.gbcs.keystore import KeyStore, KeyUsage

if TYPE_CHECKING:
    from hal.nvm import Nvm

#: The remote parties of RTDS (gbcs.md 2.1): role -> (EUI, key usages, certificate common name).
REMOTE_PARTIES: dict[int, tuple[bytes, tuple[KeyUsage, ...], str | None]] = {
    SUPPLIER: (bytes.fromhex("90b3d51f30010000"), (KeyUsage.DS, KeyUsage.KA, KeyUsage.PP_KA), "TESTSUPPLIER"),
    NETWORK_OPERATOR: (bytes.fromhex("90b3d51f30020000"), (KeyUsage.DS, KeyUsage.KA), None),
    ACB: (bytes.fromhex("90b3d51f30000002"), (KeyUsage.DS, KeyUsage.KA), None),
    RECOVERY: (bytes.fromhex("90b3d51f30000001"), (KeyUsage.DS,), None),
    TRANSITIONAL_COS: (bytes.fromhex("90b3d51f30000004"), (KeyUsage.DS,), None),
    WAN_PROVIDER: (bytes.fromhex("90b3d51f30000007"), (KeyUsage.DS, KeyUsage.KA), None),
    LOAD_CONTROLLER: (bytes.fromhex("90b3d51f30010008"), (KeyUsage.DS, KeyUsage.KA), None),
}
_CA_KEY = "pki.ca.key"
_PARTY_KEY = "pki.party.{eui}.{usage}.key"
_PARTY_CERTIFICATE = "pki.party.{eui}.{usage}.certificate"
_DEVICE_CERTIFICATE = "pki.device.{eui}.{usage}.certificate"
_DEVICES = "pki.devices"


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


class TestPki:
    """A GBCS test CA and the remote parties' keys, generated on first start and kept in `nvm`."""

    __test__ = False  #: not a pytest test class, whatever its name

    def __init__(self, nvm: Nvm, generate: Callable[[], ec.EllipticCurvePrivateKey] = _new_key) -> None:
        self._nvm = nvm
        with nvm.transaction() as tx:
            if nvm.get(_CA_KEY) is None:
                tx.put(_CA_KEY, certificates.private_key_bytes(generate()))
            for eui, usages, _ in REMOTE_PARTIES.values():
                for usage in usages:
                    key_name = _PARTY_KEY.format(eui=eui.hex(), usage=usage.value)
                    if nvm.get(key_name) is None:
                        tx.put(key_name, certificates.private_key_bytes(generate()))
        self.issuer = certificates.Issuer("commshub test CA", certificates.load_private_key(nvm.get(_CA_KEY)))
        with nvm.transaction() as tx:
            for role, (eui, usages, name) in REMOTE_PARTIES.items():
                for usage in usages:
                    key = _PARTY_CERTIFICATE.format(eui=eui.hex(), usage=usage.value)
                    if nvm.get(key) is None:
                        public = self.party_key(role, usage).public_key()
                        tx.put(key, self.issuer.remote_party(eui, role, usage, public, name))

    @property
    def parties(self) -> dict[int, bytes]:
        """Role -> EUI of every remote party: what a device trusts at first start."""
        return {role: eui for role, (eui, _, _) in REMOTE_PARTIES.items()}

    def party_key(self, role: int, usage: KeyUsage) -> ec.EllipticCurvePrivateKey:
        eui = REMOTE_PARTIES[role][0]
        return certificates.load_private_key(self._nvm.get(_PARTY_KEY.format(eui=eui.hex(), usage=usage.value)))

    def party_certificate(self, role: int, usage: KeyUsage) -> bytes:
        """The DER certificate issued to a remote party at first start."""
        eui = REMOTE_PARTIES[role][0]
        certificate: bytes = self._nvm.get(_PARTY_CERTIFICATE.format(eui=eui.hex(), usage=usage.value))
        return certificate

    def certify(self, eui: bytes, usage: KeyUsage, public_key: ec.EllipticCurvePublicKey) -> bytes:
        """Issue (and keep) the device certificate of `public_key`."""
        certificate = self.issuer.device(eui, usage, public_key)
        with self._nvm.transaction() as tx:
            tx.put(_DEVICE_CERTIFICATE.format(eui=eui.hex(), usage=usage.value), certificate)
            devices = list(self._nvm.get(_DEVICES, []))
            if eui not in devices:
                tx.put(_DEVICES, [*devices, eui])
        return certificate

    def device_certificates(self) -> dict[tuple[bytes, KeyUsage], bytes]:
        found = {}
        for eui in self._nvm.get(_DEVICES, []):
            for usage in (KeyUsage.KA, KeyUsage.DS):
                certificate = self._nvm.get(_DEVICE_CERTIFICATE.format(eui=eui.hex(), usage=usage.value))
                if certificate is not None:
                    found[(eui, usage)] = certificate
        return found

    def keystore(self) -> KeyStore:
        """A head-end's key store: every remote party's private keys and every certified device's public keys."""
        store = KeyStore()
        for role, (eui, usages, _) in REMOTE_PARTIES.items():
            for usage in usages:
                store.add(eui, usage, self.party_key(role, usage))
        for (eui, usage), certificate in self.device_certificates().items():
            store.add(eui, usage, certificates.identity(certificate).public_key)
        store.acb = REMOTE_PARTIES[ACB][0]
        return store

    def key_files(self) -> dict[str, bytes]:
        """Every file of the head-end's key store folder: name -> PEM (gbcs.md 1 naming)."""
        files = {}
        for role, (eui, usages, _) in REMOTE_PARTIES.items():
            for usage in usages:
                stem = f"{eui.hex()}-{usage.value}"
                files[f"{stem}.pem"] = certificates.pem(self.party_certificate(role, usage))
                files[f"{stem}.key"] = certificates.private_key_pem(self.party_key(role, usage))
        for (eui, usage), certificate in self.device_certificates().items():
            files[f"{eui.hex()}-{usage.value}.pem"] = certificates.pem(certificate)
        return files

    def export(self, writer: Callable[[str, bytes], None]) -> None:
        """Hand every key store file to `writer(name, contents)`."""
        for name, contents in sorted(self.key_files().items()):
            writer(name, contents)
