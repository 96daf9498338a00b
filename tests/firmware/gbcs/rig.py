"""A GENERATED-mode device behind a GbcsEndpoint, its test PKI and a head-end, shared by these tests."""

from __future__ import annotations

from firmware.devices.ppmid import PPMID_EUI, Ppmid, ppmid
from firmware.gbcs.headend import command
from firmware.gbcs.pki import TestPki
from hal.nvm import NvmStore
from protocols.gbcs import KeyStore

SUPPLIER_EUI = bytes.fromhex("90b3d51f30010000")
NETWORK_OPERATOR_EUI = bytes.fromhex("90b3d51f30020000")
ACB_EUI = bytes.fromhex("90b3d51f30000002")
GSME_EUI = bytes.fromhex("00db1234567890a1")
UTC0 = 1_700_000_000.0  #: 2023-11-14T22:13:20Z
CS08, CS07 = 0x0129, 0x0013


def start_ppmid(store: NvmStore) -> tuple[TestPki, Ppmid]:
    """The test PKI and a PPMID on `store` (a restart when the store already holds their state)."""
    pki = TestPki(store.partition("pki"))
    device = ppmid(store.partition("device/ppmid"), pki.keystore(), pki.parties, authority=pki)
    return pki, device


def read_firmware_version(headend: KeyStore, counter: int, *, originator: bytes = ACB_EUI) -> bytes:
    """CS08 (non-critical, MACed by the ACB), as RTDS sends it to a PPMID."""
    return command(
        headend,
        originator=originator,
        recipient=PPMID_EUI,
        counter=counter,
        message_code=CS08,
        payload=bytes.fromhex("0500"),
        sign=False,
    )
