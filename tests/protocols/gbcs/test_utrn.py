"""UTRN (gbcs.md 4.8) on the RTDS top-up commands (shared/gbcs/rtds/2.2_CS01a, 2.2_CS01b) and on fresh keys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from hal.keystore import load_keystore
from protocols.gbcs import GbcsDecodeError, KeyStore, KeyUsage, Verdict, parse, utrn


def _token(rtds_dir: Path, relative: str) -> tuple[str, bytes, bytes, int]:
    path = rtds_dir / relative
    if not path.is_file():
        pytest.skip(f"RTDS file {relative} not present")
    message = parse(bytes.fromhex(path.read_text().strip()))
    found = re.search(rb"[0-9]{20}", message.payload)  # octet-string(20) of ASCII digits (gbcs.md 4.8)
    assert found is not None
    return found.group().decode(), message.originator, message.recipient, message.originator_counter


@pytest.mark.parametrize(
    "relative",
    [
        "2.2_CS01a/CS01a_2.2_SUCCESS_COMMAND_GBCS.HEX",
        "2.2_CS01a/CS01a_2.2_ERROR_COMMAND_GBCS.HEX",
        "2.2_CS01b/CS01b_2.2_SUCCESS_COMMAND_GBCS.HEX",
    ],
)
def test_rtds_tokens_verify(rtds_dir: Path, keystore_dir: Path, relative: str) -> None:
    """gbcs.md 7 item 15: check digit and GMAC valid for the 3 valid tokens."""
    token, supplier, device, counter = _token(rtds_dir, relative)
    store = load_keystore(keystore_dir)
    assert utrn.verify(token, supplier=supplier, device=device, counter=counter, keystore=store) is Verdict.VALID
    assert utrn.decode(token).counter_bits == (counter >> 32) & 0x3FF
    assert (
        utrn.verify(token, supplier=supplier, device=device, counter=counter + (1 << 32), keystore=store)
        is Verdict.INVALID
    )
    assert utrn.verify(token, supplier=supplier, device=device, counter=counter, keystore=KeyStore()) is Verdict.NO_KEY


def test_rtds_error_token_fails(rtds_dir: Path, keystore_dir: Path) -> None:
    """gbcs.md 7 item 15: the CS01b error file's token is invalid."""
    token, supplier, device, counter = _token(rtds_dir, "2.2_CS01b/CS01b_2.2_ERROR_COMMAND_GBCS.HEX")
    with pytest.raises(GbcsDecodeError):
        utrn.decode(token)
    store = load_keystore(keystore_dir)
    assert utrn.verify(token, supplier=supplier, device=device, counter=counter, keystore=store) is Verdict.INVALID


def test_made_token_verifies_from_the_device_side() -> None:
    supplier, device = bytes.fromhex("90b3d51f30010000"), bytes.fromhex("00db1234567890a0")
    prepayment, device_ka = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    token = utrn.make(
        supplier=supplier,
        device=device,
        counter=7 << 32,
        value=2500,
        value_class=0,
        prepayment_key=prepayment,
        device_public_key=device_ka.public_key(),
    )
    assert len(token) == 20 and utrn.decode(token).value == 2500
    meter = KeyStore()  # what a meter holds: its own KA private key, the supplier's prepayment public key
    meter.add(device, KeyUsage.KA, device_ka)
    meter.add(supplier, KeyUsage.PP_KA, prepayment.public_key())
    assert utrn.verify(token, supplier=supplier, device=device, counter=7 << 32, keystore=meter) is Verdict.VALID
    wrong_digit = token[:5] + str((int(token[5]) + 1) % 10) + token[6:]
    with pytest.raises(GbcsDecodeError) as caught:
        utrn.decode(wrong_digit)
    assert caught.value.offset == 19
