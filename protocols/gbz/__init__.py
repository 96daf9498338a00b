"""GBZ: the GB Smart Energy payload of GSME and GPF messages, as typed values (gbcs.md 5.3).

- `payload`: the framing - `parse`/`build` (commands, responses), `parse_alert`/`build_alert`,
  `Component`, `GbzPayload`, `GbzAlert`, `Cipher` for encrypted components.
- `frame`: the ZCL frame of a component (`ZclFrame`).
- `zcl`: typed ZCL payloads through zigpy's cluster definitions (cluster commands, Read
  Attributes and its response records, Default Response).
- `alerts`: the use-case alert bodies (0x00CD future-dated outcome, 0x00CF image hash, 0x00F2 integrity,
  the generic 0x8161 / 0x8162 user-interface alerts) and `body_type` choosing among them.

This package is the codec devices build and answer with, and the one reader of GBZ framing:
`protocols.gbcs.payload.gbz` turns the values it returns into `commshub decode`'s display tree.
"""

from protocols.gbz.errors import GbzDecodeError, GbzEncodeError
from protocols.gbz.frame import ZclFrame
from protocols.gbz.payload import (
    BODY_LAYOUT_ALERTS,
    NEVER,
    NOW,
    Cipher,
    Component,
    GbzAlert,
    GbzPayload,
    build,
    build_alert,
    opened,
    parse,
    parse_alert,
)

__all__ = [
    "BODY_LAYOUT_ALERTS",
    "NEVER",
    "NOW",
    "Cipher",
    "Component",
    "GbzAlert",
    "GbzDecodeError",
    "GbzEncodeError",
    "GbzPayload",
    "ZclFrame",
    "build",
    "build_alert",
    "opened",
    "parse",
    "parse_alert",
]
