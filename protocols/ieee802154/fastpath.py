"""The hot path of `mac.parse`: MAC frames decoded with precomputed `struct.Struct`s, no construct.

Why: every frame the hub hears goes through `mac.parse`, and construct's
per-frame overhead (a Container per struct, a stream, a call per field) was
two thirds of its cost (cProfile, 2026-11-28).  But the FCF alone fixes the
whole MAC header layout: which of sequence number, PAN IDs and addresses are
present and how long each is.  So each FCF value gets a `_Layout` once (lazily,
cached: at most the ~7k valid FCFs) holding one `struct.Struct` for the
header fields after the FCF, the FCF's constant header values, and an
`itemgetter` that lays the unpacked and constant values out in `Header`'s
field order.  The auxiliary security header gets the same treatment keyed by
its control octet, and MAC command payloads of fixed layout get a struct
derived from the construct struct in `commands` (so the layout is written
once).  Beacons and variable-length commands use the compiled construct struct.

This path never raises on bad input: it returns None whenever anything is off
(reserved FCF values, a frame too short for its layout, a command of the
wrong length), and `mac.parse` then runs the checked construct struct, which
names the field and byte offset.  The tests hold the two decoders to the
same result on valid, random and mutated frames.
"""

from __future__ import annotations

import io
import dataclasses
import struct
from collections.abc import Callable
from operator import itemgetter
from typing import Any, NamedTuple

from construct import FormatField

from .beacon import _BEACON, beacon_from_raw
from .commands import COMMAND_STRUCTS, Command, RawCommand, command_from_raw
from .frames import AckFrame, BeaconFrame, CommandFrame, DataFrame, Frame
from .header import _FRAME_TYPES, _MODES, _VERSIONS, ADDR_LENGTH, AddrMode, FrameVersion, Header, pan_ids_present
from .security import SecurityHeader

_new_tuple = tuple.__new__
_ADDR_FORMAT = {2: "H", 8: "Q"}
_SECURITY_BIT = 0x08


class _Layout(NamedTuple):
    """What one FCF value says about a frame, computed once."""

    kind: int                                  #: frame type 0-3
    fields: struct.Struct                      #: sequence number and addressing, after the FCF
    end: int                                   #: octets of MHR (FCF included) before any aux header
    constants: tuple[Any, ...]                 #: the header values the FCF fixes, then None
    pick: Callable[[tuple[Any, ...]], tuple[Any, ...]]  #: unpacked + constants -> Header field order
    secured: bool


def _valid_fcf(fcf: int) -> bool:
    """The FCFs this codec decodes (`mac._check_fcf` says why the others are refused)."""
    version, dst, src = fcf >> 12 & 3, fcf >> 10 & 3, fcf >> 14
    return (fcf & 7 <= 3 and version != 3 and dst != 1 and src != 1 and not fcf & 0x200
            and (not fcf & 0x100 or version == FrameVersion.V2015)
            and (not fcf & _SECURITY_BIT or version != FrameVersion.V2003))


def _gather(present: list[tuple[str, str]], constants: dict[str, Any], names: tuple[str, ...]) -> tuple[
        struct.Struct, tuple[Any, ...], Callable[[tuple[Any, ...]], tuple[Any, ...]]]:
    """A struct for the `present` (name, format) fields, and how to lay them out with `constants` as `names`.

    The picker indexes `unpacked + constants + (None,)`: a field neither
    present nor constant is None.
    """
    order = [name for name, _ in present] + list(constants) + [None]
    return (
        struct.Struct("<" + "".join(fmt for _, fmt in present)),
        (*constants.values(), None),
        itemgetter(*(order.index(name) if name in order else len(order) - 1 for name in names)),
    )


def _make_layout(fcf: int) -> _Layout:
    kind, version = fcf & 7, _VERSIONS[fcf >> 12 & 3]
    dst_mode, src_mode = _MODES[fcf >> 10 & 3], _MODES[fcf >> 14]
    assert dst_mode is not None and src_mode is not None  # _valid_fcf
    compression = bool(fcf & 0x40)
    dst_pan, src_pan = pan_ids_present(version, dst_mode, src_mode, compression)
    present = [("seq", "B")] if not fcf & 0x100 else []
    if dst_pan:
        present.append(("dst_pan", "H"))
    if dst_mode != AddrMode.NONE:
        present.append(("dst_addr", _ADDR_FORMAT[ADDR_LENGTH[dst_mode]]))
    if src_pan:
        present.append(("src_pan", "H"))
    if src_mode != AddrMode.NONE:
        present.append(("src_addr", _ADDR_FORMAT[ADDR_LENGTH[src_mode]]))
    constants = dict(
        frame_type=_FRAME_TYPES[kind], dst_mode=dst_mode, src_mode=src_mode, pan_id_compression=compression,
        ack_request=bool(fcf & 0x20), frame_pending=bool(fcf & 0x10), security=bool(fcf & _SECURITY_BIT),
        version=version, ie_present=False, reserved=bool(fcf & 0x80),
    )
    fields, values, pick = _gather(present, constants, Header._fields)
    return _Layout(kind, fields, 2 + fields.size, values, pick, bool(fcf & _SECURITY_BIT))


_LAYOUTS: dict[int, _Layout] = {}


def _aux_layout(control: int) -> tuple[struct.Struct, tuple[Any, ...], Callable[[tuple[Any, ...]], tuple[Any, ...]]]:
    """The auxiliary security header after a control octet (layout as `security._AUX`)."""
    mode = control >> 3 & 3
    present = [] if control & 0x20 else [("frame_counter", "I")]
    if mode >= 2:
        present.append(("key_source", "I" if mode == 2 else "Q"))
    if mode:
        present.append(("key_index", "B"))
    constants = dict(level=control & 7, key_id_mode=mode, asn_in_nonce=bool(control & 0x40),
                     reserved=bool(control & 0x80))
    return _gather(present, constants, _SECURITY_FIELDS)


_SECURITY_FIELDS = tuple(field.name for field in dataclasses.fields(SecurityHeader))
_AUX_LAYOUTS = tuple(_aux_layout(control) for control in range(256))


def _fixed_command(con: Any) -> tuple[struct.Struct, tuple[str, ...]] | None:
    """A struct for a command payload made only of fixed-size integers, else None."""
    subcons = con.subcons
    if not all(isinstance(sub.subcon, FormatField) for sub in subcons):
        return None
    return struct.Struct("<" + "".join(sub.subcon.fmtstr[1:] for sub in subcons)), tuple(sub.name for sub in subcons)


_FIXED_COMMANDS = {cid: fixed for cid, con in COMMAND_STRUCTS.items() if (fixed := _fixed_command(con))}
_OTHER_COMMANDS = {cid: con.compile() for cid, con in COMMAND_STRUCTS.items() if cid not in _FIXED_COMMANDS}
_BEACON_COMPILED = _BEACON.compile()


def parse_fast(psdu: bytes, end: int) -> Frame | None:
    """The frame in `psdu[:end]` (the MPDU, its FCS already checked), or None to defer to the checked codec."""
    fcf = psdu[0] | psdu[1] << 8
    layout = _LAYOUTS.get(fcf)
    if layout is None:
        if not _valid_fcf(fcf):
            return None
        layout = _LAYOUTS.setdefault(fcf, _make_layout(fcf))
    pos = layout.end
    if pos > end:
        return None
    header = _new_tuple(Header, layout.pick(layout.fields.unpack_from(psdu, 2) + layout.constants))
    security = None
    if layout.secured:
        if pos >= end:
            return None
        fields, constants, pick = _AUX_LAYOUTS[psdu[pos]]
        pos += 1 + fields.size
        if pos > end:
            return None
        security = SecurityHeader(*pick(fields.unpack_from(psdu, pos - fields.size) + constants))
    kind = layout.kind
    if kind == 1:
        return DataFrame(header, psdu[pos:end], security)
    if kind == 2:
        return AckFrame(header, psdu[pos:end], security)
    if kind == 3:
        command = _command(psdu, pos, end, security is not None)
        return None if command is None else CommandFrame(header, command, security)
    return _beacon(header, psdu[pos:end], security)


def _command(psdu: bytes, pos: int, end: int, secured: bool) -> Command | None:
    if pos >= end:
        return None
    command_id = psdu[pos]
    pos += 1
    fixed = _FIXED_COMMANDS.get(command_id)
    if fixed is not None and not secured:
        fields, names = fixed
        if end - pos != fields.size:
            return None
        return command_from_raw(command_id, dict(zip(names, fields.unpack_from(psdu, pos))))
    compiled = None if secured else _OTHER_COMMANDS.get(command_id)
    if compiled is None:
        return RawCommand(command_id, psdu[pos:end])
    stream = io.BytesIO(psdu[pos:end])
    try:
        raw = compiled.parse_stream(stream)
    except Exception:  # noqa: BLE001 - compiled code raises struct.error and friends; the checked codec says where
        return None
    return command_from_raw(command_id, raw) if stream.tell() == end - pos else None


def _beacon(header: Header, body: bytes, security: SecurityHeader | None) -> BeaconFrame | None:
    stream = io.BytesIO(body)
    try:
        raw = _BEACON_COMPILED.parse_stream(stream)
    except Exception:  # noqa: BLE001 - as in _command
        return None
    superframe, gts, pending = beacon_from_raw(raw)
    return BeaconFrame(header, superframe, gts, pending, body[stream.tell():], security)
