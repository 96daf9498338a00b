"""The two things the key store reads from an X.509 certificate: its public key and its role.

Why not `cryptography.x509`: importing it costs about 20 ms (7 of them compiling regular
expressions), a tenth of a whole `commshub decode` run over the RTDS corpus (whose speed is
measured whole-process), while the key store needs only two fields of the TBSCertificate (RFC 5280
4.1): `subjectPublicKeyInfo`, handed to `cryptography`'s DER loader, and the subject's first
organizational-unit name, the GBCS remote-party role (gbcs.md 2.1). This is a DER walk to
those fields, not a certificate validator: nothing here is trusted beyond the key it names.
Malformed input raises ValueError, as `x509.load_pem_x509_certificate` does.
"""

from __future__ import annotations

import binascii

from protocols.gbcs.lengths import DER, read_length

_BEGIN = b"-----BEGIN CERTIFICATE-----"
_END = b"-----END CERTIFICATE-----"
_SEQUENCE, _SET, _OID, _EXPLICIT_0 = 0x30, 0x31, 0x06, 0xA0
#: id-at-organizationalUnitName, 2.5.4.11 (RFC 5280 appendix A), as DER contents.
_OU = bytes.fromhex("55040b")
#: The DirectoryString forms an OU may take (RFC 5280 4.1.2.4): UTF8, Printable, Teletex, Universal, BMP.
_TEXT_CODECS = {0x0C: "utf-8", 0x13: "ascii", 0x14: "latin-1", 0x1C: "utf-32-be", 0x1E: "utf-16-be"}


def pem_to_der(pem: bytes) -> bytes:
    """The DER bytes of the first PEM CERTIFICATE block in `pem`."""
    start = pem.find(_BEGIN)
    end = pem.find(_END, start)
    if start < 0 or end < 0:
        raise ValueError("no PEM CERTIFICATE block")
    try:
        return binascii.a2b_base64(pem[start + len(_BEGIN) : end])
    except binascii.Error as exc:
        raise ValueError(f"PEM body is not base64: {exc}") from None


def _tlv(der: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the DER element at `pos`, which must end by `end`."""
    if pos + 2 > end:
        raise ValueError(f"DER element at {pos} runs past its container")
    tag = der[pos]
    length, pos = read_length(der, pos + 1, "DER length", rule=DER, end=end)  # a ValueError, as below
    if pos + length > end:
        raise ValueError(f"DER element at {pos} of {length} bytes runs past its container")
    return tag, pos, pos + length


def _expect(der: bytes, pos: int, end: int, tag: int, what: str) -> tuple[int, int]:
    found, start, stop = _tlv(der, pos, end)
    if found != tag:
        raise ValueError(f"{what}: tag {found:#04x} where {tag:#04x} was expected")
    return start, stop


def read_certificate(pem: bytes) -> tuple[bytes, str | None]:
    """(subjectPublicKeyInfo DER, the subject's first OU name or None) of a PEM certificate."""
    der = pem_to_der(pem)
    start, stop = _expect(der, 0, len(der), _SEQUENCE, "Certificate")
    pos, tbs_end = _expect(der, start, stop, _SEQUENCE, "TBSCertificate")
    if pos < tbs_end and der[pos] == _EXPLICIT_0:  # [0] version
        pos = _tlv(der, pos, tbs_end)[2]
    for _ in ("serialNumber", "signature", "issuer", "validity"):
        pos = _tlv(der, pos, tbs_end)[2]
    subject_start, subject_end = _expect(der, pos, tbs_end, _SEQUENCE, "subject")
    spki_tag, _, spki_end = _tlv(der, subject_end, tbs_end)
    if spki_tag != _SEQUENCE:
        raise ValueError(f"subjectPublicKeyInfo: tag {spki_tag:#04x} where 0x30 was expected")
    return der[subject_end:spki_end], _first_ou(der, subject_start, subject_end)


def _first_ou(der: bytes, pos: int, end: int) -> str | None:
    """The first organizational-unit value in the Name whose RDNs lie in der[pos:end]."""
    while pos < end:
        rdn_start, rdn_end = _expect(der, pos, end, _SET, "RelativeDistinguishedName")
        at = rdn_start
        while at < rdn_end:
            pair_start, pair_end = _expect(der, at, rdn_end, _SEQUENCE, "AttributeTypeAndValue")
            oid_start, oid_end = _expect(der, pair_start, pair_end, _OID, "AttributeType")
            if der[oid_start:oid_end] == _OU:
                tag, value_start, value_end = _tlv(der, oid_end, pair_end)
                codec = _TEXT_CODECS.get(tag)
                if codec is None:
                    raise ValueError(f"organizationalUnitName: tag {tag:#04x} is not a DirectoryString")
                try:
                    return der[value_start:value_end].decode(codec)
                except UnicodeDecodeError as exc:
                    raise ValueError(f"organizationalUnitName: {exc}") from None
            at = pair_end
        pos = rdn_end
    return None
