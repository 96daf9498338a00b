"""Where a hub's GBCS keys come from: a key store it is given, or a test PKI it generates once (gbcs.md 1, 4).

Why (the hub's key material, two ways):

- With a key store (the RTDS one, `../shared/gbcs/keystore`, or a rig's own): the CHF, the
  GPF and the emulated devices take their keys and the remote parties' certificates from it
  (`firmware.gbcs.credentials` STORE or RIG mode), so reference-data commands address this
  hub as they are.
- Without one: on first start a test CA and every remote party's key pairs are generated
  and kept in NVM (`firmware.gbcs.pki.TestPki`), each device generates its own pairs and the
  CA certifies them (GENERATED mode). `export` writes the key store folder a head-end needs
  (`commshub send --keystore DIR`): the remote parties' private keys and every device's
  certificates.

The remote parties take their RTDS identities and roles in both cases (gbcs.md 2.1). The CHF
trusts the recovery party, the ACB and the WAN provider - the roles CS02 addresses to it in
RTDS - and the GPF and the meters every remote party.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware.gbcs.credentials import CertificateAuthority, Credentials
from firmware.gbcs.pki import REMOTE_PARTIES, TestPki
from protocols.gbcs.cs.common import ACB, RECOVERY, WAN_PROVIDER
from protocols.gbcs.keystore import KeyStore

if TYPE_CHECKING:
    from hal.nvm import Nvm

#: Role -> EUI of every remote party (RTDS identities, gbcs.md 2.1).
PARTIES: dict[int, bytes] = {role: eui for role, (eui, _usages, _name) in REMOTE_PARTIES.items()}
#: The remote parties the CHF holds trust anchors for.
CHF_PARTIES: dict[int, bytes] = {role: PARTIES[role] for role in (RECOVERY, ACB, WAN_PROVIDER)}


@dataclass(frozen=True, slots=True)
class HubKeys:
    """The key store every endpoint of the hub reads, and the CA that certifies generated keys (None: given keys)."""

    keystore: KeyStore
    authority: CertificateAuthority | None
    pki: TestPki | None

    @classmethod
    def given(cls, keystore: KeyStore) -> HubKeys:
        return cls(keystore, None, None)

    @classmethod
    def generated(cls, nvm: Nvm) -> HubKeys:
        """The test PKI kept in `nvm` (generated there on first start)."""
        pki = TestPki(nvm)
        return cls(pki.keystore(), pki, pki)

    def export(self, writer: Callable[[str, bytes], None], credentials: Iterable[Credentials]) -> list[str]:
        """Hand a head-end's key store folder to `writer(name, pem)`: with a test PKI, its files; in every case the
        certificates of keys an endpoint generated itself (a rig endpoint that had to sign). The names written."""
        files: dict[str, bytes] = {} if self.pki is None else dict(self.pki.key_files())
        for credential in credentials:
            files.update(credential.exported_certificates())
        for name, contents in sorted(files.items()):
            writer(name, contents)
        return sorted(files)
