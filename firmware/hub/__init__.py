"""`firmware.hub`: the Communications Hub's composition root and its I/O adapter (architecture.md, docs/hub.md).

- `start_hub(config, *, radios, store, wan, keystore, utc, rng, devices=...) -> Hub`: HAN + CHF + GPF +
  WAN outbox + the home's emulated devices, started (or resumed from the same NVM); `Hub.ready()`,
  `Hub.export_keys(writer)`, `Hub.close()`.
- `HubConfig`, `parse_config(tables, source)`, `ConfigError`: the settings (TOML read by the tools).
- `HubRuntime`: feeds the CHF from the WAN and the HAN and carries out its orders (tunnels, the
  ESI and gas mirror of `esi`, joins, scans).
- `HubHan`, `HanSettings`: zigpy's ControllerApplication on our stack, admission by install code.

Nothing here reads a file, the environment or a clock; the tools hand in what they built.
"""

from .builder import CHF_EUI, GPF_EUI, Hub, WanFactory, start_hub
from .config import ConfigError, HubConfig, RadioSpec, parse_config
from .han import HanSettings, HubHan
from .runtime import HubRuntime

__all__ = [
    "CHF_EUI",
    "GPF_EUI",
    "ConfigError",
    "HanSettings",
    "Hub",
    "HubConfig",
    "HubHan",
    "HubRuntime",
    "RadioSpec",
    "WanFactory",
    "parse_config",
    "start_hub",
]
