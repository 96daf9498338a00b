"""The check sequences of the serial framings, all through crcmod (one place for each polynomial).

* HDLC-lite (spinel.md 1): CRC-16/X.25 (RFC 1662 FCS-16): poly 0x1021 reflected,
  init 0xFFFF, xorout 0xFFFF, appended low byte first; check("123456789") = 0x906E.
* ASH (UG101, radio.md 6.1): CRC-16/CCITT-FALSE: poly 0x1021 not reflected,
  init 0xFFFF, no xorout, appended high byte first; check("123456789") = 0x29B1.
* TI Packet Sniffer 2 (radio.md 6.5): the low byte of the sum of the checked bytes.
"""

from __future__ import annotations

import crcmod.predefined

#: CRC-16/X.25 over `data`: the HDLC-lite FCS.
x25 = crcmod.predefined.mkCrcFun("x-25")

#: CRC-16/CCITT-FALSE over `data`: the ASH CRC.
ccitt_false = crcmod.predefined.mkCrcFun("crc-ccitt-false")


def sum8(data: bytes) -> int:
    """The low byte of the sum of `data` (the TI sniffer protocol's FCS)."""
    return sum(data) & 0xFF
