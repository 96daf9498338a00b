"""GBCS certificates: issue them shaped like the RTDS ones, and read the identity out of them.

Why shaped like RTDS: a head-end or decoder that understands the reference key store
(gbcs.md 1) must understand ours. Read with `cryptography.x509`, an RTDS certificate is:

- remote party: subject `CN` (suppliers only), `OU` = the role as two digits (gbcs.md 2.1),
  `x500UniqueIdentifier` = BIT STRING `00 ‖ EUI`; issuer `CN=Z1, OU=07` (the issuing
  authority); critical KeyUsage (digitalSignature or keyAgreement); an 8-byte subject key
  identifier; authority key identifier; critical certificate policy; ten-year validity.
- device: empty subject; issuer `CN=E357`; critical subjectAltName holding one otherName
  hardwareModuleName (RFC 4108) whose serial number is the EUI; validity to 9999-12-31.

Certificates are written field by field as DER with `protocols.gbcs.der` (RFC 5280 4.1),
because `cryptography`'s builder cannot write a BIT STRING name value through its public
API. Key identifiers follow RFC 5280 4.2.1.2 method (2), `0100` then the low 60 bits of
SHA-1 of the public key - the rule every RTDS certificate follows, so CS02a can report the
identifier of any trust anchor from its public key alone. Dates are fixed: firmware reads
no clock for certificates.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from protocols.gbcs import der
from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.keystore import KeyUsage

#: Certificate policies of RTDS remote-party and device certificates (read from the reference key store).
REMOTE_PARTY_POLICY = "1.2.826.0.1.8641679.1.2.1.4"
DEVICE_POLICY = "1.2.826.0.1.1800000.1.2.1.4"
#: hardwareModuleName (RFC 4108) and the hardware type RTDS device certificates name.
_HARDWARE_MODULE_NAME = "1.3.6.1.5.5.7.8.4"
_HARDWARE_TYPE = "1.2.826.0.1.8641679.1.2.2.1"
ISSUING_AUTHORITY_ROLE = 7
_NOT_BEFORE = datetime(2015, 1, 1, tzinfo=UTC)
_REMOTE_NOT_AFTER = datetime(2114, 12, 31, 23, 59, 59, tzinfo=UTC)
_DEVICE_NOT_AFTER = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
_ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"
_COMMON_NAME, _ORGANIZATIONAL_UNIT, _UNIQUE_IDENTIFIER = "2.5.4.3", "2.5.4.11", "2.5.4.45"
_KEY_USAGE, _KEY_ID, _AUTHORITY_KEY_ID = "2.5.29.15", "2.5.29.14", "2.5.29.35"
_POLICIES, _SUBJECT_ALT_NAME, _BASIC_CONSTRAINTS = "2.5.29.32", "2.5.29.17", "2.5.29.19"
_UTF8, _UTC_TIME, _SET = 0x0C, 0x17, 0x31
_TRUE = der.Element(der.BOOLEAN, b"\xff")
#: KeyUsage bits (RFC 5280 4.2.1.3) as the BIT STRINGs RTDS certificates carry; None: a CA's keyCertSign.
_USAGE_BITS = {KeyUsage.DS: (7, b"\x80"), KeyUsage.KA: (3, b"\x08"), KeyUsage.PP_KA: (3, b"\x08"), None: (2, b"\x04")}


def key_identifier(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """RFC 5280 4.2.1.2 method (2): `0100` then the least significant 60 bits of SHA-1 of the key."""
    point = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    digest = int.from_bytes(hashlib.sha1(point).digest()[-8:], "big")  # RFC 5280's identifier, not a security use
    return ((0x4 << 60) | (digest & ((1 << 60) - 1))).to_bytes(8, "big")


def public_key_bytes(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """DER SubjectPublicKeyInfo: how a public key is kept in NVM."""
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(data: bytes) -> ec.EllipticCurvePublicKey:
    key = serialization.load_der_public_key(data)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("not an elliptic-curve public key")
    return key


def private_key_bytes(private_key: ec.EllipticCurvePrivateKey) -> bytes:
    """PKCS#8 DER: how a generated private key is kept in NVM."""
    return private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def private_key_pem(private_key: ec.EllipticCurvePrivateKey) -> bytes:
    """PKCS#8 PEM: a `.key` file of a key store folder (gbcs.md 1)."""
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_key(data: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_der_private_key(data, None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("not an elliptic-curve private key")
    return key


def _name(*attributes: tuple[str, der.Element]) -> der.Element:
    """An X.501 Name: one single-attribute RDN per (OID, value), in order."""
    return der.sequence(
        *(der.sequence(der.sequence(der.object_identifier(oid), value), tag=_SET) for oid, value in attributes)
    )


def _text(value: str) -> der.Element:
    return der.Element(_UTF8, value.encode("utf-8"))


def _time(when: datetime) -> der.Element:
    """UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5)."""
    if when.year < 2050:
        return der.Element(_UTC_TIME, when.strftime("%y%m%d%H%M%SZ").encode("ascii"))
    return der.generalized_time(when)


def _extension(oid: str, value: der.Element, critical: bool) -> der.Element:
    flag = (_TRUE,) if critical else ()
    return der.sequence(der.object_identifier(oid), *flag, der.octets(der.build(value)))


def _usage(usage: KeyUsage | None) -> der.Element:
    return _extension(_KEY_USAGE, der.bit_string(*_USAGE_BITS[usage]), True)


def _policy(oid: str) -> der.Element:
    return _extension(_POLICIES, der.sequence(der.sequence(der.object_identifier(oid))), True)


@dataclass(frozen=True, slots=True)
class Issuer:
    """A certificate authority named like the RTDS issuing authority (`CN=<name>, OU=07`) and its key."""

    common_name: str
    key: ec.EllipticCurvePrivateKey

    @property
    def name(self) -> der.Element:
        role = f"{ISSUING_AUTHORITY_ROLE:02d}"
        return _name((_COMMON_NAME, _text(self.common_name)), (_ORGANIZATIONAL_UNIT, _text(role)))

    @property
    def key_identifier(self) -> bytes:
        return key_identifier(self.key.public_key())

    def _sign(
        self, subject: der.Element, public_key: ec.EllipticCurvePublicKey, not_after: datetime, *extensions: der.Element
    ) -> bytes:
        spki = public_key_bytes(public_key)
        serial = int.from_bytes(hashlib.sha256(spki + der.build(subject)).digest()[:16], "big") >> 1
        algorithm = der.sequence(der.object_identifier(_ECDSA_WITH_SHA256))
        identifiers = (
            _extension(_KEY_ID, der.octets(key_identifier(public_key)), False),
            _extension(_AUTHORITY_KEY_ID, der.sequence(der.octets(self.key_identifier, 0x80)), False),
        )
        tbs = der.sequence(
            der.sequence(der.integer(2), tag=0xA0),
            der.integer(serial or 1),
            algorithm,
            self.name,
            der.sequence(_time(_NOT_BEFORE), _time(not_after)),
            subject,
            der.parse_one(spki),
            der.sequence(der.sequence(*identifiers, *extensions), tag=0xA3),
        )
        signature = self.key.sign(der.build(tbs), ec.ECDSA(hashes.SHA256()))
        return der.build(der.sequence(tbs, algorithm, der.bit_string(0, signature)))

    def certificate(self) -> bytes:
        """The issuer's own self-signed certificate (DER): the certification path of CS02b commands."""
        constraints = _extension(_BASIC_CONSTRAINTS, der.sequence(_TRUE), True)
        return self._sign(self.name, self.key.public_key(), _REMOTE_NOT_AFTER, constraints, _usage(None))

    def remote_party(
        self, eui: bytes, role: int, usage: KeyUsage, public_key: ec.EllipticCurvePublicKey, name: str | None = None
    ) -> bytes:
        """A remote-party certificate (DER) naming `eui` and `role`."""
        attributes = [] if name is None else [(_COMMON_NAME, _text(name))]
        attributes.append((_ORGANIZATIONAL_UNIT, _text(f"{role:02d}")))
        attributes.append((_UNIQUE_IDENTIFIER, der.bit_string(0, eui)))
        subject = _name(*attributes)
        return self._sign(subject, public_key, _REMOTE_NOT_AFTER, _usage(usage), _policy(REMOTE_PARTY_POLICY))

    def device(self, eui: bytes, usage: KeyUsage, public_key: ec.EllipticCurvePublicKey) -> bytes:
        """A device certificate (DER): empty subject, the EUI in subjectAltName hardwareModuleName."""
        hardware = der.sequence(der.object_identifier(_HARDWARE_TYPE), der.octets(eui))
        other_name = der.sequence(
            der.object_identifier(_HARDWARE_MODULE_NAME), der.sequence(hardware, tag=0xA0), tag=0xA0
        )
        san = _extension(_SUBJECT_ALT_NAME, der.sequence(other_name), True)
        return self._sign(der.sequence(), public_key, _DEVICE_NOT_AFTER, _usage(usage), san, _policy(DEVICE_POLICY))


@dataclass(frozen=True, slots=True)
class CertificateIdentity:
    """What a device needs from a certificate it is given (CS02b, CS02d, CS03C)."""

    eui: bytes | None  #: x500UniqueIdentifier (remote party) or hardwareModuleName serial (device)
    role: int | None  #: the OU of a remote-party certificate
    usage: KeyUsage | None  #: DS when digitalSignature is set, KA when keyAgreement is
    public_key: ec.EllipticCurvePublicKey
    key_identifier: bytes
    certificate: x509.Certificate


def identity(data: bytes) -> CertificateIdentity:
    """Read a DER certificate; ValueError when it is not an X.509 certificate with a P-256 key."""
    try:
        certificate = x509.load_der_x509_certificate(data)
        public_key = certificate.public_key()
    except ValueError as exc:
        raise ValueError(f"not an X.509 certificate: {exc}") from None
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise ValueError("the certificate's key is not an elliptic-curve key")
    role = eui = None
    for attribute in certificate.subject:
        if attribute.oid == NameOID.ORGANIZATIONAL_UNIT_NAME and str(attribute.value).isdigit():
            role = int(str(attribute.value))
        elif attribute.oid == NameOID.X500_UNIQUE_IDENTIFIER and isinstance(attribute.value, bytes):
            eui = attribute.value[-8:]
    if eui is None:
        eui = _hardware_serial(certificate)
    usage = None
    try:
        key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        usage = KeyUsage.DS if key_usage.digital_signature else KeyUsage.KA if key_usage.key_agreement else None
    except x509.ExtensionNotFound:
        pass
    return CertificateIdentity(eui, role, usage, public_key, key_identifier(public_key), certificate)


def _hardware_serial(certificate: x509.Certificate) -> bytes | None:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    for other in names.get_values_for_type(x509.OtherName):
        if other.type_id.dotted_string != _HARDWARE_MODULE_NAME:
            continue
        try:
            parts = der.members(der.parse_one(other.value), "hardware-module-name")
            return der.to_octets(parts[1], "hardware-serial-number", 8) if len(parts) == 2 else None
        except GbcsDecodeError:
            return None
    return None


def verifies(certificate: x509.Certificate, issuer_certificate: bytes) -> bool:
    """Whether `certificate`'s signature verifies with the key of the DER `issuer_certificate`."""
    try:
        issuer_key = x509.load_der_x509_certificate(issuer_certificate).public_key()
        algorithm = certificate.signature_hash_algorithm
        if not isinstance(issuer_key, ec.EllipticCurvePublicKey) or algorithm is None:
            return False
        issuer_key.verify(certificate.signature, certificate.tbs_certificate_bytes, ec.ECDSA(algorithm))
    except (ValueError, InvalidSignature):
        return False
    return True


def pem(data: bytes) -> bytes:
    """A DER certificate in PEM armour (key store files, gbcs.md 1)."""
    return x509.load_der_x509_certificate(data).public_bytes(serialization.Encoding.PEM)
