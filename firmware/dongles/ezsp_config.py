"""EZSP configuration, utility and token commands of the virtual NCP (UG100 "Configuration", "Utilities").

Configuration values and policies live in RAM and are lost at a reset; an
unknown id is ERROR_INVALID_ID, and values that only make sense before the
stack runs (configuration, frame counters) are refused with
ERROR_INVALID_CALL once it does, as EmberZNet refuses them.
"""

from __future__ import annotations

import logging
from typing import Any

from protocols.serial.ezsp_commands import (
    EmberStatus,
    EzspStatus,
)
from protocols.serial.ezsp_types import (
    TokenInfo,
)

from .ezsp_core import (
    MFG_CUSTOM_EUI_64,
    MFG_TOKENS,
    VERSION_INFO,
    NcpCore,
)
from .ezsp_tokens import (
    POLICY_IDS,
    TOKEN_NETWORK_MANAGEMENT,
    TOKEN_RESTORED_EUI64,
    VALUE_APS_FRAME_COUNTER,
    VALUE_NWK_FRAME_COUNTER,
    VALUE_VERSION_INFO,
)

LOGGER = logging.getLogger(__name__)


class ConfigCommands(NcpCore):
    """Config commands of the virtual NCP."""

    # --- configuration ----------------------------------------------------------------------------

    async def _hGetConfigurationValue(self, params: dict[str, Any]) -> dict[str, Any]:
        value = self.ram.config.get(params["config_id"])
        if value is None:
            return {"status": EzspStatus.ERROR_INVALID_ID, "value": 0}
        return {"status": EzspStatus.SUCCESS, "value": value}

    async def _hSetConfigurationValue(self, params: dict[str, Any]) -> dict[str, Any]:
        if params["config_id"] not in self.ram.config:
            return {"status": EzspStatus.ERROR_INVALID_ID}
        if self.stack is not None:
            return {"status": EzspStatus.ERROR_INVALID_CALL}  # only before the stack is up
        self.ram.config[params["config_id"]] = params["value"]
        return {"status": EzspStatus.SUCCESS}

    async def _hSetPolicy(self, params: dict[str, Any]) -> dict[str, Any]:
        if params["policy_id"] not in POLICY_IDS:
            return {"status": EzspStatus.ERROR_INVALID_ID}
        self.ram.policies[params["policy_id"]] = params["decision_id"]
        return {"status": EzspStatus.SUCCESS}

    async def _hGetPolicy(self, params: dict[str, Any]) -> dict[str, Any]:
        if params["policy_id"] not in POLICY_IDS:
            return {"status": EzspStatus.ERROR_INVALID_ID, "decision_id": 0}
        return {"status": EzspStatus.SUCCESS, "decision_id": self.ram.policies.get(params["policy_id"], 0)}

    async def _hGetValue(self, params: dict[str, Any]) -> dict[str, Any]:
        value_id = params["value_id"]
        if value_id == VALUE_VERSION_INFO:
            value = VERSION_INFO
        elif value_id == VALUE_NWK_FRAME_COUNTER:
            self._save_counters()
            value = self.tokens.nwk_frame_counter.to_bytes(4, "little")
        elif value_id == VALUE_APS_FRAME_COUNTER:
            self._save_counters()
            value = self.tokens.aps_frame_counter.to_bytes(4, "little")
        elif value_id in self.ram.values:
            value = self.ram.values[value_id]
        else:
            return {"status": EzspStatus.ERROR_INVALID_ID, "value": b""}
        return {"status": EzspStatus.SUCCESS, "value": value}

    async def _hSetValue(self, params: dict[str, Any]) -> dict[str, Any]:
        value_id, value = params["value_id"], params["value"]
        if value_id in (VALUE_NWK_FRAME_COUNTER, VALUE_APS_FRAME_COUNTER):
            if len(value) != 4:
                return {"status": EzspStatus.ERROR_INVALID_VALUE}
            if self.stack is not None:
                return {"status": EzspStatus.ERROR_INVALID_CALL}  # counters are set before forming
            counter = int.from_bytes(value, "little")
            if value_id == VALUE_NWK_FRAME_COUNTER:
                self.tokens.nwk_frame_counter = counter
            else:
                self.tokens.aps_frame_counter = counter
        elif value_id == VALUE_VERSION_INFO:
            return {"status": EzspStatus.ERROR_INVALID_CALL}
        else:
            self.ram.values[value_id] = value
        return {"status": EzspStatus.SUCCESS}

    async def _hGetExtendedValue(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"status": EzspStatus.ERROR_INVALID_ID, "value": b""}

    async def _hAddEndpoint(self, params: dict[str, Any]) -> dict[str, Any]:
        clusters = params["clusters"]
        if len(clusters) != params["input_count"] + params["output_count"]:
            return {"status": EzspStatus.ERROR_INVALID_VALUE}
        if self.stack is not None or params["endpoint"] in self.ram.endpoints:
            return {"status": EzspStatus.ERROR_INVALID_CALL}
        inputs, outputs = clusters[: params["input_count"]], clusters[params["input_count"] :]
        self.ram.endpoints[params["endpoint"]] = (
            params["profile_id"],
            params["device_id"],
            params["device_version"],
            tuple(inputs),
            tuple(outputs),
        )
        return {"status": EzspStatus.SUCCESS}

    # --- utilities --------------------------------------------------------------------------------

    async def _hNop(self, params: dict[str, Any]) -> dict[str, Any]:
        return {}

    async def _hEcho(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"echo": params["data"]}

    async def _hSetManufacturerCode(self, params: dict[str, Any]) -> dict[str, Any]:
        self.ram.manufacturer_code = params["code"]
        return {}

    async def _hSetRadioPower(self, params: dict[str, Any]) -> dict[str, Any]:
        info = self.radio.info
        if not info.min_power_dbm <= params["power"] <= info.max_power_dbm:
            return {"status": EmberStatus.BAD_ARGUMENT}
        self.ram.radio_power = params["power"]
        await self.radio.set_power(params["power"])
        return {"status": EmberStatus.SUCCESS}

    async def _hGetMfgToken(self, params: dict[str, Any]) -> dict[str, Any]:
        if params["token_id"] == MFG_CUSTOM_EUI_64:
            return {"token_data": self.tokens.mfg_custom_eui64.to_bytes(8, "little")}
        return {"token_data": MFG_TOKENS.get(params["token_id"], b"")}

    async def _hSetMfgToken(self, params: dict[str, Any]) -> dict[str, Any]:
        data = params["token_data"]
        if params["token_id"] != MFG_CUSTOM_EUI_64 or len(data) != 8:
            return {"status": EmberStatus.BAD_ARGUMENT}
        if self.tokens.mfg_custom_eui64 != (1 << 64) - 1:
            return {"status": EmberStatus.INVALID_CALL}  # user data is written once
        self.tokens.mfg_custom_eui64 = int.from_bytes(data, "little")
        return {"status": EmberStatus.SUCCESS}

    async def _hCustomFrame(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"status": EmberStatus.LIBRARY_NOT_PRESENT, "reply": b""}

    async def _hGetLibraryStatus(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"status": 0x01}  # EMBER_LIBRARY_PRESENT_MASK: the core library is there

    async def _hGetXncpInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"status": EmberStatus.ERR_FATAL, "manufacturer_id": 0, "version_number": 0}

    async def _hReadCounters(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"values": (0,) * 42}  # EMBER_COUNTER_TYPE_COUNT of EmberZNet 7.4

    async def _hReadAndClearCounters(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._hReadCounters(params)

    # --- tokens -----------------------------------------------------------------------------------

    _TOKENS = (TOKEN_RESTORED_EUI64, TOKEN_NETWORK_MANAGEMENT)

    async def _hGetTokenCount(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"count": len(self._TOKENS)}

    async def _hGetTokenInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        index = params["index"]
        if index >= len(self._TOKENS):
            return {"status": EmberStatus.INDEX_OUT_OF_RANGE, "info": TokenInfo(0, False, False, 0, 0)}
        key = self._TOKENS[index]
        return {"status": EmberStatus.SUCCESS, "info": TokenInfo(key, False, False, 8, 1)}

    async def _hGetTokenData(self, params: dict[str, Any]) -> dict[str, Any]:
        value = self.tokens.read_token(params["token"]) if params["index"] == 0 else None
        if value is None:
            return {"status": EmberStatus.NOT_FOUND, "value": b""}
        return {"status": EmberStatus.SUCCESS, "value": value}

    async def _hSetTokenData(self, params: dict[str, Any]) -> dict[str, Any]:
        ok = params["index"] == 0 and self.tokens.write_token(params["token"], params["value"])
        return {"status": EmberStatus.SUCCESS if ok else EmberStatus.NOT_FOUND}

    async def _hTokenFactoryReset(self, params: dict[str, Any]) -> dict[str, Any]:
        self.tokens.factory_reset(keep_outgoing_counters=params["exclude_outgoing_fc"])
        return {}
