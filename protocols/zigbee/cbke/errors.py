"""CBKE errors: malformed certificates, points and Key Establishment payloads (cbke.md 7.3).

They extend the ZigBee family so the stack's one `except ZigbeeDecodeError` still covers them.
Each decoding error carries the Terminate status (cbke.md 7.3) that a Key Establishment endpoint
answers it with, so the exchange machine maps faults to statuses in one place.
"""

from __future__ import annotations

from enum import IntEnum

from protocols.zigbee.errors import ZigbeeDecodeError, ZigbeeEncodeError


class KeStatus(IntEnum):
    """Terminate Key Establishment status codes (cbke.md 7.3, SE Annex C)."""

    UNKNOWN_ISSUER = 0x01
    BAD_KEY_CONFIRM = 0x02
    BAD_MESSAGE = 0x03
    NO_RESOURCES = 0x04
    UNSUPPORTED_SUITE = 0x05
    INVALID_CERTIFICATE = 0x06


class CbkeDecodeError(ZigbeeDecodeError):
    """Bytes that are not a valid CBKE value (wrong length, not a point, bad field)."""

    status = KeStatus.BAD_MESSAGE


class UnsupportedSuiteError(CbkeDecodeError):
    """A Key Establishment suite field naming no suite we implement (one unknown bit)."""

    status = KeStatus.UNSUPPORTED_SUITE


class CertificateError(CbkeDecodeError):
    """A well-formed certificate we may not use: wrong type/curve/hash, no key-agreement usage,
    wrong subject, or a reconstruction point that is not on the curve."""

    status = KeStatus.INVALID_CERTIFICATE


class UnknownIssuerError(CbkeDecodeError):
    """A certificate from an issuer whose CA public key we do not hold."""

    status = KeStatus.UNKNOWN_ISSUER


class CbkeEncodeError(ZigbeeEncodeError):
    """A CBKE value (certificate, payload, key) whose fields cannot be encoded."""
