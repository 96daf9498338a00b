"""Frame check sequences of 802.15.4 MAC frames (radio.md 2.4).

FCS-16 is CRC-16/KERMIT (crcmod's "kermit": poly 0x1021 reflected, init 0,
xorout 0); FCS-32 (SUN PHYs whose PHR says so) is the Ethernet/zlib CRC-32.
Both cover the MPDU without its FCS and are appended little-endian.  Because
KERMIT is reflected with no final xor, the CRC of a whole good frame (FCS
included) is 0, which makes `check_fcs` a single C call on the hot path.
Not `binascii.crc_hqx`: that is the unreflected init-0xFFFF CRC of EZSP's ASH.
"""

from __future__ import annotations

import zlib

import crcmod.predefined

#: CRC-16/KERMIT over `data` (check value: fcs16(b"123456789") == 0x2189).
fcs16 = crcmod.predefined.mkCrcFun("kermit")


def fcs32(data: bytes) -> int:
    """CRC-32 (Ethernet/zlib) over `data` (check value 0xCBF43926)."""
    return zlib.crc32(data)


def fcs_length(fcs: int) -> int:
    """Octets of FCS for `fcs` bits (16 or 32); ValueError for anything else."""
    if fcs == 16:
        return 2
    if fcs == 32:
        return 4
    raise ValueError(f"FCS must be 16 or 32 bits, not {fcs!r}")


def append_fcs(mpdu: bytes, fcs: int = 16) -> bytes:
    """`mpdu` followed by its FCS, little-endian: a PSDU ready for the radio."""
    if fcs_length(fcs) == 2:
        return mpdu + fcs16(mpdu).to_bytes(2, "little")
    return mpdu + zlib.crc32(mpdu).to_bytes(4, "little")


def check_fcs(psdu: bytes, fcs: int = 16) -> bool:
    """True when `psdu` ends in the correct FCS of the preceding octets (False if too short)."""
    if fcs_length(fcs) == 2:
        return len(psdu) >= 2 and fcs16(psdu) == 0
    return len(psdu) >= 4 and zlib.crc32(psdu[:-4]) == int.from_bytes(psdu[-4:], "little")
