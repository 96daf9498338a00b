"""One Spinel frame: header byte, command, and for property commands the property id and value (spinel.md 2-3).

Header = FLG(2) | IID(2) | TID(4), FLG binary `10`: anything else is not
Spinel, which is how a host tells a wrong protocol on the wire from noise.
TID 0 marks unsolicited frames; a reply copies the request's header byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SerialDecodeError, SerialEncodeError
from .constants import PROPERTY_COMMANDS, Command, Prop, status_name
from .packing import PROTOCOL, decode_uint, encode_uint


@dataclass(frozen=True, slots=True)
class SpinelFrame:
    """A decoded Spinel frame. `prop` is None for commands without one (NOOP, RESET, vendor commands)."""

    tid: int
    command: int
    prop: int | None = None
    value: bytes = b""  #: the property value, or the whole payload of a non-property command
    iid: int = 0

    @property
    def header(self) -> int:
        return 0x80 | self.iid << 4 | self.tid

    def __str__(self) -> str:
        command = Command(self.command).name if self.command in Command._value2member_map_ else str(self.command)
        if self.prop is None:
            return f"spinel tid={self.tid} {command} {self.value.hex()}"
        prop = Prop(self.prop).name if self.prop in Prop._value2member_map_ else f"{self.prop:#x}"
        if self.prop == Prop.LAST_STATUS and self.value:
            try:
                return f"spinel tid={self.tid} {command} LAST_STATUS={status_name(decode_uint(self.value)[0])}"
            except SerialDecodeError:
                pass
        return f"spinel tid={self.tid} {command} {prop} {self.value.hex()}"


def parse(data: bytes) -> SpinelFrame:
    """Decode one Spinel frame (an HDLC-lite payload); SerialDecodeError if it is not Spinel."""
    if not data:
        raise SerialDecodeError(PROTOCOL, 0, "header", "empty frame")
    header = data[0]
    if header & 0xC0 != 0x80:
        raise SerialDecodeError(PROTOCOL, 0, "header", f"header {header:#04x} lacks the Spinel flag bits 10")
    command, offset = decode_uint(data, 1, "command")
    if command not in PROPERTY_COMMANDS:
        return SpinelFrame(header & 0x0F, command, None, bytes(data[offset:]), header >> 4 & 0x03)
    prop, offset = decode_uint(data, offset, "prop")
    return SpinelFrame(header & 0x0F, command, prop, bytes(data[offset:]), header >> 4 & 0x03)


def build(frame: SpinelFrame) -> bytes:
    """Encode `frame`; SerialEncodeError for a TID/IID out of range or a property on the wrong command."""
    if not 0 <= frame.tid <= 15 or not 0 <= frame.iid <= 3:
        raise SerialEncodeError(PROTOCOL, "header", f"tid {frame.tid} / iid {frame.iid} out of range 0-15 / 0-3")
    has_prop = frame.command in PROPERTY_COMMANDS
    if has_prop != (frame.prop is not None):
        raise SerialEncodeError(
            PROTOCOL, "prop", f"command {frame.command} {'needs' if has_prop else 'takes no'} property"
        )
    prop = b"" if frame.prop is None else encode_uint(frame.prop)
    return bytes((frame.header,)) + encode_uint(frame.command) + prop + frame.value
