"""Who is who by default: the devices and remote parties of the DCC reference test data (gbcs.md 2.1, 2.2).

Why these: a hub started with the RTDS key store, or without any (its test PKI issues keys to
the same EUIs, `firmware.gbcs.pki.REMOTE_PARTIES`), uses these identities, so a use case
addressed by device name reaches the same meter whichever key material is in use. Any other
hub is addressed with `target=<EUI>` and `originator=<EUI>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from firmware.gbcs.pki import REMOTE_PARTIES
from protocols.gbcs.cs.common import (
    ACB,
    LOAD_CONTROLLER,
    NETWORK_OPERATOR,
    RECOVERY,
    SUPPLIER,
    TRANSITIONAL_COS,
    WAN_PROVIDER,
)

#: Device name -> RTDS EUI (gbcs.md 2.2).
DEVICES: dict[str, bytes] = {
    "esme": bytes.fromhex("00db1234567890a0"),
    "gsme": bytes.fromhex("00db1234567890a1"),
    "chf": bytes.fromhex("00db1234567890a2"),
    "gpf": bytes.fromhex("00db1234567890a3"),
    "ppmid": bytes.fromhex("00db1234567890a4"),
    "hcalcs": bytes.fromhex("00db1234567890a5"),
}
#: Remote-party name -> role (gbcs.md 2.1), as `originator=` and `service_user=` take them.
ROLES: dict[str, int] = {
    "supplier": SUPPLIER,
    "network-operator": NETWORK_OPERATOR,
    "acb": ACB,
    "recovery": RECOVERY,
    "transitional-cos": TRANSITIONAL_COS,
    "wan-provider": WAN_PROVIDER,
    "load-controller": LOAD_CONTROLLER,
}
#: The order a default originator is chosen in among the roles a use case allows.
ORIGINATOR_PREFERENCE = (SUPPLIER, NETWORK_OPERATOR, ACB, LOAD_CONTROLLER, WAN_PROVIDER, TRANSITIONAL_COS, RECOVERY)


@dataclass(frozen=True, slots=True)
class Identities:
    """The EUIs the head-end addresses devices and names parties by."""

    devices: Mapping[str, bytes] = field(default_factory=lambda: dict(DEVICES))
    parties: Mapping[int, bytes] = field(
        default_factory=lambda: {role: eui for role, (eui, _, _) in REMOTE_PARTIES.items()}
    )

    def party(self, role: int) -> bytes:
        return self.parties[role]

    def role_name(self, role: int) -> str:
        return next((name for name, value in ROLES.items() if value == role), f"role {role}")
