"""The published CBKE vectors of cbke.md 8 reproduce: AES-MMO/HMAC, both Annex C exchanges
(reconstruction, key pairs, Z from both sides, MacKey, KeyData, MACU, MACV) and the 8.4 certificates."""

from __future__ import annotations

import pytest

from protocols.zigbee.cbke import (
    SUITE_PARAMETERS,
    CryptoSuite,
    aes_mmo_hash,
    certificate_digest,
    derive_keys,
    ecmqv,
    hmac_mmo,
    initiator_mac,
    public_key_of,
    reconstruct_public_key,
    responder_mac,
)
from protocols.zigbee.cbke.key_agreement import associate_value
from tests.protocols.zigbee.cbke.vectors import (
    CERTIFICATES,
    EXCHANGES,
    HMAC_VECTORS,
    MMO_VECTORS,
    SUITE_1_CERT_DIGESTS,
    SUITE_1_EXCHANGE,
    SUITE_1_Z_WITHOUT_COFACTOR,
    Exchange,
    unhex,
)


@pytest.mark.parametrize(("message", "digest"), MMO_VECTORS, ids=lambda value: str(len(value)))
def test_aes_mmo(message: bytes, digest: str) -> None:
    assert aes_mmo_hash(message).hex() == digest


@pytest.mark.parametrize(("key", "message", "mac"), HMAC_VECTORS)
def test_hmac_mmo(key: bytes, message: bytes, mac: str) -> None:
    assert hmac_mmo(key, message).hex() == mac


def _scalar(text: str) -> int:
    return int(text, 16)


@pytest.mark.parametrize("vector", EXCHANGES, ids=lambda vector: f"suite{vector.suite}")
def test_certificates_reconstruct_the_published_keys(vector: Exchange) -> None:
    suite = CryptoSuite(vector.suite)
    curve = SUITE_PARAMETERS[suite].curve
    ca = curve.decompress(unhex(vector.ca))
    for cert, private, public in (
        (vector.u_cert, vector.u_priv, vector.u_pub),
        (vector.v_cert, vector.v_priv, vector.v_pub),
    ):
        reconstructed = reconstruct_public_key(unhex(cert), suite, ca)
        assert curve.compress(reconstructed).hex() == public
        assert public_key_of(_scalar(private), suite) == reconstructed
    for private, public in ((vector.u_eph_priv, vector.u_eph_pub), (vector.v_eph_priv, vector.v_eph_pub)):
        assert curve.compress(public_key_of(_scalar(private), suite)).hex() == public


@pytest.mark.parametrize("vector", EXCHANGES, ids=lambda vector: f"suite{vector.suite}")
def test_both_sides_compute_the_published_z_keys_and_macs(vector: Exchange) -> None:
    suite = CryptoSuite(vector.suite)
    curve = SUITE_PARAMETERS[suite].curve
    u_static, v_static = (curve.decompress(unhex(key)) for key in (vector.u_pub, vector.v_pub))
    u_ephemeral, v_ephemeral = (curve.decompress(unhex(key)) for key in (vector.u_eph_pub, vector.v_eph_pub))
    z_u = ecmqv(
        curve,
        static_private=_scalar(vector.u_priv),
        ephemeral_private=_scalar(vector.u_eph_priv) % curve.order,
        ephemeral_public=u_ephemeral,
        partner_static=v_static,
        partner_ephemeral=v_ephemeral,
    )
    z_v = ecmqv(
        curve,
        static_private=_scalar(vector.v_priv),
        ephemeral_private=_scalar(vector.v_eph_priv) % curve.order,  # cbke.md 9.8: above n in suite 2
        ephemeral_public=v_ephemeral,
        partner_static=u_static,
        partner_ephemeral=u_ephemeral,
    )
    assert z_u.hex() == z_v.hex() == vector.z
    keys = derive_keys(z_u)
    assert (keys.mac_key.hex(), keys.key_data.hex()) == (vector.mac_key, vector.key_data)
    args = (keys.mac_key, vector.u_id, vector.v_id, unhex(vector.u_eph_pub), unhex(vector.v_eph_pub))
    assert initiator_mac(*args).hex() == vector.macu
    assert responder_mac(*args).hex() == vector.macv


def test_suite_1_intermediate_values() -> None:
    """cbke.md 8.2: the certificate digests, and the Z that forgetting the cofactor gives."""
    vector = SUITE_1_EXCHANGE
    digests = tuple(f"{certificate_digest(unhex(cert)):032x}" for cert in (vector.u_cert, vector.v_cert))
    assert digests == SUITE_1_CERT_DIGESTS
    curve = SUITE_PARAMETERS[CryptoSuite.SUITE_1].curve
    u_ephemeral = curve.decompress(unhex(vector.u_eph_pub))
    v_ephemeral = curve.decompress(unhex(vector.v_eph_pub))
    implicit = (_scalar(vector.u_eph_priv) + associate_value(curve, u_ephemeral) * _scalar(vector.u_priv)) % curve.order
    v_static = curve.decompress(unhex(vector.v_pub))
    shared = curve.multiply_sum([(implicit, v_ephemeral), (implicit * associate_value(curve, v_ephemeral), v_static)])
    assert shared is not None and curve.field.to_bytes(shared[0]).hex() == SUITE_1_Z_WITHOUT_COFACTOR


@pytest.mark.parametrize(("suite", "ca", "cert", "private", "public"), CERTIFICATES)
def test_more_certificates(suite: int, ca: str, cert: str, private: str, public: str | None) -> None:
    """cbke.md 8.4: e*P + Q_CA equals the listed key (where listed) and d*G."""
    crypto_suite = CryptoSuite(suite)
    curve = SUITE_PARAMETERS[crypto_suite].curve
    reconstructed = reconstruct_public_key(unhex(cert), crypto_suite, curve.decompress(unhex(ca)))
    assert public_key_of(_scalar(private), crypto_suite) == reconstructed
    if public is not None:
        assert curve.compress(reconstructed).hex() == public


@pytest.mark.parametrize(("suite", "ca", "cert", "private", "public"), CERTIFICATES)
def test_a_corrupted_certificate_reconstructs_another_key(
    suite: int, ca: str, cert: str, private: str, public: str | None
) -> None:
    """Like the ZBOSS negative variants (cbke.md 8.4): one changed octet, and d*G no longer matches."""
    crypto_suite = CryptoSuite(suite)
    curve = SUITE_PARAMETERS[crypto_suite].curve
    data = bytearray(unhex(cert))
    data[-12] ^= 0x40  # inside the issuer / profile data (suite 1) or the reconstruction point (suite 2)
    try:
        reconstructed = reconstruct_public_key(bytes(data), crypto_suite, curve.decompress(unhex(ca)))
    except ValueError:
        return  # the flipped point is not on the curve: refused, which is also a failure to match
    assert reconstructed != public_key_of(_scalar(private), crypto_suite)
