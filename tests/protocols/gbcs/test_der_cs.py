"""protocols.gbcs.der and the typed CS payloads: RTDS round trips, worked encodings, fuzzing."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from protocols.gbcs import cs, der, parse
from protocols.gbcs.errors import GbcsDecodeError


def _asn1_payloads(rtds_dir: Path) -> list[tuple[str, int, int, bytes]]:
    found = []
    for path in sorted(rtds_dir.glob("*/*.HEX")):
        message = parse(bytes.fromhex(path.read_text()))
        if message.payload_tree is not None and message.payload_tree.family == "asn1":
            found.append((path.name, message.message_code, int(message.cra), message.payload))
    return found


def test_every_rtds_asn1_payload_round_trips_generic_and_typed(rtds_dir: Path) -> None:
    payloads = _asn1_payloads(rtds_dir)
    assert len(payloads) == 160  # gbcs.md 7 item 11: 160 ASN.1 payloads
    kinds = set()
    for name, code, cra, payload in payloads:
        assert der.build(der.parse(payload)) == payload, name
        value = cs.parse(code, cra, payload)
        kinds.add(type(value).__name__)
        assert cs.build(value) == payload, name
    assert len(kinds) >= 20


def test_worked_encodings() -> None:
    # X.690 8.3 integers, minimal two's complement; 8.19 the OID of ecdsa-with-SHA256 (RFC 5758 3.2).
    assert der.build(der.integer(0x8F66)) == bytes.fromhex("0203008f66")  # gbcs.md 5.4: alert codes
    assert der.build(der.integer(-129)) == bytes.fromhex("0202ff7f")
    assert der.build(der.integer(127)) == bytes.fromhex("02017f")
    assert der.build(der.object_identifier("1.2.840.10045.4.3.2")) == bytes.fromhex("06082a8648ce3d040302")
    when = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert der.build(der.generalized_time(when)) == b"\x18\x0f99991231235959Z"
    # A built payload writes long-form lengths in two bytes, as GBCS devices do.
    details = cs.JoinDetails(0, tuple(cs.JoinedDevice(bytes([i] * 8), 1) for i in range(10)))
    built = cs.build(details)
    assert built[:4] == bytes.fromhex("3082009d") and built[7:11] == bytes.fromhex("30820096")


@pytest.mark.parametrize(
    "data, field",
    [
        (bytes.fromhex("02020001"), "der.integer"),  # non-minimal INTEGER
        (bytes.fromhex("3080"), "der.length"),  # indefinite length
        (bytes.fromhex("300302"), "der.contents"),  # runs past the end
        (bytes.fromhex("0200"), "der.integer"),  # empty INTEGER
        (bytes.fromhex("1f"), "der.tag"),  # truncated high tag
    ],
)
def test_refused_encodings_name_the_field(data: bytes, field: str) -> None:
    with pytest.raises(GbcsDecodeError) as caught:
        der.parse(data)
    assert caught.value.field == field


def test_typed_values_refuse_wrong_shapes_with_offsets() -> None:
    with pytest.raises(GbcsDecodeError) as caught:
        cs.parse(0x000D, 1, bytes.fromhex("3006020100020101"), base=40)  # CS03 without the other device's id
    assert caught.value.offset == 40
    with pytest.raises(GbcsDecodeError):
        cs.parse(0x9999, 1, bytes.fromhex("0500"))


def test_fuzzed_der_never_raises_anything_but_decode_errors(rtds_dir: Path) -> None:
    rng = random.Random(2024)
    payloads = _asn1_payloads(rtds_dir)
    for _ in range(3000):
        _, code, cra, payload = rng.choice(payloads)
        data = bytearray(payload)
        for _ in range(rng.randint(1, 4)):
            if not data:
                break
            action = rng.randrange(3)
            at = rng.randrange(len(data))
            if action == 0:
                data[at] = rng.randrange(256)
            elif action == 1:
                del data[at:]
            else:
                data.insert(at, rng.randrange(256))
        try:
            value = cs.parse(code, cra, bytes(data))
        except GbcsDecodeError:
            continue
        assert cs.parse(code, cra, cs.build(value)) == value
