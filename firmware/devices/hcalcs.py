"""The HCALCS (HAN-connected auxiliary load control switch) as GBCS sees it (gbcs.md 2.2, 5.4).

Remote parties address it with CS use cases only - CS03A2 (method A responder, joining
its ESME), CS04AC, CS07, CS08 (firmware version), CS02a/CS02f - all answered by the common
CS handler. Its switching is driven by its ESME over the HAN (ECS47 and friends act on
the ESME's auxiliary controller objects), not by GBCS messages addressed to it, so it has no
payload handler of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from firmware.gbcs.assembly import GbcsDevice, assemble
from firmware.gbcs.common_cs import FirmwareStore
from firmware.gbcs.credentials import CertificateAuthority
from protocols.gbcs.cs.common import HCALCS
from protocols.gbcs.keystore import KeyStore

if TYPE_CHECKING:
    from hal.nvm import Nvm

HCALCS_EUI = bytes.fromhex("00db1234567890a5")  #: RTDS identity (gbcs.md 2.2)


def hcalcs(
    nvm: Nvm,
    keystore: KeyStore,
    parties: Mapping[int, bytes],
    *,
    eui: bytes = HCALCS_EUI,
    version: bytes = b"\x01\x00\x00\x00",
    authority: CertificateAuthority | None = None,
) -> GbcsDevice:
    """An HCALCS on its NVM partition."""
    return assemble(
        eui,
        nvm,
        keystore,
        parties,
        device_type=HCALCS,
        alert_family="gbz",
        firmware=FirmwareStore(nvm, version),
        authority=authority,
    )
