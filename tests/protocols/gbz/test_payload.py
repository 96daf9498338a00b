"""GBZ framing (protocols.gbz.payload): RTDS round trips, the gbcs.md 5.3 example, bad input."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.gbcs import crypto
from protocols.gbz import (
    BODY_LAYOUT_ALERTS,
    Cipher,
    Component,
    GbzAlert,
    GbzDecodeError,
    GbzEncodeError,
    GbzPayload,
    ZclFrame,
    build,
    build_alert,
    opened,
    parse,
    parse_alert,
)
from tests.protocols.gbz.vectors import CS11_CLEAR_EVENT_LOG, gbz_messages


def test_worked_example_parses_to_its_fields() -> None:
    payload = parse(bytes.fromhex(CS11_CLEAR_EVENT_LOG))
    assert payload == GbzPayload((Component(0x0709, ZclFrame(0x01, 0, 0x01, b"\x03")),))
    assert build(payload).hex() == CS11_CLEAR_EVENT_LOG


def test_every_rtds_gbz_payload_round_trips(rtds_dir: Path, keystore_dir: Path) -> None:
    messages = gbz_messages(rtds_dir, keystore_dir)
    assert len(messages) == 216  # gbcs.md 5.3: 216 GBZ files in the corpus
    opened_blocks = 0
    for item in messages:
        data = item.message.payload
        if item.message.cra == 3:
            alert = parse_alert(data, body_layout=item.message.message_code in BODY_LAYOUT_ALERTS, cipher=item.cipher)
            assert build_alert(alert, cipher=item.cipher) == data, item.name
            continue
        payload = parse(data, cipher=item.cipher)
        assert build(payload, cipher=item.cipher) == data, item.name
        sealed = parse(data)  # without keys: the blocks are kept and rebuilt as they came
        assert build(sealed) == data, item.name
        if item.cipher is not None:
            assert opened(sealed, item.cipher) == payload
        opened_blocks += sum(c.encrypted for c in payload.components)
    assert opened_blocks == 19  # gbcs.md 4.4: 19 GBZ encrypted blocks in RTDS, all decrypt


def test_encrypted_component_seals_and_opens() -> None:
    cipher = Cipher(bytes(range(16)), bytes.fromhex("00db1234567890a1"))
    frame = ZclFrame(0x18, 0, 0x01, bytes.fromhex("00070025050000000000"))  # CurrentSummationDelivered = 5
    payload = GbzPayload((Component(0x0702, frame, encrypted=True),))
    data = build(payload, cipher=cipher)
    block = data[3 + 5 + 2 + 3 + 2 :]
    assert block[:5] == bytes.fromhex("3100000000")  # gbcs.md 4.4 block header
    assert crypto.decrypt_block(cipher.key, cipher.originator, block) == frame.payload
    assert parse(data, cipher=cipher) == payload
    wrong = Cipher(bytes(16), cipher.originator)
    with pytest.raises(GbzDecodeError) as caught:
        parse(data, cipher=wrong)
    assert caught.value.field == "component 0 block"


def test_alert_with_body_and_with_no_components() -> None:
    # gbcs.md 5.5: 0x00CD body = 0E, message code 006C, counter 1001, cluster 0705, frame control 01, command 06
    alert = GbzAlert(0x8F66, 948013200, body=bytes.fromhex("0e006c00000000000003e907050106"))
    data = build_alert(alert)
    assert data[:9].hex() == "0109018f6638818890"  # 2030-01-15T09:00:00Z
    assert parse_alert(data, body_layout=True) == replace(alert, count=1)
    generic = GbzAlert(0x8F30, 473385600)
    assert build_alert(generic).hex() == "0109008f301c374a80"  # gbcs.md 5.5: GBZ count byte 00
    assert parse_alert(build_alert(generic)) == generic


@pytest.mark.parametrize(
    ("hex_data", "field"),
    [
        ("0108", "profile id"),
        ("010902010709000401000103", "component 0 control"),  # last bit on the first of two
        ("010901000709000401000103", "component 0 control"),  # last bit missing
        ("010901010709000901000103", "component length"),
        ("010901010709000401000103ff", "gbz"),
        ("01090103070200050000180001", "ciphered information length"),
    ],
)
def test_malformed_payloads_name_the_field(hex_data: str, field: str) -> None:
    with pytest.raises(GbzDecodeError) as caught:
        parse(bytes.fromhex(hex_data))
    assert caught.value.field == field
    assert 0 <= caught.value.offset <= len(bytes.fromhex(hex_data))


def test_build_refuses_what_cannot_be_encoded() -> None:
    frame = ZclFrame(0x01, 0, 0x01, b"\x03")
    with pytest.raises(GbzEncodeError):
        build(GbzPayload((Component(0x0709, frame, encrypted=True),)))  # no cipher to seal with
    with pytest.raises(GbzEncodeError):
        build(GbzPayload((Component(0x10000, frame),)))
    with pytest.raises(GbzEncodeError):
        build(GbzPayload((Component(0x0709, frame, reserved_bits=0x02),)))
    with pytest.raises(GbzEncodeError):
        build(GbzPayload((Component(0x0709, replace(frame, sequence=256)),)))


@given(st.binary(max_size=80))
def test_any_bytes_parse_or_fail_cleanly(data: bytes) -> None:
    for candidate in (data, b"\x01\x09" + data):
        try:
            payload = parse(candidate)
        except GbzDecodeError as exc:
            assert 0 <= exc.offset <= len(candidate)
        else:
            assert build(payload) == candidate


@given(st.binary(min_size=1, max_size=60), st.integers(0, 200))
def test_mutated_rtds_like_payload_parses_or_fails_cleanly(tail: bytes, cut: int) -> None:
    data = bytes.fromhex(CS11_CLEAR_EVENT_LOG)[: cut % 14] + tail
    try:
        alert = parse_alert(data)
    except GbzDecodeError as exc:
        assert 0 <= exc.offset <= len(data)
    else:
        assert build_alert(alert) == data


_frames = st.builds(
    lambda fc, seq, cmd, payload, manufacturer: ZclFrame(fc, seq, cmd, payload, manufacturer if fc & 0x04 else None),
    st.integers(0, 0xFF),
    st.integers(0, 0xFF),
    st.integers(0, 0xFF),
    st.binary(max_size=30),
    st.integers(0, 0xFFFF),
)
_values = st.builds(
    lambda cluster, frame, fdt, encrypted, reserved: Component(
        cluster, frame, fdt, encrypted, 0, 0, None, reserved & ~0x13 & 0xFF
    ),
    st.integers(0, 0xFFFF),
    _frames,
    st.one_of(st.none(), st.integers(0, 0xFFFFFFFF)),
    st.booleans(),
    st.integers(0, 0xFF),
)


@given(st.lists(_values, max_size=5))
def test_any_payload_value_builds_and_parses_back(components: list[Component]) -> None:
    cipher = Cipher(bytes(range(16)), bytes.fromhex("00db1234567890a1"))
    numbered, counter = [], 0
    for component in components:  # encrypted components are numbered 0, 1, 2 ... (gbcs.md 5.3)
        numbered.append(replace(component, frame_counter=counter) if component.encrypted else component)
        counter += component.encrypted
    payload = GbzPayload(tuple(numbered))
    assert parse(build(payload, cipher=cipher), cipher=cipher) == payload
