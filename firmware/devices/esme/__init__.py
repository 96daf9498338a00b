"""The electricity meter (ESME) behind the hub: a SMETS2 DLMS/COSEM object model that answers GBCS payloads.

Public API (docs/esme.md):

- `Esme(nvm, profile, rng, *, security=None, faults=None)`: the `PayloadHandler` of the GBCS
  endpoint contract (`handle`, `deadline`, `timer_fired`), plus `faults`, `pending_activations`,
  `press_button`, `meter_time` and `meter` for tests and tools.
- `DeviceProfile`, `parse_profile(text, source)`, `shipped_profile(name)`,
  `shipped_profile_names()`, `ProfileError`: what meter to be.
- `Fault`, `FaultKind`, `Faults`: answer a given result for a given object, or fail the
  firmware image check.
- `KeyStoreSecurity(keystore, device)`, `CredentialsSecurity(credentials, keystore)`: UTRN checks and
  protected reads from a key store, or from the device's `firmware.gbcs` credentials.
"""

from firmware.devices.esme.faults import Fault, FaultConfigError, FaultKind, Faults
from firmware.devices.esme.handler import Esme
from firmware.devices.esme.profile import (
    DeviceProfile,
    PaymentMode,
    ProfileError,
    Variant,
    parse_profile,
    shipped_profile,
    shipped_profile_names,
)
from firmware.devices.esme.security import CredentialsSecurity, KeyStoreSecurity, PayloadSecurity

__all__ = [
    "CredentialsSecurity",
    "DeviceProfile",
    "Esme",
    "Fault",
    "FaultConfigError",
    "FaultKind",
    "Faults",
    "KeyStoreSecurity",
    "PayloadSecurity",
    "PaymentMode",
    "ProfileError",
    "Variant",
    "parse_profile",
    "shipped_profile",
    "shipped_profile_names",
]
