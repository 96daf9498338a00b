"""pcap capture files of 802.15.4 frames that Wireshark reads (radio.md 6.6), as a pure codec.

Why pcap (not pcapng): every tool reads it and one link type per file is all
we need.  We write microsecond little-endian files with one of two link types:

* `LINKTYPE_IEEE802_15_4_WITHFCS` (195): the PSDU alone (MPDU + 16-bit FCS);
* `LINKTYPE_IEEE802_15_4_TAP` (283): a TAP header of TLVs (FCS type,
  RSS in dBm, channel + page, LQI) before the PSDU, so 2.4 GHz and GB868
  frames can share one capture and keep their link facts.

`read` accepts either byte order and nanosecond files too, and skips TAP
TLVs it does not know.  Building bytes is here; opening files is
`hal.capture`'s job.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, replace
from typing import Any

from construct import (
    Bytes,
    Const,
    Construct,
    ConstructError,
    FixedSized,
    Float32l,
    GreedyRange,
    If,
    Int8ul,
    Int16ub,
    Int16ul,
    Int32ub,
    Int32ul,
    Padding,
    Struct,
    Terminated,
    this,
)

from protocols.errors import DecodeError, EncodeError, require_bytes, translate

PROTOCOL = "pcap"
LINKTYPE_IEEE802_15_4_WITHFCS = 195
LINKTYPE_IEEE802_15_4_TAP = 283
LINKTYPES = frozenset({LINKTYPE_IEEE802_15_4_WITHFCS, LINKTYPE_IEEE802_15_4_TAP})
SNAPLEN = 65535

_MAGIC_US = 0xA1B2C3D4
_MAGIC_NS = 0xA1B23C4D

# TAP TLV types and the FCS-type value we declare (radio.md 6.6).
_TLV_FCS_TYPE = 0
_TLV_RSS = 1
_TLV_CHANNEL = 3
_TLV_LQI = 10
_FCS_CRC16 = 1


class PcapDecodeError(DecodeError):
    """Bytes that are not a pcap file of 802.15.4 frames; `.offset` is into the whole file."""


class PcapEncodeError(EncodeError):
    """A record that cannot be written (negative time, oversized frame, values out of range)."""


@dataclass(frozen=True)
class PcapRecord:
    """One captured frame: when (seconds), the PSDU (FCS included), and the link facts TAP carries.

    `page`/`channel`/`rssi`/`lqi` are None when unknown (always so in
    WITHFCS files, which have nowhere to put them).
    """

    timestamp: float
    psdu: bytes
    page: int | None = None
    channel: int | None = None
    rssi: float | None = None
    lqi: int | None = None


def _headers(int16: Construct, int32: Construct) -> tuple[Struct, Struct]:
    """The file header (after the magic) and record header, in one byte order."""
    file_header = Struct(
        "version_major" / Const(2, int16),
        "version_minor" / int16,
        "thiszone" / int32,
        "sigfigs" / int32,
        "snaplen" / int32,
        "linktype" / int32,
    )
    record_header = Struct(
        "ts_sec" / int32,
        "ts_frac" / int32,
        "incl_len" / int32,
        "orig_len" / int32,
        "data" / Bytes(this.incl_len),
    )
    return file_header, record_header


_LE = _headers(Int16ul, Int32ul)
_BE = _headers(Int16ub, Int32ub)

_TLV = Struct(
    "type" / Int16ul,
    "length" / Int16ul,
    "value" / Bytes(this.length),
    Padding((4 - this.length % 4) % 4),
)
_TAP = Struct(
    "version" / Const(0, Int8ul),
    "reserved" / Int8ul,
    "length" / Int16ul,
    "tlvs" / FixedSized(this.length - 4, Struct("list" / GreedyRange(_TLV), Terminated)),
)
_CHANNEL = Struct("channel" / Int16ul, "page" / Int8ul)


def _tlv(kind: int, *fields: Any) -> Struct:
    """One fixed TLV of the header we write: type, length of `fields`, the fields, zero padding."""
    size = sum(field.sizeof() for field in fields)
    return Struct("type" / Const(kind, Int16ul), "length" / Const(size, Int16ul), *fields, Padding(-size % 4))


# What we write is one fixed profile of that generic layout (the nRF sniffer's TLVs plus the FCS
# type), as one compiled struct: a sniffer calls it per frame, and the generic TLV list costs
# ~400 us per record to build against ~40 us for this.
_TAP_WRITER = Struct(
    "version" / Const(0, Int8ul),
    "reserved" / Const(0, Int8ul),
    "length" / Int16ul,
    "fcs_type" / _tlv(_TLV_FCS_TYPE, "value" / Int8ul),
    "rssi" / If(this.rssi != None, _tlv(_TLV_RSS, "value" / Float32l)),  # noqa: E711 - construct expression
    "channel" / If(this.channel != None, _tlv(_TLV_CHANNEL, "channel" / Int16ul, "page" / Int8ul)),  # noqa: E711 - construct expression
    "lqi" / If(this.lqi != None, _tlv(_TLV_LQI, "value" / Int8ul)),  # noqa: E711 - construct expression
).compile()
_RECORD_WRITER = _LE[1].compile()


def file_header(linktype: int) -> bytes:
    """The 24-octet pcap file header (microseconds, little-endian) for `linktype`."""
    if linktype not in LINKTYPES:
        raise PcapEncodeError(PROTOCOL, "linktype", f"{linktype} is not an 802.15.4 link type we write")
    return Int32ul.build(_MAGIC_US) + _LE[0].build(
        dict(version_minor=4, thiszone=0, sigfigs=0, snaplen=SNAPLEN, linktype=linktype)
    )


def _tap_header(rec: PcapRecord) -> bytes:
    present = (rec.rssi is not None) + (rec.channel is not None) + (rec.lqi is not None)
    return _TAP_WRITER.build(
        dict(
            length=12 + 8 * present,  # prefix, FCS-type TLV, then 8 octets per link fact
            fcs_type=dict(value=_FCS_CRC16),
            rssi=None if rec.rssi is None else dict(value=rec.rssi),
            channel=None if rec.channel is None else dict(channel=rec.channel, page=rec.page or 0),
            lqi=None if rec.lqi is None else dict(value=rec.lqi),
        )
    )


def record(rec: PcapRecord, linktype: int) -> bytes:
    """One pcap record (16-octet header + data) holding `rec` in `linktype` framing."""
    if linktype not in LINKTYPES:
        raise PcapEncodeError(PROTOCOL, "linktype", f"{linktype} is not an 802.15.4 link type we write")
    if not isinstance(rec.timestamp, (int, float)) or not math.isfinite(rec.timestamp) or rec.timestamp < 0:
        raise PcapEncodeError(PROTOCOL, "timestamp", f"{rec.timestamp!r} is not a finite time at or after the epoch")
    try:
        data = (_tap_header(rec) if linktype == LINKTYPE_IEEE802_15_4_TAP else b"") + rec.psdu
    except Exception as exc:  # noqa: BLE001 - compiled builders raise struct.error; construct's own raise ConstructError
        raise PcapEncodeError(PROTOCOL, "tap", f"link facts out of range: {exc}") from None
    if len(data) > SNAPLEN:
        raise PcapEncodeError(PROTOCOL, "psdu", f"{len(data)} octets exceed the snap length {SNAPLEN}")
    seconds, micros = divmod(round(rec.timestamp * 1_000_000), 1_000_000)
    if seconds >= 1 << 32:
        raise PcapEncodeError(PROTOCOL, "timestamp", "beyond the 32-bit seconds of pcap")
    return _RECORD_WRITER.build(dict(ts_sec=seconds, ts_frac=micros, incl_len=len(data), orig_len=len(data), data=data))


def _untap(data: bytes, base: int) -> PcapRecord:
    """Split a TAP record's data into link facts and PSDU (timestamp filled in by the caller)."""
    stream = io.BytesIO(data)
    try:
        tap = _TAP.parse_stream(stream)
    except ConstructError as exc:
        raise translate(exc, stream, PcapDecodeError, PROTOCOL, base) from None
    record = PcapRecord(0.0, data[tap.length :])
    for tlv in tap.tlvs.list:
        try:
            if tlv.type == _TLV_RSS:
                record = replace(record, rssi=Float32l.parse(tlv.value))
            elif tlv.type == _TLV_CHANNEL:
                channel = _CHANNEL.parse(tlv.value)
                record = replace(record, channel=channel.channel, page=channel.page)
            elif tlv.type == _TLV_LQI:
                record = replace(record, lqi=Int8ul.parse(tlv.value))
        except ConstructError:
            raise PcapDecodeError(PROTOCOL, base + 4, f"tap.tlv[{tlv.type}]", "TLV value too short") from None
    return record


def read(data: bytes) -> tuple[int, list[PcapRecord]]:
    """Decode a whole pcap file: (link type, records).  PcapDecodeError names the file offset."""
    data = require_bytes(data, "pcap.read")
    if len(data) < 4:
        raise PcapDecodeError(PROTOCOL, len(data), "magic", "file shorter than the pcap magic number")
    magic_le, magic_be = Int32ul.parse(data), Int32ub.parse(data)
    if _MAGIC_US in (magic_le, magic_be) or _MAGIC_NS in (magic_le, magic_be):
        little = magic_le in (_MAGIC_US, _MAGIC_NS)
        nanos = (magic_le if little else magic_be) == _MAGIC_NS
    else:
        raise PcapDecodeError(PROTOCOL, 0, "magic", f"{data[:4].hex()} is not a pcap magic number")
    file_struct, record_struct = _LE if little else _BE
    stream = io.BytesIO(data)
    stream.seek(4)
    records: list[PcapRecord] = []
    try:
        header = file_struct.parse_stream(stream)
        if header.linktype not in LINKTYPES:
            raise PcapDecodeError(PROTOCOL, 20, "linktype", f"link type {header.linktype} is not 802.15.4 (195/283)")
        while stream.tell() < len(data):
            start = stream.tell()
            raw = record_struct.parse_stream(stream)
            stamp = raw.ts_sec + raw.ts_frac / (1e9 if nanos else 1e6)
            if header.linktype == LINKTYPE_IEEE802_15_4_TAP:
                rec = _untap(raw.data, start + 16)
                records.append(PcapRecord(stamp, rec.psdu, rec.page, rec.channel, rec.rssi, rec.lqi))
            else:
                records.append(PcapRecord(stamp, raw.data))
    except ConstructError as exc:
        raise translate(exc, stream, PcapDecodeError, PROTOCOL) from None
    return header.linktype, records
