"""Spinel, the host <-> radio co-processor protocol of OpenThread (spinel.md 2-6).

`frame` (header, command, property), `packing` (data types and format
strings), `constants` (commands, properties, statuses, capabilities, our
vendor properties for sub-GHz pages) and `stream_raw` (802.15.4 frames in and
out). HDLC-lite framing is `protocols.serial.hdlc_lite`.
"""

from .constants import (
    PROTOCOL_VERSION,
    RCP_API_VERSION,
    RCP_MIN_HOST_API_VERSION,
    RESET_STATUSES,
    Cap,
    Command,
    PromiscuousMode,
    Prop,
    RadioCapBit,
    ResetType,
    RxFlag,
    ScanState,
    Status,
    status_name,
)
from .frame import SpinelFrame, build, parse
from .packing import decode_uint, encode_uint, pack, unpack, unpack_from
from .stream_raw import (
    RxFrame,
    RxMetadata,
    TxDone,
    TxRequest,
    build_rx_frame,
    build_tx_done,
    build_tx_request,
    parse_rx_frame,
    parse_tx_done,
    parse_tx_request,
)

__all__ = [
    "PROTOCOL_VERSION",
    "RCP_API_VERSION",
    "RCP_MIN_HOST_API_VERSION",
    "RESET_STATUSES",
    "Cap",
    "Command",
    "PromiscuousMode",
    "Prop",
    "RadioCapBit",
    "ResetType",
    "RxFlag",
    "RxFrame",
    "RxMetadata",
    "ScanState",
    "SpinelFrame",
    "Status",
    "TxDone",
    "TxRequest",
    "build",
    "build_rx_frame",
    "build_tx_done",
    "build_tx_request",
    "decode_uint",
    "encode_uint",
    "pack",
    "parse",
    "parse_rx_frame",
    "parse_tx_done",
    "parse_tx_request",
    "status_name",
    "unpack",
    "unpack_from",
]
