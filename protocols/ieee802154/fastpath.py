"""The hot path of `mac.parse`: MAC frames decoded with precomputed `struct.Struct`s, no construct.

Why: every frame the hub hears goes through `mac.parse`, and construct's
per-frame overhead (a Container per struct, a stream, a call per field) was
two thirds of its cost (profiled with cProfile).  But the FCF alone fixes the
whole MAC header layout, so `header.mhr_layout` gives each FCF value, once,
a `struct.Struct` for the fields after the FCF and an `itemgetter` that makes
the `Header` tuple (shared with `peek`).  The auxiliary security header gets
the same treatment keyed by its control octet, and MAC command payloads of
fixed layout get a struct derived from the construct struct in `commands`
(so the layout is written once).  Beacons and variable-length commands use
the compiled construct struct.

This path never raises on bad input: it returns None whenever anything is off
(reserved FCF values, a frame too short for its layout, a command of the
wrong length), and `mac.parse` then runs the checked construct struct, which
names the field and byte offset.  The tests hold the two decoders to the
same result on valid, random and mutated frames.
"""

from __future__ import annotations

import dataclasses
import io
import struct
from typing import Any

from construct import FormatField

from protocols.fastpath import Picker, struct_picker

from .beacon import BEACON_STRUCT, beacon_from_raw
from .commands import COMMAND_STRUCTS, Command, RawCommand, command_from_raw
from .frames import AckFrame, BeaconFrame, CommandFrame, DataFrame, Frame
from .header import Header, mhr_layout
from .security import SecurityHeader


def _aux_layout(control: int) -> tuple[struct.Struct, tuple[Any, ...], Picker]:
    """The auxiliary security header after a control octet (layout as `security.AUX_STRUCT`)."""
    mode = control >> 3 & 3
    present = [] if control & 0x20 else [("frame_counter", "I")]
    if mode >= 2:
        present.append(("key_source", "I" if mode == 2 else "Q"))
    if mode:
        present.append(("key_index", "B"))
    constants = dict(
        level=control & 7, key_id_mode=mode, asn_in_nonce=bool(control & 0x40), reserved=bool(control & 0x80)
    )
    return struct_picker(present, constants, _SECURITY_FIELDS)


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
_BEACON_COMPILED = BEACON_STRUCT.compile()


def parse_fast(psdu: bytes, end: int) -> Frame | None:
    """The frame in `psdu[:end]` (the MPDU, its FCS already checked), or None to defer to the checked codec."""
    fcf = psdu[0] | psdu[1] << 8
    layout = mhr_layout(fcf)
    if layout is None or layout.end > end:
        return None
    pos = layout.end
    header = layout.header(psdu)
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
        return command_from_raw(command_id, dict(zip(names, fields.unpack_from(psdu, pos), strict=False)))
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
    return BeaconFrame(header, superframe, gts, pending, body[stream.tell() :], security)
