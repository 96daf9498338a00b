"""A small EZSP host over ASH: reset the NCP, agree the version, send commands, collect callbacks.

Why our own (beside bellows): to probe a stick on the bench ("does it answer,
which EZSP version and stack?"), to measure frames per second, and to drive
an NCP byte for byte in tests, including with bad input - all through
`SerialLink`, so on ptys in this process it runs on virtual time (the pty
ledger sees both ends). It is a host as UG101 describes one, kept simple:
window 1 (one DATA frame in flight, resent with reTx on an ACK timeout or a
NAK), every NCP DATA frame acknowledged at once.

Errors: `EzspTimeout` when the NCP does not answer in time (a device that
stopped answering), `NotAshError` when what comes back is not ASH (a wrong
protocol on the other end: nothing but dropped frames), `EzspHostError` for
an ERROR frame or an `invalidCommand` answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from protocols.serial import ash, ezsp, ezsp_commands
from protocols.serial.ash import AshAck, AshData, AshError, AshNak, AshRst, AshRstAck
from protocols.serial.errors import Dropped, SerialDecodeError
from protocols.serial.ezsp import EzspFrame, EzspHeader

from .link import LinkSettings, SerialLink

LOGGER = logging.getLogger(__name__)
#: UG101: a host waits this long for RSTACK.
RESET_TIMEOUT = 2.5
#: How long a command waits for its response.
COMMAND_TIMEOUT = 5.0
#: ACK wait for our DATA frames, and attempts before giving up.
ACK_TIMEOUT = 1.6
ATTEMPTS = 5
#: Dropped frames in a row (and nothing valid) that mean "not ASH at all".
NOT_ASH_DROPS = 3


class EzspHostError(Exception):
    """The NCP refused a command (invalidCommand) or reported a fatal ASH ERROR."""


class EzspTimeout(EzspHostError, TimeoutError):
    """The NCP did not answer in time."""


class NotAshError(EzspHostError):
    """The other end speaks something that is not ASH."""


@dataclass(slots=True)
class NcpIdentity:
    """What an EZSP NCP says about itself after a reset."""

    reset_code: int
    protocol_version: int
    stack_type: int
    stack_version: int

    @property
    def stack(self) -> str:
        """EmberZNet version as `major.minor.patch.special` from the stackVersion nibbles."""
        return ".".join(str(self.stack_version >> shift & 0xF) for shift in (12, 8, 4, 0))


@dataclass(slots=True)
class _Session:
    tx: int = 0  # our next frmNum
    rx: int = 0  # the NCP's next frmNum we expect
    sequence: int = 0
    version: int = 4
    callbacks: asyncio.Queue[tuple[str, dict[str, Any]]] = field(default_factory=asyncio.Queue)


class EzspHost:
    """An EZSP host on one serial link (see the module docstring)."""

    def __init__(self, url: str, *, baudrate: int = 115200) -> None:
        self._link = SerialLink(LinkSettings(url, baudrate=baudrate, reconnect=False), self)
        self._deframer = ash.AshDeframer()
        self._session = _Session()
        self._rstack: asyncio.Future[AshRstAck] | None = None
        self._acked: asyncio.Future[None] | None = None
        self._pending: dict[int, tuple[str, asyncio.Future[dict[str, Any]]]] = {}
        self._drops_in_a_row = 0
        self._failure: EzspHostError | None = None
        self.frames_received = 0

    @classmethod
    async def open(cls, url: str, *, baudrate: int = 115200) -> EzspHost:
        host = cls(url, baudrate=baudrate)
        await host._link.open()
        return host

    async def close(self) -> None:
        await self._link.close()

    @property
    def callbacks(self) -> asyncio.Queue[tuple[str, dict[str, Any]]]:
        """Callbacks as (name, parameters), in the order they came."""
        return self._session.callbacks

    # --- the link listener ---------------------------------------------------------------------

    def link_up(self) -> None:
        return None

    def link_down(self, error: Exception | None) -> None:
        self._fail(EzspHostError(f"serial link lost: {error}"))

    def data_received(self, data: bytes) -> None:
        for event in self._deframer.feed(data):
            if isinstance(event, Dropped):
                self._drops_in_a_row += 1
                if self._drops_in_a_row >= NOT_ASH_DROPS:
                    self._fail(NotAshError(f"the device does not speak ASH: {event}"))
                continue
            self._drops_in_a_row = 0
            self._frame(event)

    def _fail(self, error: EzspHostError) -> None:
        self._failure = error
        for future in [self._rstack, self._acked, *(f for _, f in self._pending.values())]:
            if future is not None and not future.done():
                future.set_exception(error)

    def _frame(self, frame: ash.AshFrame) -> None:
        session = self._session
        if isinstance(frame, AshRstAck):
            if self._rstack is not None and not self._rstack.done():
                self._rstack.set_result(frame)
            return
        if isinstance(frame, AshError):
            self._fail(EzspHostError(f"NCP entered the ERROR state (code {frame.error_code:#04x})"))
            return
        waiting = self._acked is not None and not self._acked.done()
        if isinstance(frame, AshNak) and waiting:
            assert self._acked is not None
            self._acked.set_exception(EzspHostError("NAK"))  # resent at once by `_send_data`
        elif isinstance(frame, AshData | AshAck) and frame.ack_number == session.tx and waiting:
            assert self._acked is not None
            self._acked.set_result(None)
        if not isinstance(frame, AshData):
            return
        if frame.frame_number == session.rx:
            session.rx = (session.rx + 1) % 8
            self._link.write(ash.build(AshAck(session.rx)))
            self._ezsp(frame.payload)
        else:
            self._link.write(ash.build(AshAck(session.rx)))  # a retransmission: acknowledge again

    def _ezsp(self, data: bytes) -> None:
        self.frames_received += 1
        try:
            frame = ezsp.parse(data, version=self._session.version)
            definition = ezsp_commands.frame_by_id(frame.header.frame_id)
            values = definition.parse_response(frame.parameters)
        except SerialDecodeError as exc:
            LOGGER.warning("EZSP host: undecodable frame %s: %s", data.hex(), exc)
            return
        pending = self._pending.get(frame.header.sequence)
        if pending is not None and frame.header.callback_type == ezsp.CallbackType.NONE:
            name, future = self._pending.pop(frame.header.sequence)
            if definition.name == "invalidCommand":
                future.set_exception(EzspHostError(f"{name} refused: invalidCommand {values['reason']:#04x}"))
            elif not future.done():
                future.set_result(values)
            return
        self._session.callbacks.put_nowait((definition.name, values))

    # --- commands ------------------------------------------------------------------------------

    async def reset(self, *, negotiate: bool = True) -> NcpIdentity:
        """RST (after CANCEL bytes), wait for RSTACK, then `version` as UG100 asks; the NCP's identity.

        With `negotiate=False` the version exchange is skipped (to see what an NCP does without it)."""
        self._session = _Session()
        self._failure = None
        self._rstack = asyncio.get_running_loop().create_future()
        self._link.write(bytes((ash.CANCEL,)) * 32 + ash.build(AshRst()))
        try:
            async with asyncio.timeout(RESET_TIMEOUT):
                rstack = await self._rstack
        except TimeoutError:
            raise EzspTimeout(f"no RSTACK from {self._link.url} within {RESET_TIMEOUT} s") from None
        if not negotiate:
            return NcpIdentity(rstack.reset_code, 0, 0, 0)
        answer = await self.command("version", desired_protocol_version=4)
        self._session.version = answer["protocol_version"]
        if answer["protocol_version"] != 4:
            answer = await self.command("version", desired_protocol_version=answer["protocol_version"])
        return NcpIdentity(rstack.reset_code, answer["protocol_version"], answer["stack_type"], answer["stack_version"])

    async def command(self, name: str, **params: Any) -> dict[str, Any]:
        """Send command `name` and return its response parameters; EzspTimeout / EzspHostError."""
        if self._failure is not None:
            raise self._failure
        definition = ezsp_commands.frame(name)
        session = self._session
        sequence, session.sequence = session.sequence, (session.sequence + 1) & 0xFF
        fmt = ezsp.format_for(session.version, definition.frame_id)
        header = EzspHeader(sequence=sequence, frame_id=definition.frame_id, format=fmt)
        data = ezsp.build(EzspFrame(header, definition.build_command(**params)))
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[sequence] = (name, future)
        try:
            await self._send_data(data)
            async with asyncio.timeout(COMMAND_TIMEOUT):
                return await future
        except TimeoutError:
            raise EzspTimeout(f"{name}: no response from {self._link.url} within {COMMAND_TIMEOUT} s") from None
        finally:
            self._pending.pop(sequence, None)

    async def _send_data(self, data: bytes) -> None:
        session = self._session
        number = session.tx
        session.tx = (session.tx + 1) % 8
        for attempt in range(ATTEMPTS):
            self._acked = asyncio.get_running_loop().create_future()
            self._link.write(ash.build(AshData(number, session.rx, data, attempt > 0)))
            with contextlib.suppress(TimeoutError, EzspHostError):
                async with asyncio.timeout(ACK_TIMEOUT):
                    await self._acked
                    return
            if self._failure is not None:
                raise self._failure
        raise EzspTimeout(f"DATA frame {number} never acknowledged by {self._link.url}")

    def write_raw(self, data: bytes) -> None:
        """Bytes straight onto the wire (for tests of bad input)."""
        self._link.write(data)
