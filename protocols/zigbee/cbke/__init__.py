"""ZigBee Smart Energy Certificate-Based Key Establishment: the pure cryptography (cbke.md).

Suite 1 (sect163k1, 48-octet certificates) and suite 2 (sect283k1, 74-octet, what GB uses):
binary-field and Koblitz-curve arithmetic in pure Python (`field`, `tau_adic`, `curve`), ECQV
implicit certificates (`certificate`, `ecqv`: parse/build, reconstruction, issuing for a test CA),
ECMQV with cofactor, the KDF and MACU/MACV (`key_agreement`), AES-MMO and its HMAC (`mmo`), and
the Key Establishment cluster payloads (`messages`). No I/O, no clock: randomness comes in as an
`rng(n) -> bytes` callable. The exchange itself (states, timeouts, Terminate statuses) is
`firmware.zigbee.key_establishment`.
"""

from protocols.zigbee.cbke.certificate import (
    Certificate,
    Suite1Certificate,
    Suite2Certificate,
    build_certificate,
    check_key_agreement,
    parse_certificate,
)
from protocols.zigbee.cbke.curve import SECT163K1, SECT283K1, AffinePoint, KoblitzCurve
from protocols.zigbee.cbke.ecqv import (
    DEFAULT_ISSUER,
    CertificateAuthority,
    DeviceCredentials,
    ImplicitPublicKey,
    TrustAnchor,
    certificate_digest,
    complete_private_key,
    implicit_public_key,
    public_key_of,
    reconstruct_public_key,
)
from protocols.zigbee.cbke.errors import (
    CbkeDecodeError,
    CbkeEncodeError,
    CertificateError,
    KeStatus,
    UnknownIssuerError,
    UnsupportedSuiteError,
)
from protocols.zigbee.cbke.key_agreement import (
    DerivedKeys,
    derive_keys,
    ecmqv,
    initiator_mac,
    macs_equal,
    responder_mac,
)
from protocols.zigbee.cbke.messages import (
    CLUSTER_ID,
    ConfirmKeyDataRequest,
    ConfirmKeyDataResponse,
    EphemeralDataRequest,
    EphemeralDataResponse,
    InitiateKeyEstablishmentRequest,
    InitiateKeyEstablishmentResponse,
    KeCommand,
    TerminateKeyEstablishment,
    build_ke_command,
    parse_ke_command,
)
from protocols.zigbee.cbke.mmo import aes_mmo_hash, hmac_mmo
from protocols.zigbee.cbke.suites import SUITE_PARAMETERS, CryptoSuite, RandomBytes, SuiteParameters, random_scalar

__all__ = [
    "CLUSTER_ID",
    "DEFAULT_ISSUER",
    "SECT163K1",
    "SECT283K1",
    "SUITE_PARAMETERS",
    "AffinePoint",
    "CbkeDecodeError",
    "CbkeEncodeError",
    "Certificate",
    "CertificateAuthority",
    "CertificateError",
    "ConfirmKeyDataRequest",
    "ConfirmKeyDataResponse",
    "CryptoSuite",
    "DerivedKeys",
    "DeviceCredentials",
    "EphemeralDataRequest",
    "EphemeralDataResponse",
    "ImplicitPublicKey",
    "InitiateKeyEstablishmentRequest",
    "InitiateKeyEstablishmentResponse",
    "KeCommand",
    "KeStatus",
    "KoblitzCurve",
    "RandomBytes",
    "Suite1Certificate",
    "Suite2Certificate",
    "SuiteParameters",
    "TerminateKeyEstablishment",
    "TrustAnchor",
    "UnknownIssuerError",
    "UnsupportedSuiteError",
    "aes_mmo_hash",
    "build_certificate",
    "build_ke_command",
    "certificate_digest",
    "check_key_agreement",
    "complete_private_key",
    "derive_keys",
    "ecmqv",
    "hmac_mmo",
    "implicit_public_key",
    "initiator_mac",
    "macs_equal",
    "parse_certificate",
    "parse_ke_command",
    "public_key_of",
    "random_scalar",
    "reconstruct_public_key",
    "responder_mac",
]
