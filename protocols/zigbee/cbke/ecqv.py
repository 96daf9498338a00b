"""ECQV implicit certificates (SEC 4; cbke.md 4): public-key reconstruction, and issuing for a test CA.

Reconstruction is what every receiver of a certificate does: Q = e*P + Q_CA, where P is the
certificate's reconstruction point and e the AES-MMO digest of the whole certificate read
big-endian (128 bits, so no reduction). Nothing is signed: a forged certificate reconstructs a key
nobody holds, and the exchange fails at key confirmation.

Issuing is for our own test CA (`commshub ca`, and devices that make their credentials on first
start): the one-party form (the CA picks the device key too) in `CertificateAuthority.issue`, and
the two-party form of SEC 4 3.4-3.5 (`issue_for_request` + `complete_private_key`) for a device
that keeps its secret. A fresh random k per certificate: two certificates sharing k give d_CA away.
The CA and its trust anchor are values: the file that stores the CA key belongs to `tools`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field

from protocols.zigbee.cbke.certificate import (
    Certificate,
    Suite1Certificate,
    Suite2Certificate,
    build_certificate,
    parse_certificate,
)
from protocols.zigbee.cbke.curve import AffinePoint
from protocols.zigbee.cbke.errors import CbkeDecodeError, CbkeEncodeError, CertificateError
from protocols.zigbee.cbke.mmo import aes_mmo_hash
from protocols.zigbee.cbke.suites import SUITE_PARAMETERS, CryptoSuite, RandomBytes, random_scalar, suite_parameters

PROTOCOL = "zigbee.cbke.ecqv"
#: Issuer ID of commshub's test CA: distinct from the Certicom test CAs ("TESTSECA" and
#: 1112131415161718), whose private keys nobody has (cbke.md 4, 9.13).
DEFAULT_ISSUER = b"CMHUBTCA"


def _checked(table: Mapping[str, object], required: tuple[str, ...]) -> tuple[Mapping[str, object], CryptoSuite]:
    """`table` if it has the `required` keys and a suite we implement; `ValueError` otherwise."""
    missing = [key for key in required if key not in table]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    return table, suite_parameters(int(str(table["suite"]))).suite


def certificate_digest(certificate: bytes) -> int:
    """e = AES-MMO of the whole encoded certificate, as a big-endian integer (cbke.md 4, 9.4)."""
    return int.from_bytes(aes_mmo_hash(certificate), "big")


@dataclass(frozen=True, slots=True)
class ImplicitPublicKey:
    """A certificate owner's public key e*P + Q_CA, kept as its parts (cbke.md 4).

    Why not just the point: ECMQV can fold the parts into its own multi-scalar sum (one
    Frobenius chain for everything), which saves a separate scalar multiplication chain and two
    inversions per side of an exchange. `point()` gives the key itself.
    """

    suite: CryptoSuite
    reconstruction: AffinePoint
    digest: int
    ca_public_key: AffinePoint

    def point(self) -> AffinePoint:
        """e*P + Q_CA; `CertificateError` if it is the point at infinity."""
        curve = SUITE_PARAMETERS[self.suite].curve
        public_key = curve.add(curve.multiply(self.digest, self.reconstruction), self.ca_public_key)
        if public_key is None:
            raise CertificateError(PROTOCOL, 0, "public_reconstruction_key", "the reconstructed key is at infinity")
        return public_key


def implicit_public_key(certificate: bytes, suite: CryptoSuite, ca_public_key: AffinePoint) -> ImplicitPublicKey:
    """The parts of the certificate owner's key: P decompressed, e = digest of the certificate.

    `CertificateError` when P is not a point; a wrong length is `CbkeDecodeError` (from the parse).
    """
    parsed = parse_certificate(certificate, suite)
    curve = SUITE_PARAMETERS[suite].curve
    offset = 0 if suite == CryptoSuite.SUITE_1 else 37
    try:
        point = curve.decompress(parsed.public_reconstruction_key, protocol=PROTOCOL, base=offset)
    except CbkeDecodeError as exc:
        raise CertificateError(exc.protocol, exc.offset, "public_reconstruction_key", exc.reason) from None
    return ImplicitPublicKey(suite, point, certificate_digest(certificate), ca_public_key)


def reconstruct_public_key(certificate: bytes, suite: CryptoSuite, ca_public_key: AffinePoint) -> AffinePoint:
    """The certificate owner's public key e*P + Q_CA (errors as `implicit_public_key` and `point`)."""
    return implicit_public_key(certificate, suite, ca_public_key).point()


def public_key_of(private_key: int, suite: CryptoSuite) -> AffinePoint:
    """d*G on the suite's curve (d reduced mod n first, as cbke.md 9.8 asks); `ValueError` if d = 0 mod n."""
    curve = SUITE_PARAMETERS[suite].curve
    point = curve.multiply_generator(private_key % curve.order)
    if point is None:
        raise ValueError("a private key must not be a multiple of the group order")
    return point


@dataclass(frozen=True, slots=True)
class TrustAnchor:
    """A CA we accept certificates from: its issuer ID and public key (decompressed once)."""

    suite: CryptoSuite
    issuer: bytes
    public_key: AffinePoint

    @classmethod
    def from_bytes(cls, suite: CryptoSuite, issuer: bytes, public_key: bytes) -> TrustAnchor:
        """From the compressed CA key (`CbkeDecodeError` if it is not a point)."""
        return cls(suite, issuer, SUITE_PARAMETERS[suite].curve.decompress(public_key, protocol=PROTOCOL))

    @property
    def public_key_bytes(self) -> bytes:
        return SUITE_PARAMETERS[self.suite].curve.compress(self.public_key)


@dataclass(frozen=True, slots=True)
class DeviceCredentials:
    """What one side of CBKE holds for one suite: its certificate, its private key, and the CAs
    whose certificates it accepts (`trust_anchors`, usually just its own issuer)."""

    suite: CryptoSuite
    certificate: bytes
    private_key: int
    trust_anchors: tuple[TrustAnchor, ...]
    parsed: Certificate = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parsed", parse_certificate(self.certificate, self.suite))

    @property
    def subject(self) -> int:
        """The EUI-64 the certificate names."""
        return self.parsed.subject

    def anchor(self, issuer: bytes) -> TrustAnchor | None:
        return next((anchor for anchor in self.trust_anchors if anchor.issuer == issuer), None)

    def verify(self) -> bool:
        """Whether d*G equals the key reconstructed from the certificate (the key pair matches)."""
        issuer = self.anchor(self.parsed.issuer)
        if issuer is None:
            return False
        return public_key_of(self.private_key, self.suite) == reconstruct_public_key(
            self.certificate, self.suite, issuer.public_key
        )

    def to_toml(self) -> str:
        """A TOML table a device profile can hold (hex strings; the private key included)."""
        anchor = self.anchor(self.parsed.issuer)
        scalar_length = SUITE_PARAMETERS[self.suite].scalar_length
        lines = [
            f"suite = {int(self.suite)}",
            f'subject = "{self.subject:016x}"',
            f'certificate = "{self.certificate.hex()}"',
            f'private_key = "{self.private_key.to_bytes(scalar_length, "big").hex()}"',
        ]
        if anchor is not None:
            lines += [f'issuer = "{anchor.issuer.hex()}"', f'ca_public_key = "{anchor.public_key_bytes.hex()}"']
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str) -> DeviceCredentials:
        """The inverse of `to_toml`; `ValueError` (or `CbkeDecodeError`) on a malformed table."""
        return cls.from_mapping(tomllib.loads(text))

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> DeviceCredentials:
        """From a table already read (e.g. `[cbke.suite2]` of a device profile), as `from_toml`."""
        table, suite = _checked(values, ("suite", "certificate", "private_key"))
        anchors: tuple[TrustAnchor, ...] = ()
        if "ca_public_key" in table:
            issuer, ca_key = bytes.fromhex(str(table.get("issuer", ""))), bytes.fromhex(str(table["ca_public_key"]))
            anchors = (TrustAnchor.from_bytes(suite, issuer, ca_key),)
        return cls(suite, bytes.fromhex(str(table["certificate"])), int(str(table["private_key"]), 16), anchors)


@dataclass(frozen=True, slots=True)
class CertificateAuthority:
    """A test CA for one suite: issuer ID and private key d_CA (the public key is derived once)."""

    suite: CryptoSuite
    issuer: bytes
    private_key: int
    public_key: AffinePoint = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.issuer) != 8:
            raise CbkeEncodeError(PROTOCOL, "issuer", f"an issuer ID is 8 octets, got {len(self.issuer)}")
        object.__setattr__(self, "public_key", public_key_of(self.private_key, self.suite))

    @classmethod
    def generate(cls, suite: CryptoSuite, rng: RandomBytes, *, issuer: bytes = DEFAULT_ISSUER) -> CertificateAuthority:
        return cls(suite, issuer, random_scalar(rng, SUITE_PARAMETERS[suite].curve.order))

    @property
    def trust_anchor(self) -> TrustAnchor:
        return TrustAnchor(self.suite, self.issuer, self.public_key)

    def issue(self, subject: int, rng: RandomBytes, *, valid_from: int = 0) -> DeviceCredentials:
        """Certificate and private key for `subject` (one-party ECQV: d = e*x + d_CA mod n)."""
        curve = SUITE_PARAMETERS[self.suite].curve
        while True:
            secret = random_scalar(rng, curve.order)
            request = curve.multiply_generator(secret)
            certificate, contribution = self.issue_for_request(request, subject, rng, valid_from=valid_from)
            private_key = (certificate_digest(certificate) * secret + contribution) % curve.order
            if private_key:
                return DeviceCredentials(self.suite, certificate, private_key, (self.trust_anchor,))

    def issue_for_request(
        self, request: AffinePoint | None, subject: int, rng: RandomBytes, *, valid_from: int = 0
    ) -> tuple[bytes, int]:
        """Two-party ECQV, CA side (SEC 4 3.4): certificate with P = R_U + k*G, and r = e*k + d_CA mod n."""
        curve = SUITE_PARAMETERS[self.suite].curve
        while True:
            nonce = random_scalar(rng, curve.order)
            reconstruction = curve.add(request, curve.multiply_generator(nonce))
            if reconstruction is not None:
                break
        certificate = build_certificate(
            self._certificate(subject, curve.compress(reconstruction), rng, valid_from=valid_from)
        )
        return certificate, (certificate_digest(certificate) * nonce + self.private_key) % curve.order

    def _certificate(self, subject: int, reconstruction: bytes, rng: RandomBytes, *, valid_from: int) -> Certificate:
        if self.suite == CryptoSuite.SUITE_1:
            return Suite1Certificate(reconstruction, subject, self.issuer)
        return Suite2Certificate(
            serial_number=rng(8),
            issuer=self.issuer,
            valid_from=valid_from,
            subject=subject,
            public_reconstruction_key=reconstruction,
        )

    def to_toml(self) -> str:
        """The CA key file's content (hex strings; keep it private)."""
        scalar_length = SUITE_PARAMETERS[self.suite].scalar_length
        public_key = SUITE_PARAMETERS[self.suite].curve.compress(self.public_key)
        return (
            f"suite = {int(self.suite)}\n"
            f'issuer = "{self.issuer.hex()}"\n'
            f'private_key = "{self.private_key.to_bytes(scalar_length, "big").hex()}"\n'
            f'public_key = "{public_key.hex()}"\n'
        )

    @classmethod
    def from_toml(cls, text: str) -> CertificateAuthority:
        """The inverse of `to_toml`; `ValueError` when the stored public key does not match."""
        table, suite = _checked(tomllib.loads(text), ("suite", "issuer", "private_key"))
        authority = cls(suite, bytes.fromhex(str(table["issuer"])), int(str(table["private_key"]), 16))
        if "public_key" in table and authority.trust_anchor.public_key_bytes.hex() != str(table["public_key"]).lower():
            raise ValueError("the CA file's public key does not match its private key")
        return authority


def complete_private_key(
    secret: int, contribution: int, certificate: bytes, suite: CryptoSuite, ca_public_key: AffinePoint
) -> int:
    """Two-party ECQV, device side (SEC 4 3.5): d = e*k_U + r mod n, checked against the certificate.

    `CertificateError` when d*G differs from the reconstructed key (a CA answer that is not ours).
    """
    curve = SUITE_PARAMETERS[suite].curve
    private_key = (certificate_digest(certificate) * secret + contribution) % curve.order
    if not private_key or public_key_of(private_key, suite) != reconstruct_public_key(
        certificate, suite, ca_public_key
    ):
        raise CertificateError(PROTOCOL, 0, "certificate", "the private key does not match the certificate")
    return private_key
