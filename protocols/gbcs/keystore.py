"""Keys by EUI and usage, and the cached key agreement built on them (gbcs.md 1, 4.1-4.2).

Why lazy: a key store holds hundreds of certificates while a batch of messages needs a
few dozen, and parsing a certificate costs far more than decoding a message. `from_pem`
takes every file's bytes at once (so a file that is not PEM at all is named at once);
each key is parsed on first use and kept. A file whose PEM body turns out not to be a
P-256 elliptic-curve key (GBCS uses only that curve, gbcs.md 4) is recorded once in
`problems` and then treated as absent, so the checks needing it give the verdict
`no-key` (a key problem is a verdict, not a decoding failure) and the file is not parsed
again. ECDH secrets are cached per unordered EUI pair and derived keys per derivation
input, since both are deterministic and expensive.

File names: `<eui as 16 hex digits>-<ka|ds|pp-ka>.<pem|key>`; `.pem` holds an X.509
certificate or a bare public key, `.key` a PKCS#8 private key. Other names are listed
in `skipped`, not fatal. This module does no I/O (architecture.md: protocols are pure):
`hal.keystore.load_keystore` reads a folder and hands the bytes to `KeyStore.from_pem`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from protocols.gbcs import crypto
from protocols.gbcs.certificate import read_certificate


class KeyUsage(str, enum.Enum):
    """What a key pair is for."""

    KA = "ka"  #: key agreement: MACs and payload encryption
    DS = "ds"  #: digital signature
    PP_KA = "pp-ka"  #: a supplier's prepayment key agreement (UTRNs, gbcs.md 4.8)


class KeyStoreError(ValueError):
    """A key store folder or key file that cannot be read or understood; `path` names it."""

    def __init__(self, path: str | PurePath, reason: str, *, what: str = "key file") -> None:
        self.path = PurePath(path)
        super().__init__(f"{what} {path}: {reason}")


#: Remote-party role of the Access Control Broker in certificate OU fields (gbcs.md 2.1).
ACB_ROLE = 4
_PUBLIC = "public"
_PRIVATE = "private"
#: The one curve of GBCS keys (gbcs.md 4: ECDH and ECDSA over NIST P-256).
CURVE = ec.SECP256R1


@dataclass(slots=True)
class _Entry:
    """One key file, read but maybe not yet parsed."""

    path: str | None
    pem: bytes | None
    key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey | None = None
    role: int | None = None
    broken: bool = False  #: parsing failed (reported in `KeyStore.problems`): treated as absent


def parse_key_file_name(name: str) -> tuple[bytes, KeyUsage, str] | None:
    """(EUI, usage, "public" or "private") from a key file's name (a folder part is ignored), or None
    when it does not follow `<eui>-<ka|ds|pp-ka>.<pem|key>`."""
    stem, dot, suffix = PurePath(name).name.rpartition(".")
    kind = {"pem": _PUBLIC, "key": _PRIVATE}.get(suffix)
    eui_hex, dash, usage_text = stem.partition("-")
    if not dot or kind is None or not dash or len(eui_hex) != 16:
        return None
    try:
        eui = bytes.fromhex(eui_hex)
        usage = KeyUsage(usage_text)
    except ValueError:
        return None
    return eui, usage, kind


class KeyStore:
    """EUI-64 -> KA / DS / prepayment-KA keys, with cached ECDH secrets and derived keys."""

    def __init__(self) -> None:
        self._entries: dict[tuple[bytes, KeyUsage, str], _Entry] = {}
        self._secrets: dict[tuple[bytes, bytes, KeyUsage], bytes | None] = {}
        self._derived: dict[tuple[bytes, bytes, int, int, bytes, KeyUsage], bytes | None] = {}
        #: derived keys are per message (counters differ), so the cache is bounded
        self._derived_limit = 4096
        self._acb: bytes | None = None
        self._acb_searched = False
        self.skipped: tuple[str, ...] = ()  #: file names in the folder that are not key files
        #: key files that failed to parse on first use, in the order met (each once)
        self.problems: list[KeyStoreError] = []

    @classmethod
    def from_pem(cls, files: Mapping[str, bytes]) -> KeyStore:
        """A store of the key files `files` (file name, or path, -> its bytes).

        Names that do not follow `<eui>-<ka|ds|pp-ka>.<pem|key>` are listed in `skipped`;
        KeyStoreError names a file whose bytes are not PEM at all. Keys are parsed on first use.
        """
        store, skipped = cls(), []
        for name in sorted(files, key=lambda given: PurePath(given).name):
            parsed = parse_key_file_name(name)
            if parsed is None:
                skipped.append(PurePath(name).name)
                continue
            pem = files[name]
            if b"-----BEGIN" not in pem:
                raise KeyStoreError(name, "not a PEM file")
            store._entries[parsed] = _Entry(name, pem)
        store.skipped = tuple(skipped)
        return store

    def add(self, eui: bytes, usage: KeyUsage, key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> None:
        """Put a key in the store (the public half of a private key is added too)."""
        if isinstance(key, ec.EllipticCurvePrivateKey):
            self._entries[(eui, usage, _PRIVATE)] = _Entry(None, None, key)
            key = key.public_key()
        self._entries.setdefault((eui, usage, _PUBLIC), _Entry(None, None, key))
        self._secrets.clear()
        self._derived.clear()
        self._acb_searched = False

    def __len__(self) -> int:
        return len(self._entries)

    def _load(self, eui: bytes, usage: KeyUsage, kind: str) -> _Entry | None:
        """The parsed entry; None when there is none or its file failed to parse (then in `problems`)."""
        entry = self._entries.get((eui, usage, kind))
        if entry is None or entry.key is not None:
            return entry
        if entry.broken:
            return None
        assert entry.pem is not None and entry.path is not None
        problem = self._parse(entry, kind)
        if problem is not None:
            entry.broken = True
            self.problems.append(KeyStoreError(entry.path, problem))
            return None
        return entry

    @staticmethod
    def _parse(entry: _Entry, kind: str) -> str | None:
        """Parse `entry`'s PEM into `entry.key` (and its role); the reason when it cannot be."""
        assert entry.pem is not None
        key: object
        try:
            if kind == _PRIVATE:
                key = serialization.load_pem_private_key(entry.pem, None)
            elif b"CERTIFICATE" in entry.pem:
                public_key_info, unit = read_certificate(entry.pem)  # not cryptography.x509: see `certificate`
                key = serialization.load_der_public_key(public_key_info)
                entry.role = int(unit) if unit is not None and unit.isdigit() else None
            else:
                key = serialization.load_pem_public_key(entry.pem)
        except (ValueError, TypeError) as exc:
            return f"not a readable key: {exc}"
        except UnsupportedAlgorithm as exc:  # e.g. a certificate whose key algorithm OpenSSL does not know
            return f"key algorithm not supported: {exc}"
        if not isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
            return "not an elliptic-curve key"
        if not isinstance(key.curve, CURVE):
            return f"key on curve {key.curve.name}, not {CURVE.name} (gbcs.md 4)"
        entry.key = key
        return None

    def public_key(self, eui: bytes, usage: KeyUsage) -> ec.EllipticCurvePublicKey | None:
        """The public key of `eui` for `usage` (from its certificate, public key or private key file)."""
        entry = self._load(eui, usage, _PUBLIC)
        if entry is not None:
            assert isinstance(entry.key, ec.EllipticCurvePublicKey)
            return entry.key
        private = self.private_key(eui, usage)
        return None if private is None else private.public_key()

    def private_key(self, eui: bytes, usage: KeyUsage) -> ec.EllipticCurvePrivateKey | None:
        entry = self._load(eui, usage, _PRIVATE)
        if entry is None:
            return None
        assert isinstance(entry.key, ec.EllipticCurvePrivateKey)
        return entry.key

    def role(self, eui: bytes) -> int | None:
        """Remote-party role from the KA or DS certificate's OU (gbcs.md 2.1), None if unknown."""
        for usage in (KeyUsage.KA, KeyUsage.DS):
            entry = self._load(eui, usage, _PUBLIC)
            if entry is not None and entry.role is not None:
                return entry.role
        return None

    def is_device(self, eui: bytes) -> bool:
        """True when the store holds a certificate of `eui` that names no remote-party role.

        Device certificates carry their identity outside the subject, so no OU (gbcs.md 1, 2.1);
        a bare public key or no key at all says nothing, and gives False.
        """
        for usage in (KeyUsage.KA, KeyUsage.DS):
            entry = self._load(eui, usage, _PUBLIC)
            if entry is not None and entry.pem is not None and b"CERTIFICATE" in entry.pem:
                return entry.role is None
        return False

    @property
    def acb(self) -> bytes | None:
        """EUI of the Access Control Broker: the KA certificate holder with role 4.

        Holders of a KA private key are looked at first (the usual head-end store), then
        every KA certificate (a device-side store); the answer is kept.
        """
        if self._acb is None and not self._acb_searched:
            self._acb_searched = True
            holders = [key[0] for key in self._entries if key[1] is KeyUsage.KA and key[2] == _PRIVATE]
            others = [key[0] for key in self._entries if key[1] is KeyUsage.KA and key[2] == _PUBLIC]
            for eui in holders + others:
                if self.role(eui) == ACB_ROLE:
                    self._acb = eui
                    break
        return self._acb

    @acb.setter
    def acb(self, eui: bytes) -> None:
        """Name the ACB explicitly (a store built with `add` has no certificates to read roles from)."""
        self._acb = eui
        self._derived.clear()

    def shared_secret(self, first: bytes, second: bytes, usage: KeyUsage = KeyUsage.KA) -> bytes | None:
        """ECDH Z between two parties, using whichever side's private key the store holds; None if neither."""
        pair = (first, second, usage) if first <= second else (second, first, usage)
        if pair in self._secrets:
            return self._secrets[pair]
        secret = None
        for mine, theirs in ((first, second), (second, first)):
            private = self.private_key(mine, usage)
            public = self.public_key(theirs, usage) if private is not None else None
            if private is not None and public is not None:
                secret = crypto.ecdh(private, public)
                break
        self._secrets[pair] = secret
        return secret

    def derived_key(
        self,
        parties: tuple[bytes, bytes],
        originator: bytes,
        kind: int,
        counter: int,
        recipient: bytes,
        usage: KeyUsage = KeyUsage.KA,
    ) -> bytes | None:
        """K (gbcs.md 4.1) from the ECDH pair `parties` and the KDF inputs; None when no pair is held."""
        cache_key = (parties[0] + parties[1], originator, kind, counter, recipient, usage)
        if cache_key in self._derived:
            return self._derived[cache_key]
        secret = self.shared_secret(parties[0], parties[1], usage)
        key = None if secret is None else crypto.derive_key(secret, originator, kind, counter, recipient)
        if len(self._derived) >= self._derived_limit:
            self._derived.clear()
        self._derived[cache_key] = key
        return key
