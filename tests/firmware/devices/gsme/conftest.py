"""Install the agreed `firmware.gbcs.contract` shapes when the real package is not there yet."""

from __future__ import annotations

import importlib
import sys
import types

try:
    importlib.import_module("firmware.gbcs.contract")
except ImportError:
    from tests.firmware.devices.gsme import contract

    package = types.ModuleType("firmware.gbcs")
    package.__path__ = []
    package.contract = contract  # type: ignore[attr-defined]
    sys.modules.setdefault("firmware.gbcs", package)
    sys.modules.setdefault("firmware.gbcs.contract", contract)
