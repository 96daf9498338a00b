"""Install code -> preconfigured Trust Centre link key (radio.md 5.7).

An install code is 6, 8, 12 or 16 octets followed by its CRC-16/X-25 (reflected poly 0x1021, init
and xorout 0xFFFF) appended little-endian; the link key is the AES-MMO hash of code || CRC. The
hash is zigpy's (through `protocols.zigbee.security.aes_mmo_hash`, as zigpy's own
`convert_install_code` computes it); the length and CRC are checked here, so a mistyped code
is refused with a typed error naming the offset instead of silently giving a key no device
holds - the "wrong install code cannot join" case then fails at the MIC, not here, only when
the code is well-formed but not the device's.
"""

from __future__ import annotations

import crcmod.predefined

from protocols.zigbee.errors import ZigbeeDecodeError
from protocols.zigbee.security import aes_mmo_hash

PROTOCOL = "zigbee.install_code"
#: Lengths of the code itself, without its 2-octet CRC.
CODE_LENGTHS = (6, 8, 12, 16)

_crc16_x25 = crcmod.predefined.mkCrcFun("x-25")


def install_code_crc(code: bytes) -> bytes:
    """The 2-octet CRC (little-endian, as appended) of an install code without its CRC."""
    return _crc16_x25(code).to_bytes(2, "little")


def install_code_to_link_key(code: bytes) -> bytes:
    """The 16-octet link key of `code` (install code followed by its CRC, 8/10/14/18 octets).

    Raises `ZigbeeDecodeError` for a bad length (offset = the length) or a CRC that does not
    match (offset = where the CRC starts).
    """
    body_length = len(code) - 2
    if body_length not in CODE_LENGTHS:
        raise ZigbeeDecodeError(
            PROTOCOL, len(code), "code", f"install code with CRC must be 8, 10, 14 or 18 octets, got {len(code)}"
        )
    body, crc = code[:body_length], code[body_length:]
    expected = install_code_crc(body)
    if crc != expected:
        raise ZigbeeDecodeError(
            PROTOCOL,
            body_length,
            "crc",
            f"CRC {crc.hex().upper()} does not match the code (expected {expected.hex().upper()})",
        )
    return aes_mmo_hash(code)
