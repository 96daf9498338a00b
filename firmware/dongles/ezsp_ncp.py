"""A virtual Silicon Labs EZSP network co-processor on a pty: ASH below, EZSP frames, our stack behind.

Why: so that unmodified EZSP host software (bellows under zigpy, and other
hosts speaking UG100/UG101) can run a ZigBee network without a USB stick,
on our own stack (`firmware.zigbee`) over `hal.virtual`'s air, with the
home's emulated meters in it. The layers, one module each:

* `protocols.serial.ash` / `AshDeframer` - ASH frames out of the byte stream;
* `ash_link.AshNcpLink` - the NCP's side of ASH (sequencing, ACK/NAK,
  retransmission, window, RST/RSTACK/ERROR), sans-I/O; this module arms its
  one timer on the loop and writes what it returns;
* `protocols.serial.ezsp` / `ezsp_commands` - EZSP headers and parameters;
* `ezsp_network.NcpNetwork` - what each command does (UG100 semantics) on
  our stack, and the callbacks it raises.

EZSP rules applied here (UG100 "Protocol Format", "version"):
* the NCP speaks protocol version 13; `version` is answered with it whatever
  the host asked for, in the legacy format the command came in; until a
  `version` command has been received every other command is answered by
  `invalidCommand(ERROR_VERSION_NOT_SET)`;
* a response copies the command's sequence number and frame id, with the
  direction bit set; callbacks are sent unasked (UART hosts get
  asynchronous callbacks), with the sequence number of the last command
  answered, so a host never mistakes one for the reply it awaits;
* an unknown frame id gets `invalidCommand(ERROR_INVALID_FRAME_ID)`;
  parameters that do not parse get `invalidCommand(ERROR_INVALID_VALUE)`
  (short) or `ERROR_COMMAND_TOO_LONG` (octets left over);
* an ASH reset is a reboot: the stack stops, the RAM state (configuration,
  policies, endpoints, transient keys) is lost, tokens (network, keys,
  children, frame counters) stay for `networkInit`.

Commands are handled one at a time, in order, by a worker task, as the
NCP's single thread does; slow work (sending, scanning) goes on beside it
and reports through callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from hal.radio import Radio
from hal.serial import PtyPort
from protocols.serial import ash, ezsp, ezsp_commands
from protocols.serial.errors import Dropped, SerialDecodeError, SerialEncodeError
from protocols.serial.ezsp import CallbackType, EzspFrame, EzspHeader, Format
from protocols.serial.ezsp_commands import EzspStatus

from .ash_link import TX_K, Action, AshNcpLink, Deliver, Reset, Write
from .ezsp_network import NcpNetwork
from .ezsp_tokens import NcpTokens

LOGGER = logging.getLogger(__name__)
#: EmberZNet 7.4.4.0, the release that speaks EZSP 13 (stackVersion nibbles major.minor.patch.special).
STACK_VERSION = 0x7440
_INVALID_COMMAND = ezsp_commands.frame("invalidCommand")
_VERSION = ezsp_commands.frame("version")
_NO_CALLBACKS = ezsp_commands.frame("noCallbacks")


class EzspNcp:
    """A virtual EZSP NCP driving `radio`, served on a pty (see the module docstring)."""

    def __init__(
        self,
        radio: Radio,
        *,
        link_path: str | None = None,
        window: int = TX_K,
        tokens: NcpTokens | None = None,
    ) -> None:
        self.port = PtyPort(self._data_received, link_path=link_path)
        self.link = AshNcpLink(window=window)
        self.network = NcpNetwork(radio, tokens=tokens, emit=self._callback)
        self._deframer = ash.AshDeframer()
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._version_set = False
        self._last_sequence = 0
        self._frozen = False
        self.rejected = 0  #: EZSP frames answered with invalidCommand

    @property
    def path(self) -> str:
        return self.port.path

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    # ------------------------------------------------------------ plugging
    def plug(self) -> str:
        """Plug the stick in: a new pty and a powered-up NCP waiting for the host's RST; returns the path."""
        path = self.port.plug()
        self._frozen = False
        self._deframer = ash.AshDeframer()
        self.link = AshNcpLink(window=self.link.window)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work())
        return path

    def unplug(self) -> None:
        """Pull the stick out: the pty closes; what is queued is lost (tokens stay)."""
        self.port.unplug()
        self._cancel_timer()
        while not self._queue.empty():
            self._queue.get_nowait()

    def freeze(self) -> None:
        """The firmware hangs: the port stays open, nothing is read or answered any more."""
        self._frozen = True
        self._cancel_timer()
        if self._worker is not None:
            self._worker.cancel()

    async def close(self) -> None:
        """Unplug for good and stop the network. Idempotent."""
        self.unplug()
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        await self.network.close()

    # ------------------------------------------------------------ ASH
    def _data_received(self, data: bytes) -> None:
        if self._frozen:
            return
        now = self._now()
        for event in self._deframer.feed(data):
            if isinstance(event, Dropped):
                LOGGER.debug("virtual NCP %s: %s", self.port.device_path, event)
            self._apply(self.link.frame_received(event, now))

    def _apply(self, actions: list[Action]) -> None:
        out = bytearray()  # one write for everything due now (an ACK and the DATA after it, say)
        for action in actions:
            if isinstance(action, Write):
                out += action.data
            elif isinstance(action, Deliver):
                self._queue.put_nowait(action.ezsp)
            elif isinstance(action, Reset):
                self._rebooted()
        if out:
            self.port.write(bytes(out))
        self._arm()

    def _arm(self) -> None:
        self._cancel_timer()
        deadline = self.link.deadline()
        if deadline is not None:
            self._timer = asyncio.get_running_loop().call_at(deadline, self._timer_fired)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timer_fired(self) -> None:
        self._timer = None
        self._apply(self.link.timer_fired(self._now()))

    def _rebooted(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()
        self._version_set = False
        self.network.reboot()

    # ------------------------------------------------------------ EZSP
    def _send(self, frame: EzspFrame, *, callback: bool = False) -> None:
        self._apply(self.link.send(ezsp.build(frame), self._now(), callback=callback))

    def _respond(self, request: EzspHeader, parameters: bytes, frame_id: int | None = None) -> None:
        header = EzspHeader(
            sequence=request.sequence,
            frame_id=request.frame_id if frame_id is None else frame_id,
            response=True,
            format=request.format,
        )
        self._last_sequence = request.sequence
        self._send(EzspFrame(header, parameters))

    def _reject(self, request: EzspHeader, reason: EzspStatus) -> None:
        self.rejected += 1
        self._respond(request, _INVALID_COMMAND.build_response(reason=reason), _INVALID_COMMAND.frame_id)

    def _callback(self, name: str, values: dict[str, Any]) -> None:
        """Send callback `name` to the host (the network's `emit`)."""
        frame = ezsp_commands.frame(name)
        header = EzspHeader(
            sequence=self._last_sequence,
            frame_id=frame.frame_id,
            response=True,
            callback_type=CallbackType.ASYNCHRONOUS,
            format=Format.EXTENDED,
        )
        try:
            self._send(EzspFrame(header, frame.build_response(**values)), callback=True)
        except SerialEncodeError as exc:  # our fault: log it, never take the NCP down for it
            LOGGER.error("virtual NCP: cannot build %s: %s", name, exc)

    async def _work(self) -> None:
        while True:
            data = await self._queue.get()
            await self._command(data)

    async def _command(self, data: bytes) -> None:
        # until `version` is agreed a host speaks the legacy format (UG100), after it version 13's
        agreed = ezsp_commands.PROTOCOL_VERSION if self._version_set else ezsp_commands.LEGACY_VERSION
        try:
            frame = ezsp.parse(data, version=agreed)
        except SerialDecodeError as exc:
            LOGGER.info("virtual NCP: not an EZSP command: %s", exc)
            if len(data) >= 3:
                header = EzspHeader(data[0], data[2], format=Format.LEGACY)
                self._reject(header, EzspStatus.ERROR_UNSUPPORTED_CONTROL)
            return
        header = frame.header
        if header.response:
            self._reject(header, EzspStatus.ERROR_WRONG_DIRECTION)
            return
        if header.frame_id == _VERSION.frame_id:
            self._version(header, frame.parameters)
            return
        if not self._version_set:
            self._reject(header, EzspStatus.ERROR_VERSION_NOT_SET)
            return
        definition = ezsp_commands.BY_ID.get(header.frame_id)
        if definition is None or definition.name.endswith("Handler"):
            LOGGER.info("virtual NCP: frame id %#06x is not a command we have", header.frame_id)
            self._reject(header, EzspStatus.ERROR_INVALID_FRAME_ID)
            return
        try:
            params = definition.parse_command(frame.parameters)
        except SerialDecodeError as exc:
            too_long = "after the last parameter" in exc.reason
            self._reject(header, EzspStatus.ERROR_COMMAND_TOO_LONG if too_long else EzspStatus.ERROR_INVALID_VALUE)
            return
        if definition.name == "callback":  # UART hosts get callbacks as they happen: none are held
            self._respond(header, b"", _NO_CALLBACKS.frame_id)
            return
        result = await self.network.handle(definition.name, params)
        if result is None:
            self._reject(header, EzspStatus.ERROR_INVALID_FRAME_ID)
            return
        self._respond(header, definition.build_response(**result))

    def _version(self, header: EzspHeader, parameters: bytes) -> None:
        try:
            _VERSION.parse_command(parameters)
        except SerialDecodeError:
            self._reject(header, EzspStatus.ERROR_INVALID_VALUE)
            return
        self._version_set = True
        response = _VERSION.build_response(
            protocol_version=ezsp_commands.PROTOCOL_VERSION,
            stack_type=ezsp_commands.STACK_TYPE_MESH,
            stack_version=STACK_VERSION,
        )
        self._respond(header, response)


async def serve_ezsp_ncp(radio: Radio, link_path: str | None = None, **options: Any) -> EzspNcp:
    """Plug a virtual NCP for `radio` in (on the running loop) and return it; `ncp.path` is what hosts open."""
    ncp = EzspNcp(radio, link_path=link_path, **options)
    ncp.plug()
    return ncp
