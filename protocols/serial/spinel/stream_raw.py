"""The layouts of 802.15.4 frames in and out of an RCP on STREAM_RAW (spinel.md 4 "STREAM_RAW layouts").

* `TxRequest` - the host's SET STREAM_RAW: PSDU, channel and the MAC's
  transmit options; everything after the channel is optional on the wire.
* `RxFrame` - a received frame (TID 0 VALUE_IS STREAM_RAW), or the ACK
  inside a tx-done: PSDU then the full metadata (RSSI, noise floor, flags,
  channel, LQI, timestamp in the RCP's microseconds, rx error, ACK security).
  We always write all 26 bytes of metadata: OpenThread's unpacker fails on
  missing fields; we read 19-byte metadata too (no ACK security struct).
* `TxDone` - the RCP's VALUE_IS LAST_STATUS on the request's TID: status,
  the ACK's frame-pending bit, header-updated, and (status OK) the ACK frame.

The PSDU length counts the FCS; on TX the host's FCS bytes are placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import SerialDecodeError
from .constants import NOISE_FLOOR_UNKNOWN, RxFlag, Status
from .packing import PROTOCOL, pack, unpack_from

#: Defaults a real RCP applies when the optional TX fields are absent (OpenThread mac.h).
DEFAULT_MAX_BACKOFFS = 4
DEFAULT_MAX_RETRIES = 3


@dataclass(frozen=True, slots=True)
class TxRequest:
    """SET STREAM_RAW from the host: one frame to send and how."""

    psdu: bytes
    channel: int
    max_backoffs: int = DEFAULT_MAX_BACKOFFS
    max_retries: int = DEFAULT_MAX_RETRIES
    csma: bool = True
    header_updated: bool = False
    retransmission: bool = False
    security_processed: bool = False
    tx_delay: int = 0
    tx_delay_base: int = 0
    rx_channel_after: int | None = None  #: None: the TX channel
    tx_power: int | None = None  #: newest hosts only; None: not on the wire


_TX_TAIL = "CCbbbbLLC"


def build_tx_request(request: TxRequest) -> bytes:
    """The STREAM_RAW value of a transmit request, every known field present."""
    rx_channel = request.channel if request.rx_channel_after is None else request.rx_channel_after
    out = pack("dC", request.psdu, request.channel) + pack(
        _TX_TAIL,
        request.max_backoffs,
        request.max_retries,
        request.csma,
        request.header_updated,
        request.retransmission,
        request.security_processed,
        request.tx_delay,
        request.tx_delay_base,
        rx_channel,
    )
    return out if request.tx_power is None else out + pack("c", request.tx_power)


def parse_tx_request(value: bytes) -> TxRequest:
    """Decode a transmit request; fields after the channel may be absent (defaults apply)."""
    (psdu, channel), offset = unpack_from("dC", value)
    if len(psdu) < 2:
        raise SerialDecodeError(PROTOCOL, 0, "psdu", f"a {len(psdu)}-byte PSDU cannot hold its FCS")
    fields: list[object] = []
    for char in _TX_TAIL + "c":
        if offset >= len(value):
            break
        (item,), offset = unpack_from(char, value, offset)
        fields.append(item)
    names = (
        *("max_backoffs", "max_retries", "csma", "header_updated", "retransmission", "security_processed"),
        *("tx_delay", "tx_delay_base", "rx_channel_after", "tx_power"),
    )
    return TxRequest(psdu, channel, **dict(zip(names, fields, strict=False)))  # type: ignore[arg-type]  # types fixed by _TX_TAIL


@dataclass(frozen=True, slots=True)
class RxMetadata:
    """What an RCP reports with each received frame (and with the ACK in a tx-done)."""

    rssi: int = -128  #: dBm
    noise_floor: int = NOISE_FLOOR_UNKNOWN
    flags: RxFlag = RxFlag.NONE
    channel: int = 0
    lqi: int = 0
    timestamp: int = 0  #: microseconds on the RCP's clock
    rx_error: int = 0  #: a Spinel status; nonzero makes the host drop the frame
    ack_key_id: int = 0
    ack_frame_counter: int = 0


@dataclass(frozen=True, slots=True)
class RxFrame:
    """A PSDU (FCS included) and its metadata."""

    psdu: bytes
    metadata: RxMetadata = field(default_factory=RxMetadata)


def build_rx_frame(frame: RxFrame) -> bytes:
    """PSDU + all 26 bytes of metadata."""
    meta = frame.metadata
    return pack(
        "dccSt(CCX)t(i)t(CL)",
        frame.psdu,
        meta.rssi,
        meta.noise_floor,
        int(meta.flags),
        (meta.channel, meta.lqi, meta.timestamp),
        (meta.rx_error,),
        (meta.ack_key_id, meta.ack_frame_counter),
    )


def parse_rx_frame(value: bytes, offset: int = 0) -> RxFrame:
    """Decode PSDU + metadata (19 or 26 bytes, longer structs tolerated)."""
    (psdu, rssi, noise, flags, (channel, lqi, timestamp), (rx_error,)), offset = unpack_from(
        "dccSt(CCX)t(i)", value, offset
    )
    key_id = counter = 0
    if offset < len(value):
        ((key_id, counter),), offset = unpack_from("t(CL)", value, offset)
    metadata = RxMetadata(rssi, noise, RxFlag(flags), channel, lqi, timestamp, rx_error, key_id, counter)
    return RxFrame(psdu, metadata)


@dataclass(frozen=True, slots=True)
class TxDone:
    """The RCP's answer to a transmit request, on the request's TID."""

    status: int
    frame_pending: bool = False
    header_updated: bool = False
    ack: RxFrame | None = None  #: with status OK: the ACK heard (length 0 when none was requested)

    @property
    def ok(self) -> bool:
        return self.status == Status.OK


def build_tx_done(done: TxDone) -> bytes:
    """The LAST_STATUS value of a tx-done; an OK one always carries the ACK layout."""
    out = pack("ibb", done.status, done.frame_pending, done.header_updated)
    if done.status == Status.OK:
        out += build_rx_frame(done.ack if done.ack is not None else RxFrame(b""))
    return out


def parse_tx_done(value: bytes) -> TxDone:
    """Decode a tx-done; the `i b b` part is required (its absence is an RCP failure to OpenThread)."""
    (status, pending, updated), offset = unpack_from("ibb", value)
    ack = parse_rx_frame(value, offset) if status == Status.OK and offset < len(value) else None
    return TxDone(status, pending, updated, ack)
