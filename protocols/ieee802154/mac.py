"""The full MAC frame codec: `parse(psdu) -> Frame` and `build(frame) -> bytes` (radio.md 2).

Shape: the FCS is checked first with crcmod (a corrupted frame is reported
as such, not as whatever garbage it decodes to).  Then two decoders:

* `fastpath.parse_fast`, precomputed `struct.Struct`s keyed by the FCF, which
  decodes every frame this codec accepts and returns None on anything else;
* the reference: one construct `Struct` for the MPDU (FCS excluded), built
  once at import, compiled, and re-parsed checked when the compiled one
  fails, to name the field and byte offset precisely (`parse_checked`).

`parse` runs the fast path and falls back to the reference only when it
declines, so a bad frame's error still comes from construct.  The tests hold
fast, compiled and checked paths to the same results.

Layout choices of the reference struct, and why:

* The FCF is one `Int16ul` and its bits are read with `this.fcf & mask`
  expressions: a compiled `ByteSwapped(BitStruct)` costs ~13 us per frame,
  more than everything else together.  `Header` unpacks the bits.
* The addressing fields are a `Switch` on the FCF bits that decide them
  (version, both modes, PAN ID compression), with one prebuilt struct per
  valid combination from `header.pan_ids_present` - the rule lives once.
* What we do not decode stays raw so that `build(parse(x)) == x`: data and
  ACK payloads (the ZigBee NWK frame sits on `DataFrame.payload`), beacon
  payloads, secured command payloads, unknown commands, MICs.
* Refused with `Ieee802154DecodeError`: frame types 4-7, frame version 3,
  addressing mode 1, header/payload IEs (IE-less 2015 frames are fine),
  sequence-number suppression before 2015, and the 2003 security format
  (ZigBee leaves MAC security off).
"""

from __future__ import annotations

from typing import Any

from construct import (
    ConstructError,
    GreedyBytes,
    If,
    Int8ul,
    Int16ul,
    Int64ul,
    Struct,
    Switch,
    Terminated,
    this,
)

from protocols.errors import require_bytes
from protocols.fastpath import build_compiled_then_checked, compiled_then_checked

from .beacon import BEACON_STRUCT, beacon_from_raw, beacon_to_raw
from .commands import COMMAND_STRUCTS, RawCommand, command_from_raw, command_to_raw
from .errors import decode_error, encode_error, from_construct
from .fastpath import parse_fast
from .fcs import append_fcs, fcs16, fcs32, fcs_length
from .frames import FRAME_CLASSES, AckFrame, BeaconFrame, CommandFrame, DataFrame, Frame
from .header import (
    ADDR_MODES,
    FRAME_TYPES,
    FRAME_VERSIONS,
    AddrMode,
    FrameType,
    FrameVersion,
    Header,
    fcf_problem,
    pan_ids_present,
)
from .security import AUX_STRUCT, security_from_raw, security_to_raw

__all__ = ["AckFrame", "BeaconFrame", "CommandFrame", "DataFrame", "Frame", "build", "parse"]


#: aMaxPhyPacketSize: the most octets a PSDU (MPDU and FCS) can have on every PHY we carry (radio.md 1).
MAX_PSDU_LENGTH = 127
#: The one-bit FCF fields of `Header`: each must be a bool (or 0/1), never an int that spills into its neighbour.
_FLAG_FIELDS = ("pan_id_compression", "ack_request", "frame_pending", "security", "ie_present", "reserved")

_ADDR_FIELD = {AddrMode.SHORT: Int16ul, AddrMode.EXTENDED: Int64ul}
_ADDRESSING_MASK = 0xFC40  # src mode, version, dst mode, PAN ID compression


def _addressing(version: int, dst_mode: AddrMode, src_mode: AddrMode, compression: bool) -> Struct:
    dst_pan, src_pan = pan_ids_present(version, dst_mode, src_mode, compression)
    fields = []
    if dst_pan:
        fields.append("dst_pan" / Int16ul)
    if dst_mode:
        fields.append("dst_addr" / _ADDR_FIELD[dst_mode])
    if src_pan:
        fields.append("src_pan" / Int16ul)
    if src_mode:
        fields.append("src_addr" / _ADDR_FIELD[src_mode])
    return Struct(*fields)


_ADDRESSINGS = {
    src << 14 | version << 12 | dst << 10 | compression << 6: _addressing(version, dst, src, bool(compression))
    for version in FrameVersion
    for dst in AddrMode
    for src in AddrMode
    for compression in (0, 1)
}

_PAYLOAD = Struct("payload" / GreedyBytes)
_BEACON_BODY = Struct("fields" / BEACON_STRUCT, "payload" / GreedyBytes)
_COMMAND_BODY = Struct(
    "command_id" / Int8ul,
    "args" / Switch(this.command_id, COMMAND_STRUCTS, default=Struct("data" / GreedyBytes)),
    Terminated,
)
_SECURED_COMMAND_BODY = Struct("command_id" / Int8ul, "args" / Struct("data" / GreedyBytes))

_SECURITY_BIT = 0x08
_MPDU = Struct(
    "fcf" / Int16ul,
    "seq" / If((this.fcf & 0x100) == 0, Int8ul),
    "addr" / Switch(this.fcf & _ADDRESSING_MASK, _ADDRESSINGS),
    "aux" / If((this.fcf & _SECURITY_BIT) != 0, AUX_STRUCT),
    "body"
    / Switch(
        this.fcf & 0x0F,
        {  # frame type and security bit
            0: _BEACON_BODY,
            8: _BEACON_BODY,
            1: _PAYLOAD,
            9: _PAYLOAD,
            2: _PAYLOAD,
            10: _PAYLOAD,
            3: _COMMAND_BODY,
            11: _SECURED_COMMAND_BODY,
        },
    ),
    Terminated,  # frame types 4-7 have no body here (`header.fcf_problem` refuses them first)
)
_MPDU_COMPILED = _MPDU.compile()


def parse(psdu: bytes, *, fcs: int = 16) -> Frame:
    """Decode a PSDU (MPDU + FCS of `fcs` bits, checked) into a frame dataclass."""
    psdu = require_bytes(psdu, "ieee802154.parse")  # slices of the input become payloads: they must be bytes
    size = 2 if fcs == 16 else fcs_length(fcs)
    end = len(psdu) - size
    if end < 2:
        raise decode_error(len(psdu), "fcf", f"{len(psdu)} octets cannot hold a frame control field and FCS")
    if len(psdu) > MAX_PSDU_LENGTH:
        reason = f"PSDU of {len(psdu)} octets is longer than aMaxPhyPacketSize ({MAX_PSDU_LENGTH})"
        raise decode_error(MAX_PSDU_LENGTH, "psdu", reason)
    # KERMIT over a good frame, FCS included, is 0 (fcs.py): one C call on the hot path.
    if fcs16(psdu) != 0 if size == 2 else fcs32(psdu[:end]) != int.from_bytes(psdu[end:], "little"):
        want = fcs16(psdu[:end]) if size == 2 else fcs32(psdu[:end])
        got = int.from_bytes(psdu[end:], "little")
        raise decode_error(end, "fcs", f"FCS {got:#x} does not match the frame's {want:#x}")
    frame = parse_fast(psdu, end)
    if frame is None:  # refused or malformed: the checked struct names the field and offset
        frame = parse_checked(psdu[:end])
    return frame


def parse_checked(mpdu: bytes) -> Frame:
    """The reference decoder of an MPDU (FCS removed): construct structs, compiled then checked.

    `parse` uses it only when `fastpath.parse_fast` declines; the tests hold
    the two to the same frames.
    """
    if len(mpdu) >= 2:
        problem = fcf_problem(mpdu[0] | mpdu[1] << 8)
        if problem is not None:
            raise decode_error(*problem)
    return _frame(compiled_then_checked(_MPDU_COMPILED, _MPDU, mpdu, from_construct))


def _frame(raw: Any) -> Frame:
    """Dataclasses from the struct's Containers (indexed, not attribute access: it is faster)."""
    fcf = raw["fcf"]
    addr = raw["addr"]
    dst_mode, src_mode = ADDR_MODES[fcf >> 10 & 3], ADDR_MODES[fcf >> 14]
    assert dst_mode is not None and src_mode is not None  # mode 1 was refused by `fcf_problem`
    header = Header(
        FRAME_TYPES[fcf & 7],
        raw["seq"],
        dst_mode,
        addr.get("dst_pan"),
        addr.get("dst_addr"),
        src_mode,
        addr.get("src_pan"),
        addr.get("src_addr"),
        bool(fcf & 0x40),
        bool(fcf & 0x20),
        bool(fcf & 0x10),
        bool(fcf & 0x08),
        FRAME_VERSIONS[fcf >> 12 & 3],
        False,
        bool(fcf & 0x80),
    )
    aux = raw["aux"]
    security = None if aux is None else security_from_raw(aux)
    body = raw["body"]
    kind = fcf & 7
    if kind == FrameType.DATA:
        return DataFrame(header, body["payload"], security)
    if kind == FrameType.ACK:
        return AckFrame(header, body["payload"], security)
    if kind == FrameType.BEACON:
        superframe, gts, pending = beacon_from_raw(body["fields"])
        return BeaconFrame(header, superframe, gts, pending, body["payload"], security)
    command_id = body["command_id"]
    if security is not None or command_id not in COMMAND_STRUCTS:
        return CommandFrame(header, RawCommand(command_id, body["args"]["data"]), security)
    return CommandFrame(header, command_from_raw(command_id, body["args"]), security)


def _fcf(frame: Frame) -> int:
    """The FCF of `frame`, after checking that its header agrees with itself and with the frame."""
    header = frame.header
    for name in _FLAG_FIELDS:
        flag = getattr(header, name)
        if type(flag) is not bool and flag not in (0, 1):
            raise encode_error(f"header.{name}", f"{flag!r} is not a one-bit flag (True/False)")
    if FRAME_CLASSES.get(header.frame_type) is not type(frame):
        raise encode_error("header.frame_type", f"{header.frame_type!r} in a {type(frame).__name__}")
    if header.version not in FRAME_VERSIONS or header.dst_mode not in AddrMode or header.src_mode not in AddrMode:
        raise encode_error("header", "frame version or addressing mode out of range")
    if header.ie_present:
        raise encode_error("header.ie_present", "information elements are not supported")
    if header.security != (frame.security is not None):
        raise encode_error("header.security", "the security bit must be set exactly when a security header is given")
    if frame.security is not None:
        if header.version == FrameVersion.V2003:
            raise encode_error("header.version", "802.15.4-2003 MAC security is not supported")
        problem = frame.security.consistent()
        if problem:
            raise encode_error("security", problem)
    if header.seq is None and header.version != FrameVersion.V2015:
        raise encode_error("header.seq", "only 2015 frames may suppress the sequence number")
    for side, mode, address in (("dst", header.dst_mode, header.dst_addr), ("src", header.src_mode, header.src_addr)):
        if (mode == AddrMode.NONE) != (address is None):
            raise encode_error(f"header.{side}_addr", f"an address is present exactly when {side}_mode is not NONE")
    dst_pan, src_pan = pan_ids_present(header.version, header.dst_mode, header.src_mode, header.pan_id_compression)
    if dst_pan != (header.dst_pan is not None) or src_pan != (header.src_pan is not None):
        want = f"destination PAN {'present' if dst_pan else 'absent'}, source PAN {'present' if src_pan else 'absent'}"
        raise encode_error("header.pan_id_compression", f"these modes and compression bit need {want}")
    return (
        header.frame_type
        | header.security << 3
        | header.frame_pending << 4
        | header.ack_request << 5
        | header.pan_id_compression << 6
        | header.reserved << 7
        | (header.seq is None) << 8
        | header.dst_mode << 10
        | header.version << 12
        | header.src_mode << 14
    )


def _body(frame: Frame) -> dict[str, Any]:
    if isinstance(frame, (DataFrame, AckFrame)):
        return dict(payload=frame.payload)
    if isinstance(frame, BeaconFrame):
        return dict(fields=beacon_to_raw(frame.superframe, frame.gts, frame.pending), payload=frame.payload)
    command = frame.command
    if isinstance(command, RawCommand):
        if frame.security is None and command.command_id in COMMAND_STRUCTS:
            raise encode_error("command", f"command {command.command_id:#04x} has a dataclass; use it")
        return dict(command_id=command.command_id, args=dict(data=command.data))
    return dict(command_id=command.ID, args=command_to_raw(command))


def _build_error(exc: ConstructError) -> Exception:
    return encode_error(getattr(exc, "path", None) or "?", str(exc).splitlines()[-1])


def build(frame: Frame, *, fcs: int = 16) -> bytes:
    """Encode `frame` and append its FCS; Ieee802154EncodeError for values the format cannot carry."""
    header = frame.header
    raw = dict(
        fcf=_fcf(frame),
        seq=header.seq,
        addr=dict(dst_pan=header.dst_pan, dst_addr=header.dst_addr, src_pan=header.src_pan, src_addr=header.src_addr),
        aux=None if frame.security is None else security_to_raw(frame.security),
        body=_body(frame),
    )
    mpdu = build_compiled_then_checked(_MPDU_COMPILED, _MPDU, raw, _build_error)
    psdu = append_fcs(mpdu, fcs)
    if len(psdu) > MAX_PSDU_LENGTH:
        raise encode_error(
            "payload", f"PSDU of {len(psdu)} octets is longer than aMaxPhyPacketSize ({MAX_PSDU_LENGTH})"
        )
    return psdu
