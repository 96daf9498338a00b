"""Worked frames of the serial codecs, each with its source (never computed by the code under test)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from protocols.serial.errors import SerialDecodeError

T = TypeVar("T")

#: spinel.md 1 "Worked frames": (meaning, Spinel bytes, wire as OpenThread's encoder writes it).
HDLC_FRAMES = [
    ("GET PROTOCOL_VERSION, TID 1", "81 02 01", "7E 81 02 01 C5 B2 7E"),
    ("IS PROTOCOL_VERSION = 4.3", "81 06 01 04 03", "7E 81 06 01 04 03 DB 0A 7E"),
    ("IS LAST_STATUS = 112 (reset), TID 0", "80 06 00 70", "7E 80 06 00 70 EE 74 7E"),
    ("RESET type 2, as the OT host sends it", "80 01 02", "7E 80 01 02 EA F0 7E"),
    ("SET PHY_CHAN = 26, TID 6", "86 03 21 1A", "7E 86 03 21 1A 7D 5E F0 7E"),
    ("SET PHY_CHAN = 24, TID 8", "88 03 21 18", "7E 88 03 21 18 2E 7D 5D 7E"),
    ("SET PHY_CHAN = 17, TID 1", "81 03 21 11", "7E 81 03 21 7D 31 8C 19 7E"),
    ("tx-done NO_ACK (17), TID 5", "85 06 00 11 00 00", "7E 85 06 00 7D 31 00 00 7B 02 7E"),
]
#: spinel.md 1: pyspinel escapes only 7E/7D, and both decoders read it.
PYSPINEL_WIRE = ("81 03 21 11", "7E 81 03 21 11 8C 19 7E")

#: spinel.md 2 "Packed unsigned integer": (value, encoding).
PACKED_UINTS = [
    (0, "00"),
    (127, "7F"),
    (128, "80 01"),
    (1337, "B9 0A"),
    (0xB0, "B0 01"),
    (0x120B, "8B 24"),
    (0x1303, "83 26"),
    (0x3C00, "80 78"),
    (0x3FFF, "FF 7F"),
    (2_097_151, "FF FF 7F"),
    (16395, "8B 80 01"),  # spinel.md 3: otError ABORT in a status
]

#: spinel.md 4: a received frame the pyspinel sniffer accepted (TID 0, IS STREAM_RAW), and its fields.
RX_FRAME = (
    "80 06 71 10 00 41 88 2A CE FA FF FF 34 12 68 65 6C 6C 6F 6E 19 C4 80 00 00 0A 00 0F C8 40 42 0F 00 00 00 00 00"
    " 01 00 00 05 00 00 00 00 00 00"
)
RX_PSDU = "41 88 2A CE FA FF FF 34 12 68 65 6C 6C 6F 6E 19"
RX_META = {"rssi": -60, "noise_floor": -128, "channel": 15, "lqi": 200, "timestamp": 1_000_000}

#: spinel.md 4: a transmit request on channel 15, TID 5 (the two EUI-64s, left open there, are ours).
TX_DST = "0102030405060708"
TX_SRC = "1112131415161718"
TX_REQUEST = (
    "85 03 71 18 00 61 DC 05 CE FA" + TX_DST + TX_SRC + "78 00 00 0F 04 03 01 00 00 00 00000000 00000000 0F"
).replace(" ", "")

#: spinel.md 4: a tx-done carrying an Imm-Ack 02 00 2A (KERMIT FCS E0 3B); the 8-byte timestamp is ours.
TX_DONE_TS = "1122334455667788"
TX_DONE = (
    "86 06 00 00 00 00 05 00 02 00 2A E0 3B C6 80 00 00 0A 00 0F DC" + TX_DONE_TS + "01 00 00 05 00 00 00 00 00 00"
).replace(" ", "")

#: radio.md 6.1 "Examples": ASH frames as bellows writes them.
ASH_RESET = "1A C0 38 BC 7E"  # CANCEL + RST
ASH_ACK1 = "81 60 59 7E"  # ACK, ackNum 1
ASH_DATA_VERSION = "00 42 21 A8 50 ED 2C 7E"  # DATA 0/0 carrying EZSP version(4) = 00 00 00 04
#: radio.md 6.1: the first bytes of the randomisation sequence.
ASH_SEQUENCE = "42 21 A8 54 2A 15 B2 59"

#: radio.md 6.5: the TI sniffer's PING command (info 0x40, no payload, FCS 0x40).
TI_PING = "40 53 40 00 00 40 40 45"


def decodes_or_fails_cleanly(data: bytes, parse: Callable[[bytes], T], build: Callable[[T], bytes]) -> None:
    """Style guide "Properties": any bytes either decode to a value that rebuilds and re-decodes to itself,
    or raise the codec's SerialDecodeError with an offset inside the input."""
    try:
        value = parse(data)
    except SerialDecodeError as error:
        assert 0 <= error.offset <= len(data)
    else:
        assert parse(build(value)) == value
