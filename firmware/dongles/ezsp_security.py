"""EZSP security-manager commands of the virtual NCP (UG100 "Security", EZSP 13's sl_zb_sec_man API).

The security state the host sets before forming (network key, trust-centre
link key, hashed-key flag) is a token; the key table is a token; transient
keys (install-code keys waiting for their device) are RAM and expire. Only
the keys that exist can be exported: the network key and the trust-centre
link key by context, link keys by index or EUI-64.
"""

from __future__ import annotations

import logging
from typing import Any

from protocols.serial.ezsp_commands import (
    EmberStatus,
    KeyType,
    SlStatus,
)
from protocols.serial.ezsp_types import (
    ApsKeyMetadata,
    CurrentSecurityState,
    KeyContext,
    NetworkKeyInfo,
)

from .ezsp_core import (
    HASHED_LINK_KEY,
    HAVE_TRUST_CENTER_LINK_KEY,
    NO_ENTRY,
    NcpCore,
)
from .ezsp_tokens import (
    CONFIG_TRANSIENT_KEY_TIMEOUT_S,
)

LOGGER = logging.getLogger(__name__)


class SecurityCommands(NcpCore):
    """Security commands of the virtual NCP."""

    # --- security ---------------------------------------------------------------------------------

    async def _hSetInitialSecurityState(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.stack is not None:
            return {"status": EmberStatus.INVALID_CALL}
        self.tokens.security = params["state"]
        return {"status": EmberStatus.SUCCESS}

    async def _hGetCurrentSecurityState(self, params: dict[str, Any]) -> dict[str, Any]:
        security = self.tokens.security
        if self.stack is None or security is None:
            return {"status": EmberStatus.NOT_JOINED, "state": CurrentSecurityState(0, 0)}
        bitmask = HAVE_TRUST_CENTER_LINK_KEY | (security.bitmask & HASHED_LINK_KEY)
        return {"status": EmberStatus.SUCCESS, "state": CurrentSecurityState(bitmask, self.tokens.eui64)}

    def _exported(self, key: bytes) -> dict[str, Any]:
        return {"key": key, "status": SlStatus.OK}

    async def _hExportKey(self, params: dict[str, Any]) -> dict[str, Any]:
        context: KeyContext = params["context"]
        security = self.tokens.security
        if security is None:
            return {"key": bytes(16), "status": SlStatus.NOT_FOUND}
        if context.core_key_type == KeyType.NETWORK:
            return self._exported(security.network_key)
        if context.core_key_type == KeyType.TC_LINK:
            return self._exported(security.preconfigured_key)
        return {"key": bytes(16), "status": SlStatus.INVALID_PARAMETER}

    async def _hImportKey(self, params: dict[str, Any]) -> dict[str, Any]:
        context: KeyContext = params["context"]
        if context.core_key_type == KeyType.TC_LINK and context.eui64:
            return await self._hImportTransientKey({"eui64": context.eui64, "key": params["key"], "flags": 0})
        return {"status": SlStatus.INVALID_PARAMETER}

    async def _hGetNetworkKeyInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        self._save_counters()
        security = self.tokens.security
        have = security is not None and self.tokens.network is not None
        info = NetworkKeyInfo(
            have, False, security.network_key_sequence if have and security else 0, 0, self.tokens.nwk_frame_counter
        )
        return {"status": SlStatus.OK, "info": info}

    async def _hImportLinkKey(self, params: dict[str, Any]) -> dict[str, Any]:
        if params["index"] >= self._key_table_size():
            return {"status": SlStatus.INVALID_INDEX}
        self.tokens.key_table[params["index"]] = (params["address"], params["key"])
        self._sync_link_keys()
        return {"status": SlStatus.OK}

    async def _hExportLinkKeyByIndex(self, params: dict[str, Any]) -> dict[str, Any]:
        entry = self.tokens.key_table.get(params["index"])
        if entry is None:
            return {"eui64": 0, "key": bytes(16), "metadata": ApsKeyMetadata(0, 0, 0), "status": SlStatus.NOT_FOUND}
        return {"eui64": entry[0], "key": entry[1], "metadata": self._metadata(), "status": SlStatus.OK}

    async def _hExportLinkKeyByEui(self, params: dict[str, Any]) -> dict[str, Any]:
        for index, (eui, key) in self.tokens.key_table.items():
            if eui == params["eui64"]:
                return {"key": key, "index": index, "metadata": self._metadata(), "status": SlStatus.OK}
        return {"key": bytes(16), "index": NO_ENTRY, "metadata": ApsKeyMetadata(0, 0, 0), "status": SlStatus.NOT_FOUND}

    async def _hFindKeyTableEntry(self, params: dict[str, Any]) -> dict[str, Any]:
        found = [index for index, (eui, _) in self.tokens.key_table.items() if eui == params["address"]]
        return {"index": found[0] if found else NO_ENTRY}

    async def _hEraseKeyTableEntry(self, params: dict[str, Any]) -> dict[str, Any]:
        if params["index"] >= self._key_table_size():
            return {"status": EmberStatus.INDEX_OUT_OF_RANGE}
        self.tokens.key_table.pop(params["index"], None)
        self._sync_link_keys()
        return {"status": EmberStatus.SUCCESS}

    async def _hClearKeyTable(self, params: dict[str, Any]) -> dict[str, Any]:
        self.tokens.key_table.clear()
        self._sync_link_keys()
        return {"status": EmberStatus.SUCCESS}

    async def _hImportTransientKey(self, params: dict[str, Any]) -> dict[str, Any]:
        timeout = self.ram.config[CONFIG_TRANSIENT_KEY_TIMEOUT_S]
        self.ram.transient_keys[params["eui64"]] = (params["key"], self._now() + timeout)
        self._sync_link_keys()
        return {"status": SlStatus.OK}

    def _transient(self, eui: int, index: int) -> dict[str, Any]:
        key, expires = self.ram.transient_keys[eui]
        context = KeyContext(core_key_type=KeyType.TC_LINK_WITH_TIMEOUT, key_index=index, eui64=eui)
        ttl = max(0, round(expires - self._now()))
        metadata = ApsKeyMetadata(0, self.tokens.aps_frame_counter, 0, ttl)
        return {"context": context, "key": key, "metadata": metadata, "status": SlStatus.OK}

    def _no_transient(self) -> dict[str, Any]:
        return {
            "context": KeyContext(0),
            "key": bytes(16),
            "metadata": ApsKeyMetadata(0, 0, 0),
            "status": SlStatus.NOT_FOUND,
        }

    async def _hExportTransientKeyByIndex(self, params: dict[str, Any]) -> dict[str, Any]:
        self._sync_link_keys()
        euis = list(self.ram.transient_keys)
        if params["index"] >= len(euis):
            return self._no_transient()
        return self._transient(euis[params["index"]], params["index"])

    async def _hExportTransientKeyByEui(self, params: dict[str, Any]) -> dict[str, Any]:
        self._sync_link_keys()
        euis = list(self.ram.transient_keys)
        if params["eui64"] not in euis:
            return self._no_transient()
        return self._transient(params["eui64"], euis.index(params["eui64"]))

    async def _hClearTransientLinkKeys(self, params: dict[str, Any]) -> dict[str, Any]:
        self.ram.transient_keys.clear()
        self._sync_link_keys()
        return {}

    async def _hCheckKeyContext(self, params: dict[str, Any]) -> dict[str, Any]:
        context: KeyContext = params["context"]
        known = context.core_key_type in (KeyType.NETWORK, KeyType.TC_LINK) and self.tokens.security is not None
        return {"status": SlStatus.OK if known else SlStatus.NOT_FOUND}
