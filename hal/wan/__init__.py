"""`hal.wan`: the hub's WAN link to head-ends (docs/wan.md).

`WanServer` (TCP, default 127.0.0.1:8765) and `WanPipe` (in process) are both a `WanLink`:
`on_message(WanMessage(connection_id, data))` for each whole message, `send(connection_id, data)
-> bool`, `broadcast(data) -> int`, `connections`, `await start()` / `await close()`.
`WanOutbox` keeps responses and alerts in NVM while no head-end is connected. `WanClient` is a
test head-end over TCP; `PipeHeadEnd` its in-process twin (both a `HeadEnd`).
"""

from hal.wan.client import HeadEnd, WanClient
from hal.wan.errors import WanClosed, WanConnectError, WanError, WanListenError
from hal.wan.link import (
    DEFAULT_FRAME_TIMEOUT,
    DEFAULT_MAX_BUFFER,
    DEFAULT_STALL_TIMEOUT,
    WanConnection,
    WanLimits,
    WanLink,
    WanMessage,
)
from hal.wan.outbox import DEFAULT_OUTBOX_LIMIT, DroppedMessage, WanOutbox
from hal.wan.pipe import PipeHeadEnd, WanPipe
from hal.wan.server import DEFAULT_HOST, DEFAULT_PORT, WanServer
from protocols.wan import DEFAULT_MAX_MESSAGE_SIZE, WanFrameError

__all__ = [
    "DEFAULT_FRAME_TIMEOUT",
    "DEFAULT_HOST",
    "DEFAULT_MAX_BUFFER",
    "DEFAULT_MAX_MESSAGE_SIZE",
    "DEFAULT_OUTBOX_LIMIT",
    "DEFAULT_PORT",
    "DEFAULT_STALL_TIMEOUT",
    "DroppedMessage",
    "HeadEnd",
    "PipeHeadEnd",
    "WanClient",
    "WanClosed",
    "WanConnectError",
    "WanConnection",
    "WanError",
    "WanFrameError",
    "WanLimits",
    "WanLink",
    "WanListenError",
    "WanMessage",
    "WanOutbox",
    "WanPipe",
    "WanServer",
]
