"""Vectors shared by the GBCS tests."""

from __future__ import annotations

# gbcs.md 3.6: the ECS52 command, byte for byte as the primer lists it.
ECS52 = bytes.fromhex(
    "DD 00 00 00 00 00 00 47 11 00 00 00 00"
    "DF 09 01 00 00 00 00 00 00 03 E8 08 90 B3 D5 1F 30 01 00 00 08 00 DB 12 34 56 78 90 A0 00"
    "02 00 59 13 D9 20 00 03 E8 00 01 01 00 01 00 00 00 02 01 FF 02 01 00 00"
    "A2 5A 51 A9 3B AF A5 C9 E2 B2 24 BD"
)
