"""The typed errors of `hal.wan` (framing errors are `protocols.wan.WanFrameError`)."""

from __future__ import annotations


class WanError(Exception):
    """Something went wrong on the WAN link."""


class WanListenError(WanError):
    """The server cannot listen on its address (port in use, address not local, no permission)."""


class WanConnectError(WanError):
    """A head-end cannot reach the hub's address."""


class WanClosed(WanError):
    """The other end closed the connection (or the hub dropped this head-end)."""
