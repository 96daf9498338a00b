"""The state and helpers every group of EZSP command handlers shares (see `ezsp_network`).

Why a base class: the handlers of a virtual NCP fall in groups (configuration
and tokens, security, network and messaging), one module each, all reading
the same tokens, RAM state and stack; this is that state, the dispatch of a
command name to its `_h<Name>` method, and the few rules several groups use
(which keys admit a device, the child table, the frame counters).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from firmware.zigbee import ZigbeeStack
from firmware.zigbee.nwk import Neighbour
from firmware.zigbee.tasks import TaskSet
from hal.radio import Radio
from protocols.serial.ezsp_commands import (
    NodeType,
)
from protocols.serial.ezsp_types import (
    ApsKeyMetadata,
    ChildData,
)

from .ezsp_tokens import (
    CONFIG_KEY_TABLE_SIZE,
    NcpRam,
    NcpTokens,
)

LOGGER = logging.getLogger(__name__)

Emit = Callable[[str, dict[str, Any]], None]
Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

#: EmberInitialSecurityBitmask / EmberCurrentSecurityBitmask bits we read or report (UG100).
HAVE_NETWORK_KEY = 0x0200
HASHED_LINK_KEY = 0x0084
HAVE_TRUST_CENTER_LINK_KEY = 0x0010
#: EmberApsOption: APS retry (ask for an APS ACK).
APS_OPTION_RETRY = 0x0040
#: `VALUE_VERSION_INFO`: build, major, minor, patch, special, type (EmberZNet 7.4.4.0 GA).
VERSION_INFO = bytes((0x00, 0x00, 7, 4, 4, 0, 0xAA))
#: Manufacturing tokens as a stick ships them: MFG_STRING, MFG_BOARD_NAME, MFG_MANUF_ID.
MFG_TOKENS = {0x01: b"commshub".ljust(16, b"\xff"), 0x02: b"virtual EZSP NCP".ljust(16, b"\xff"), 0x03: b"\x02\x10"}
MFG_CUSTOM_EUI_64 = 0x0C
#: "No index" in EZSP table lookups.
NO_ENTRY = 0xFF
CHILD_TABLE_SIZE = 32


class NcpCore:
    """Tokens, RAM state and our stack on `radio`; commands dispatched to `_h<Name>` methods."""

    def __init__(self, radio: Radio, *, tokens: NcpTokens | None = None, emit: Emit) -> None:
        self.radio = radio
        self.tokens = tokens or NcpTokens(chip_eui64=radio.info.extended_address)
        self.ram = NcpRam()
        self.stack: ZigbeeStack | None = None
        self.mfglib_running = False  #: the manufacturing library has the radio (no network may run)
        self._emit = emit
        self._tasks = TaskSet()
        self._aps_sequence = 0
        # `_hGetEui64` answers `getEui64`: one method per command, named after it
        self._handlers: dict[str, Handler] = {
            name[2].lower() + name[3:]: getattr(self, name)
            for name in dir(self)
            if name.startswith("_h") and name[2:3].isupper()
        }

    # --- lifecycle --------------------------------------------------------------------------------

    def reboot(self) -> None:
        """An ASH reset: the network stops (tokens kept), RAM back to defaults."""
        self._save_counters()
        self._tasks.cancel()
        stack, self.stack = self.stack, None
        if stack is not None:
            self._tasks.spawn(stack.close())
        self.ram = NcpRam()
        if self.mfglib_running:
            self.mfglib_running = False
            self.radio.set_receiver(None)
            self.radio.set_promiscuous(False)

    async def close(self) -> None:
        self._save_counters()
        self._tasks.cancel()
        if self.stack is not None:
            await self.stack.close()
            self.stack = None

    def _save_counters(self) -> None:
        if self.stack is not None:
            self.tokens.nwk_frame_counter = self.stack.nwk.outgoing_frame_counter
            self.tokens.aps_frame_counter = self.stack.aps_frame_counter

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    async def handle(self, name: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The response parameters of command `name` (None: not a command this NCP implements)."""
        handler = self._handlers.get(name)
        if handler is None:
            return None
        return await handler(params)

    def _children(self) -> list[Neighbour]:
        if self.stack is None:
            return []
        return sorted((n for n in self.stack.nwk.state.neighbours.values() if n.via is None), key=lambda n: n.joined_at)

    @staticmethod
    def _child_data(neighbour: Neighbour) -> ChildData:
        if neighbour.router:
            kind = NodeType.ROUTER
        else:
            kind = NodeType.END_DEVICE if neighbour.rx_on_when_idle else NodeType.SLEEPY_END_DEVICE
        return ChildData(eui64=neighbour.ieee, node_type=kind, node_id=neighbour.nwk)

    def _key_table_size(self) -> int:
        return self.ram.config[CONFIG_KEY_TABLE_SIZE]

    def _sync_link_keys(self) -> None:
        """The stack admits exactly the devices with a key: the key table and unexpired transient keys."""
        if self.stack is None:
            return
        now = self._now()
        for eui, (_, expires) in list(self.ram.transient_keys.items()):
            if expires <= now:
                del self.ram.transient_keys[eui]
        keys = {eui: key for eui, key in self.tokens.key_table.values()}
        keys.update({eui: key for eui, (key, _) in self.ram.transient_keys.items()})
        self.stack.link_keys.clear()
        self.stack.link_keys.update(keys)

    def _metadata(self) -> ApsKeyMetadata:
        self._save_counters()
        return ApsKeyMetadata(bitmask=0, outgoing_frame_counter=self.tokens.aps_frame_counter, incoming_frame_counter=0)

    def _next_aps_sequence(self) -> int:
        self._aps_sequence = (self._aps_sequence + 1) & 0xFF
        return self._aps_sequence
