"""Every ZigBee parser on hostile input: random bytes, truncations and bit flips of valid frames.

The contract (style.md, Properties): either the value rebuilds byte-exact, or a ZigbeeDecodeError
with 0 <= offset <= len(data) - never another exception, never a hang.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.zigbee import (
    ZigbeeDecodeError,
    build_aps,
    build_aps_command,
    build_beacon_payload,
    build_nwk,
    build_nwk_command,
    build_zdo,
    parse_aps,
    parse_aps_command,
    parse_beacon_payload,
    parse_nwk,
    parse_nwk_command,
    parse_zdo,
)

# Valid seeds to mutate: radio.md 5.2 NWK frame, its decrypted APS frame, a scapy-checked beacon
# payload (test_zigbee_beacon), and commands checked
# against scapy in test_zigbee_commands / ZDO frames checked against zigpy in test_zigbee_zdo.
SEEDS: dict[str, bytes] = {
    "nwk": bytes.fromhex("480200006f791e102823010000776655443322110000d5236129fa947374748e66c9ce56991928"),
    "aps": bytes.fromhex("4001020709010133002100000000"),
    "nwk_command": bytes.fromhex("0862010053020071"),
    "aps_command": bytes.fromhex("0501000102030405060708090a0b0c0d0e0f0001000000000000000200000000000000"),
    "beacon": bytes.fromhex("00228c7766554433221100ffffff03"),
    "zdo_0013": bytes.fromhex("016f7977665544332211008e"),
    "zdo_8004": bytes.fromhex("02006f791001090101050103000003000207010a00"),
    "zdo_8002": bytes.fromhex("0400000000408e34125240060000400600"),
    "zdo_8000": bytes.fromhex("050001000000000000000200020005000600"),
}


def _zdo(cluster: int) -> tuple[Callable[[bytes], Any], Callable[[Any], bytes]]:
    return (lambda data: parse_zdo(cluster, data)), build_zdo


CODECS: dict[str, tuple[Callable[[bytes], Any], Callable[[Any], bytes]]] = {
    "nwk": (parse_nwk, build_nwk),
    "aps": (parse_aps, build_aps),
    "nwk_command": (parse_nwk_command, build_nwk_command),
    "aps_command": (parse_aps_command, build_aps_command),
    "beacon": (parse_beacon_payload, build_beacon_payload),
    "zdo_0013": _zdo(0x0013),
    "zdo_8004": _zdo(0x8004),
    "zdo_8002": _zdo(0x8002),
    "zdo_8000": _zdo(0x8000),
}


def _check(name: str, data: bytes) -> None:
    parse, build = CODECS[name]
    try:
        value = parse(data)
    except ZigbeeDecodeError as err:
        assert 0 <= err.offset <= len(data), err
    else:
        assert build(value) == data


@pytest.mark.parametrize("name", list(CODECS))
@given(data=st.binary(max_size=64))
def test_random_bytes(name: str, data: bytes) -> None:
    _check(name, data)


@pytest.mark.parametrize("name", list(CODECS))
def test_every_truncation(name: str) -> None:
    seed = SEEDS[name]
    _check(name, seed)
    for end in range(len(seed)):
        _check(name, seed[:end])


@pytest.mark.parametrize("name", list(CODECS))
@given(data=st.data())
def test_bit_flips_and_extra_bytes(name: str, data: st.DataObject) -> None:
    mutated = bytearray(SEEDS[name])
    for position in data.draw(st.lists(st.integers(0, len(mutated) * 8 - 1), min_size=1, max_size=3)):
        mutated[position // 8] ^= 1 << (position % 8)
    _check(name, bytes(mutated) + data.draw(st.binary(max_size=3)))
