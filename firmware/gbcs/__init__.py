"""The GBCS envelope side every GBCS endpoint uses (gbcs.md 3-4); the payload contract is in `contract`."""

from firmware.gbcs.contract import CommandContext, HandlerResult, PayloadHandler, RaisedAlert

__all__ = ["CommandContext", "HandlerResult", "PayloadHandler", "RaisedAlert"]
