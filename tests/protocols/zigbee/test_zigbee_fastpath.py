"""The NWK/APS fast paths against the checked construct path, which is the reference.

The contract (nwk.py / aps.py docstrings): on any input the fast parse either returns exactly the
value the checked parse returns (same types too: enums, bools, tuples) or None, and None exactly
when the checked parse raises - every valid frame takes the fast path. The fast build returns the
checked build's bytes, or None; it never accepts a value the checked build refuses.
Frame-control spaces are walked exhaustively (NWK: all 65536 FCFs; APS: all 256 octets, every
extended-header octet; every security control octet); hypothesis does random bytes, bit flips,
truncations, extensions and values with out-of-range fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.zigbee import (
    ApsFrame,
    AuxHeader,
    KeyId,
    NwkFrame,
    NwkFrameType,
    SourceRoute,
    ZigbeeDecodeError,
    ZigbeeEncodeError,
    aps,
    nwk,
    secure_nwk,
)
from tests.protocols.zigbee.vectors import RADIO_MD_52, aps_frames, scapy_nwk_vectors
from tests.protocols.zigbee.vectors import SCAPY_VECTORS as APS_SCAPY_VECTORS

# Seeds to mutate: radio.md 5.2's NWK frame and scapy-built NWK/APS frames (the other test modules).
NWK_SEEDS = [RADIO_MD_52, *(bytes(pkt) for _, pkt in scapy_nwk_vectors())]  # type: ignore[call-overload]
APS_SEEDS = [bytes(pkt) for pkt in APS_SCAPY_VECTORS.values()]
# Bodies after the frame control: a source-route count of 2 and an aux control of 0x02 (all 0x02),
# and ones where counts, controls and addresses vary with position.
BODIES = [bytes([2] * 40), bytes(range(1, 41)), bytes(40), bytes([0xFF] * 40), bytes([0x29] * 40)]


def _typed(value: Any) -> Any:
    """`value` with the type of every field, recursively: `==` alone takes 0 for NwkFrameType.DATA."""
    if dataclasses.is_dataclass(value):
        names = [f.name for f in dataclasses.fields(value)]
        assert set(vars(value)) == set(names), "a fast-path value must hold exactly its fields"
        return type(value), tuple(_typed(getattr(value, name)) for name in names)
    if isinstance(value, tuple):
        return tuple, tuple(_typed(item) for item in value)
    return type(value), value


def _agree(
    parse_fast: Callable[[bytes], Any],
    parse_checked: Callable[[bytes], Any],
    build_fast: Callable[[Any], bytes | None],
    build_checked: Callable[[Any], bytes],
    data: bytes,
) -> None:
    fast = parse_fast(data)
    try:
        checked = parse_checked(data)
    except ZigbeeDecodeError as err:
        assert fast is None, f"fast path decoded what the checked path refuses ({err}): {fast}"
        return
    assert fast is not None, f"a valid frame fell back to the checked path: {data.hex()}"
    assert _typed(fast) == _typed(checked)
    assert build_fast(fast) == build_checked(checked) == data


def nwk_agree(data: bytes) -> None:
    _agree(
        nwk.parse_nwk_fast,
        nwk.parse_nwk_checked,
        lambda f: nwk.build_nwk_fast(f, f.aux, f.payload),
        nwk.build_nwk_checked,
        data,
    )


def aps_agree(data: bytes) -> None:
    _agree(aps.parse_aps_fast, aps.parse_aps_checked, aps.build_aps_fast, aps.build_aps_checked, data)


def test_nwk_every_frame_control_value() -> None:
    for fcf in range(1 << 16):
        nwk_agree(fcf.to_bytes(2, "little") + BODIES[fcf % len(BODIES)])


def test_nwk_layout_bits_with_every_body_and_truncation() -> None:
    for shape in range(1 << 7):  # frame type (2 bits) x multicast, security, source route, dst/src IEEE
        fcf = (shape & 3) | (shape >> 2) << 8 | 0x0048
        for body in BODIES:
            data = fcf.to_bytes(2, "little") + body
            for end in range(len(data) + 1):
                nwk_agree(data[:end])


def test_aps_every_frame_control_octet_with_every_body_and_truncation() -> None:
    for fcf in range(256):
        for body in BODIES:
            data = bytes([fcf]) + body[:24]
            for end in range(len(data) + 1):
                aps_agree(data[:end])


@pytest.mark.parametrize("fcf", [0x80, 0x82, 0xA0, 0xA2, 0x91, 0xB3])  # extended header (with ack, security)
def test_aps_every_extended_header_octet(fcf: int) -> None:
    for control in range(256):
        layout_len = aps.LAYOUTS[fcf].end
        data = bytes([fcf]) + bytes(range(1, layout_len)) + bytes([control]) + bytes([2] * 20)
        for end in range(len(data) + 1):
            aps_agree(data[:end])


def test_every_security_control_octet_in_nwk_and_aps() -> None:
    for control in range(256):
        tail = bytes([control]) + bytes(range(1, 20))
        for end in range(len(tail) + 1):
            nwk_agree(b"\x08\x02" + bytes(range(6)) + tail[:end])
            aps_agree(b"\x20\x01" + tail[:end])  # a secured command frame


@given(st.binary(max_size=64))
def test_random_bytes(data: bytes) -> None:
    nwk_agree(data)
    aps_agree(data)


@given(st.data())
def test_mutated_seeds(data: st.DataObject) -> None:
    for seeds, agree in ((NWK_SEEDS, nwk_agree), (APS_SEEDS, aps_agree)):
        mutated = bytearray(data.draw(st.sampled_from(seeds)))
        for position in data.draw(st.lists(st.integers(0, len(mutated) * 8 - 1), max_size=3)):
            mutated[position // 8] ^= 1 << (position % 8)
        mutated = mutated[: data.draw(st.integers(0, len(mutated)))] if data.draw(st.booleans()) else mutated
        agree(bytes(mutated) + data.draw(st.binary(max_size=4)))


def _build_agrees(build_fast: Callable[[Any], bytes | None], build_checked: Callable[[Any], bytes], value: Any) -> None:
    fast = build_fast(value)
    try:
        checked = build_checked(value)
    except ZigbeeEncodeError:
        assert fast is None, f"fast path built what the checked path refuses: {value}"
        return
    assert fast is None or fast == checked


# Values with fields in and out of range: the fast build must defer on everything the checked refuses.
wide8, wide16, wide64 = st.integers(-1, 0x100), st.integers(-1, 0x10000), st.integers(-1, 2**64)
small = st.integers(-1, 17) | st.booleans() | st.sampled_from([1.0, "1", None])


@st.composite
def odd_aux(draw: st.DrawFn) -> AuxHeader:
    key_id = draw(st.sampled_from(KeyId))
    return AuxHeader(
        key_id,
        draw(st.integers(-1, 2**32)),
        source=draw(st.none() | wide64),
        key_seq=draw(wide8) if key_id == KeyId.NETWORK else None,
        level=draw(small | st.just(8)),
        reserved=draw(small),
    )


odd_nwk = st.builds(
    NwkFrame,
    frame_type=st.sampled_from(NwkFrameType) | st.just(0),
    dst=wide16,
    src=wide16,
    seq=wide8,
    radius=wide8,
    discover_route=small,
    protocol_version=small,
    dst_ieee=st.none() | wide64,
    src_ieee=st.none() | wide64,
    multicast_control=st.none() | wide8,
    source_route=st.none() | st.builds(SourceRoute, relay_index=wide8, relays=st.lists(wide16, max_size=3).map(tuple)),
    end_device_initiator=small,
    reserved=small,
    payload=st.binary(max_size=8) | st.just(bytearray(b"x")),
)


@given(odd_nwk, st.none() | odd_aux())
def test_nwk_build_agrees_on_odd_values(frame: NwkFrame, aux: AuxHeader | None) -> None:
    frame = dataclasses.replace(frame, aux=aux)
    _build_agrees(lambda f: nwk.build_nwk_fast(f, f.aux, f.payload), nwk.build_nwk_checked, frame)


@given(aps_frames(), st.data())
def test_aps_build_agrees_on_odd_values(frame: ApsFrame, data: st.DataObject) -> None:
    # Bypass ApsFrame's constructor checks the way a caller's object.__setattr__ could: ranges only.
    for name in ("counter", "dst_endpoint", "group", "cluster", "profile", "src_endpoint", "ack_request", "ack_format"):
        if getattr(frame, name) is not None and data.draw(st.booleans()):
            object.__setattr__(frame, name, data.draw(small | wide16))
    if data.draw(st.booleans()):
        object.__setattr__(frame, "frame_type", data.draw(st.integers(-1, 5)))
    if frame.extended is not None and data.draw(st.booleans()):
        object.__setattr__(frame.extended, "reserved", data.draw(small | st.integers(60, 70)))
    _build_agrees(aps.build_aps_fast, aps.build_aps_checked, frame)


@given(
    st.builds(
        NwkFrame,
        frame_type=st.sampled_from(NwkFrameType),
        dst=st.integers(0, 0xFFFF),
        src=st.integers(0, 0xFFFF),
        seq=st.integers(0, 255),
        src_ieee=st.none() | st.integers(0, 2**64 - 1),
        payload=st.binary(max_size=30),
    )
)
def test_secure_nwk_same_bytes_without_the_fast_path(frame: NwkFrame) -> None:
    key, args = bytes(range(16)), dict(src_ieee=0x0011223344556677, frame_counter=9, key_seq=0)
    fast = secure_nwk(frame, key=key, **args)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nwk, "build_nwk_fast", lambda *_: None)
        assert secure_nwk(frame, key=key, **args) == fast
