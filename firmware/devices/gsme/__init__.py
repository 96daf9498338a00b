"""The GSME: a SMETS2 gas meter's ZCL model answering GBZ payloads (meters.md 4; gbcs.md 5.3, 6.3).

- `Gsme` (engine): the sans-I/O payload side - `handle(payload, facts)`, `deadline()`,
  `timer_fired(now, utc)`, `mirror_values(now, utc)`, faults, firmware receipt.
- `GsmePayloadHandler` (handler, imported on demand): `Gsme` behind the `firmware.gbcs`
  `PayloadHandler` contract.
- `load_profile`, `GsmeProfile`, `Fault`: shipped TOML device profiles.
- `reads.answer_reads`, `tap_off.tap_off_components`: the pieces the GPF reuses.
"""

from .engine import Gsme
from .model import GsmeAlert
from .profile import Fault, GsmeProfile, ProfileError, available, load_profile

__all__ = ["Fault", "Gsme", "GsmeAlert", "GsmeProfile", "ProfileError", "available", "load_profile"]
