"""A GBCS device known only through the CS use cases addressed to it: RTDS `00db1234567890a6`.

The reference data set sends this EUI CS02f (provide credential details) and CS02g
(update the load controller's credentials, by the load controller itself) and nothing
else; its device type is not known (gbcs.md 2.2, 8). It is emulated as what those use
cases need: a GBCS endpoint with trust anchors, the common CS handler (credentials,
join list, no firmware hooks) and no payload side of its own. The device type given to
its join list defaults to Type 2 [?].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from firmware.gbcs.assembly import GbcsDevice, assemble
from firmware.gbcs.credentials import CertificateAuthority
from protocols.gbcs.cs.common import TYPE_2
from protocols.gbcs.keystore import KeyStore

if TYPE_CHECKING:
    from hal.nvm import Nvm

CS_DEVICE_EUI = bytes.fromhex("00db1234567890a6")  #: RTDS identity (gbcs.md 2.2)


def cs_device(
    nvm: Nvm,
    keystore: KeyStore,
    parties: Mapping[int, bytes],
    *,
    eui: bytes = CS_DEVICE_EUI,
    device_type: int = TYPE_2,
    authority: CertificateAuthority | None = None,
) -> GbcsDevice:
    """The a6 device (or any CS-only GBCS device) on its NVM partition."""
    return assemble(eui, nvm, keystore, parties, device_type=device_type, alert_family="gbz", authority=authority)
