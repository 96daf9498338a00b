"""The host end of Spinel over HDLC-lite: requests, their replies, and what the RCP says unasked (spinel.md 3, 5).

Why a layer of its own: `SpinelRadio` wants "GET this property", "SET that
and tell me what it became", "send this frame and tell me how it went";
this class turns those into TIDs, frames and timeouts the way OpenThread's
host does:

* synchronous requests (GET/SET/INSERT/REMOVE) go one at a time, each with
  a fresh TID from 1-15 (skipping TIDs in use), and wait up to 2 s for a
  reply with the same TID: the property's IS/INSERTED/REMOVED, or a
  LAST_STATUS (an error, or OK where the property cannot be read back);
* one STREAM_RAW transmit may be outstanding beside them; its TID stays
  busy until the tx-done LAST_STATUS, for up to 5 s;
* RESET goes out on TID 0 and is answered by a reset LAST_STATUS on TID 0;
* frames on TID 0 (received frames, scan results, unexpected resets) and
  replies nobody waits for go to `on_unsolicited`.

Faults are `hal.radio` errors naming the port: `SpinelStatusError` when the
RCP refuses, `SpinelTimeout` when it does not answer (a `TransientRadioError`:
it may be rebooting), `TransientRadioError` while the link is down, and
`NotSpinelError` when bytes arrive but none of them is Spinel (a wrong
protocol or baud rate on the other end). Garbage between frames is dropped
and counted; the de-framer resynchronises at the next flag.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from hal.radio import RadioError, TransientRadioError
from protocols.serial import hdlc_lite, spinel
from protocols.serial.errors import Dropped, SerialDecodeError, SerialEncodeError
from protocols.serial.spinel import Command, Prop, SpinelFrame, Status, status_name

from .ledger import PtyLedger
from .link import LinkDown, LinkSettings, SerialLink

LOGGER = logging.getLogger(__name__)
#: How long a synchronous request waits for its reply (OpenThread's host: 2000 ms).
REPLY_TIMEOUT = 2.0
#: How long a transmit waits for its tx-done (OPENTHREAD_SPINEL_CONFIG_RCP_TX_WAIT_TIME_SECS).
TX_DONE_TIMEOUT = 5.0
#: How long RESET waits for the reset status.
RESET_TIMEOUT = 2.0


class SpinelError(RadioError):
    """The RCP did something a Spinel RCP must not (wrong reply, missing fields)."""


class NotSpinelError(SpinelError):
    """Bytes arrived but no Spinel frame: another protocol, baud rate or device is on the line."""


class SpinelStatusError(SpinelError):
    """The RCP answered with an error LAST_STATUS."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class SpinelTimeout(TransientRadioError):
    """The RCP did not answer in time (it may be busy, rebooting, or gone)."""


@dataclass(slots=True)
class LinkStats:
    """What the host saw on the line, for diagnostics."""

    frames: int = 0
    dropped: int = 0
    not_spinel: int = 0
    last_drop: str = ""
    examples: list[str] = field(default_factory=list)


def _describe(prop: int) -> str:
    return Prop(prop).name if prop in Prop._value2member_map_ else f"property {prop:#x}"


class SpinelHost:
    """Spinel requests over one serial link (see the module docstring)."""

    def __init__(
        self,
        settings: LinkSettings,
        *,
        on_unsolicited: Callable[[SpinelFrame], None],
        on_link: Callable[[bool], None],
    ) -> None:
        self.link = SerialLink(settings, self)
        self._on_unsolicited = on_unsolicited
        self._on_link = on_link
        self._deframer = hdlc_lite.HdlcLiteDeframer()
        self._pending: dict[int, asyncio.Future[SpinelFrame]] = {}
        self._next_tid = 1
        self._request_lock = asyncio.Lock()
        self._tx_lock = asyncio.Lock()
        self._reset_waiters: list[asyncio.Future[int]] = []
        self.stats = LinkStats()

    @property
    def url(self) -> str:
        return self.link.url

    async def open(self, *, attempts: int = 1) -> None:
        await self.link.open(attempts=attempts)

    async def close(self) -> None:
        await self.link.close()
        self._fail_pending(TransientRadioError(f"spinel link {self.url!r} closed"))

    # ------------------------------------------------------------ LinkListener
    def link_up(self) -> None:
        self._deframer = hdlc_lite.HdlcLiteDeframer()
        self._on_link(True)

    def link_down(self, error: Exception | None) -> None:
        self._fail_pending(TransientRadioError(f"spinel link {self.url!r} went down: {error}"))
        self._on_link(False)

    def data_received(self, data: bytes) -> None:
        for event in self._deframer.feed(data):
            if isinstance(event, Dropped):
                self._note_drop(str(event))
                continue
            try:
                frame = spinel.parse(event)
            except SerialDecodeError as exc:
                self.stats.not_spinel += 1
                self._note_drop(f"not Spinel: {exc}")
                continue
            self.stats.frames += 1
            self._dispatch(frame)

    def _note_drop(self, what: str) -> None:
        self.stats.dropped += 1
        self.stats.last_drop = what
        if len(self.stats.examples) < 3:
            self.stats.examples.append(what)
        LOGGER.debug("spinel link %s: %s", self.url, what)

    def _dispatch(self, frame: SpinelFrame) -> None:
        if frame.tid == 0 and frame.prop == Prop.LAST_STATUS and frame.command == Command.PROP_VALUE_IS:
            status = _status_of(frame)
            if status in spinel.RESET_STATUSES and self._reset_waiters:
                waiters, self._reset_waiters = self._reset_waiters, []
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(status)
                return
        waiting = self._pending.get(frame.tid) if frame.tid else None
        if waiting is not None and not waiting.done():
            waiting.set_result(frame)
            return
        self._on_unsolicited(frame)

    def _fail_pending(self, error: Exception) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        for waiter in self._reset_waiters:
            if not waiter.done():
                waiter.set_exception(error)
        self._reset_waiters = []

    # ------------------------------------------------------------ requests
    def _take_tid(self) -> int:
        for _ in range(15):
            tid, self._next_tid = self._next_tid, self._next_tid % 15 + 1
            if tid not in self._pending:
                return tid
        raise SpinelError(f"spinel link {self.url!r}: all 15 TIDs are in use")

    def _write(self, frame: SpinelFrame) -> None:
        try:
            self.link.write(hdlc_lite.encode(spinel.build(frame)))
        except LinkDown as exc:
            raise TransientRadioError(str(exc)) from exc
        except SerialEncodeError as exc:
            raise RadioError(f"spinel link {self.url!r}: {exc}") from exc

    async def _exchange(self, command: int, prop: int, value: bytes, timeout: float) -> SpinelFrame:
        loop = asyncio.get_running_loop()
        tid = self._take_tid()
        future: asyncio.Future[SpinelFrame] = loop.create_future()
        self._pending[tid] = future
        try:
            self._write(SpinelFrame(tid, command, prop, value))
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise self._timeout(
                f"no answer to {Command(command).name} {_describe(prop)} within {timeout:g} s"
            ) from None
        finally:
            self._pending.pop(tid, None)

    def _timeout(self, what: str) -> SpinelTimeout | NotSpinelError:
        if self.stats.frames == 0 and self.stats.dropped:
            return NotSpinelError(
                f"spinel link {self.url!r}: {what}, and none of the {self.stats.dropped} frames heard was Spinel "
                f"(wrong protocol or baud rate?); e.g. {self.stats.examples[0]}"
            )
        return SpinelTimeout(f"spinel link {self.url!r}: {what}")

    async def request(
        self, command: Command, prop: int, value: bytes = b"", *, timeout: float = REPLY_TIMEOUT
    ) -> bytes:
        """Send a property command and return the value of its reply; errors as in the module docstring."""
        expected = {
            Command.PROP_VALUE_GET: Command.PROP_VALUE_IS,
            Command.PROP_VALUE_SET: Command.PROP_VALUE_IS,
            Command.PROP_VALUE_INSERT: Command.PROP_VALUE_INSERTED,
            Command.PROP_VALUE_REMOVE: Command.PROP_VALUE_REMOVED,
        }[command]
        async with self._request_lock:
            reply = await self._exchange(command, prop, value, timeout)
            await PtyLedger.of().settled()
        if reply.prop == Prop.LAST_STATUS and prop != Prop.LAST_STATUS:
            status = _status_of(reply)
            if status == Status.OK and command != Command.PROP_VALUE_GET:
                return value  # accepted, but the property cannot be read back
            raise SpinelStatusError(
                f"spinel link {self.url!r}: {Command(command).name} {_describe(prop)} refused: {status_name(status)}",
                status,
            )
        if reply.command != expected or reply.prop != prop:
            raise SpinelError(
                f"spinel link {self.url!r}: {Command(command).name} {_describe(prop)} answered by {reply}"
            )
        return reply.value

    async def get(self, prop: int, value: bytes = b"") -> bytes:
        return await self.request(Command.PROP_VALUE_GET, prop, value)

    async def set(self, prop: int, value: bytes) -> bytes:
        return await self.request(Command.PROP_VALUE_SET, prop, value)

    async def transmit(self, value: bytes) -> spinel.TxDone:
        """SET STREAM_RAW and wait for the tx-done on the same TID (at most one transmit at a time)."""
        async with self._tx_lock:
            reply = await self._exchange(Command.PROP_VALUE_SET, Prop.STREAM_RAW, value, TX_DONE_TIMEOUT)
            await PtyLedger.of().settled()
        if reply.prop != Prop.LAST_STATUS or reply.command != Command.PROP_VALUE_IS:
            raise SpinelError(f"spinel link {self.url!r}: transmit answered by {reply}, not a tx-done")
        try:
            return spinel.parse_tx_done(reply.value)
        except SerialDecodeError as exc:
            raise SpinelError(f"spinel link {self.url!r}: malformed tx-done: {exc}") from exc

    async def reset(self, *, timeout: float = RESET_TIMEOUT) -> int:
        """RESET (stack) on TID 0 and wait for the reset LAST_STATUS; returns the reset reason."""
        waiter: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._reset_waiters.append(waiter)
        try:
            self._write(SpinelFrame(0, Command.RESET, None, bytes((spinel.ResetType.STACK,))))
            async with asyncio.timeout(timeout):
                status = await waiter
        except TimeoutError:
            raise self._timeout(f"no reset status within {timeout:g} s of RESET (is this an OpenThread RCP?)") from None
        finally:
            if waiter in self._reset_waiters:
                self._reset_waiters.remove(waiter)
        await PtyLedger.of().settled()
        return status


def _status_of(frame: SpinelFrame) -> int:
    try:
        return spinel.decode_uint(frame.value)[0]
    except SerialDecodeError:
        return Status.PARSE_ERROR
