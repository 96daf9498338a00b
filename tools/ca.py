"""`commshub ca`: a test certificate authority for ZigBee SE CBKE (cbke.md 3-4).

    commshub ca issue --eui 00db1234567890a0 [--suite 1|2] [--dir DIR] [--out DIR] [--valid-from UNIX] [--json]
    commshub ca show [--suite 1|2] [--dir DIR] [--json]

The CA key of each suite lives in `DIR/suite<N>-ca.toml` (mode 0600), created on first use with
a fresh random key and commshub's issuer ID; DIR defaults to `$COMMSHUB_CA_DIR`, else
`$XDG_DATA_HOME/commshub/ca` (`~/.local/share/commshub/ca`). `issue` prints the device's
credentials as a TOML table a device profile can hold (or one JSON object with `--json`); with
`--out` it also writes `<eui>-suite<N>.cert` / `.key` / `.ca` (hex, one line each) and
`<eui>-suite<N>.toml`. `show` prints the CA's issuer ID and public key, which a peer needs to
trust the certificates.

Only our own emulators accept these certificates: real devices trust the Certicom test CA or a
production CA, whose private keys we do not have (cbke.md 4, 9.13).

Exit codes: 0 done; 2 bad arguments, or a CA file that cannot be read or written.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from protocols.zigbee.cbke import SUITE_PARAMETERS, CertificateAuthority, CryptoSuite, DeviceCredentials


def default_directory() -> Path:
    """`$COMMSHUB_CA_DIR`, else `$XDG_DATA_HOME/commshub/ca` (XDG default `~/.local/share`)."""
    if os.environ.get("COMMSHUB_CA_DIR"):
        return Path(os.environ["COMMSHUB_CA_DIR"])
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "commshub" / "ca"


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (a temporary file renamed over it), readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_or_create_authority(directory: Path, suite: CryptoSuite) -> CertificateAuthority:
    """The CA of `suite` kept in `directory`, made (with a fresh random key) on first use.

    Raises `OSError` when the file cannot be read or written, `ValueError` when it is malformed.
    """
    path = directory / f"suite{int(suite)}-ca.toml"
    if path.exists():
        authority = CertificateAuthority.from_toml(path.read_text(encoding="utf-8"))
        if authority.suite != suite:
            raise ValueError(f"{path} holds a suite {int(authority.suite)} CA")
        return authority
    authority = CertificateAuthority.generate(suite, secrets.token_bytes)
    write_private(path, "# commshub test CA for ZigBee SE CBKE: keep this file private\n" + authority.to_toml())
    return authority


def _eui(text: str) -> int:
    digits = text.replace(":", "").replace("-", "")
    if len(digits) != 16:
        raise argparse.ArgumentTypeError(f"an EUI-64 is 16 hex digits, got {text!r}")
    try:
        return int(digits, 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not hexadecimal: {text!r}") from None


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "ca",
        help="a test CA issuing ZigBee SE CBKE certificates and keys",
        description="Issue ZigBee Smart Energy CBKE test certificates (suite 1 or 2) for device EUI-64s from a "
        "CA key kept in a file.",
    )
    actions = parser.add_subparsers(dest="ca_command", metavar="ACTION", required=True)
    issue = actions.add_parser("issue", help="issue a certificate and private key for a device")
    issue.add_argument("--eui", type=_eui, required=True, help="the device's EUI-64, 16 hex digits (big-endian)")
    issue.add_argument("--out", type=Path, help="also write <eui>-suite<N>.cert/.key/.ca/.toml into this folder")
    issue.add_argument("--valid-from", type=int, help="suite-2 ValidFrom, Unix seconds (default: now)")
    show = actions.add_parser("show", help="print the CA's issuer ID and public key")
    for sub in (issue, show):
        sub.add_argument("--suite", type=int, choices=(1, 2), default=2, help="crypto suite (default: 2, as GB uses)")
        sub.add_argument("--dir", type=Path, help=f"CA key folder (default: {default_directory()})")
        sub.add_argument("--json", action="store_true", help="one JSON object instead of TOML")
    return parser


def _credentials_record(credentials: DeviceCredentials, authority: CertificateAuthority) -> dict[str, Any]:
    scalar_length = SUITE_PARAMETERS[credentials.suite].scalar_length
    return {
        "suite": int(credentials.suite),
        "subject": f"{credentials.subject:016x}",
        "certificate": credentials.certificate.hex(),
        "private_key": credentials.private_key.to_bytes(scalar_length, "big").hex(),
        "issuer": authority.issuer.hex(),
        "ca_public_key": authority.trust_anchor.public_key_bytes.hex(),
    }


def _write_files(folder: Path, credentials: DeviceCredentials, authority: CertificateAuthority) -> None:
    record = _credentials_record(credentials, authority)
    stem = f"{record['subject']}-suite{record['suite']}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.cert").write_text(record["certificate"] + "\n", encoding="utf-8")
    (folder / f"{stem}.ca").write_text(record["ca_public_key"] + "\n", encoding="utf-8")
    write_private(folder / f"{stem}.key", record["private_key"] + "\n")
    write_private(folder / f"{stem}.toml", credentials.to_toml())


def run(args: argparse.Namespace) -> int:
    suite = CryptoSuite(args.suite)
    directory = args.dir or default_directory()
    try:
        authority = load_or_create_authority(directory, suite)
    except (OSError, ValueError) as exc:
        print(f"commshub ca: CA key in {directory}: {exc}", file=sys.stderr)
        return 2
    if args.ca_command == "show":
        issuer, public_key = authority.issuer.hex(), authority.trust_anchor.public_key_bytes.hex()
        if args.json:
            print(json.dumps({"suite": int(suite), "issuer": issuer, "public_key": public_key}))
        else:
            print(f'suite = {int(suite)}\nissuer = "{issuer}"\npublic_key = "{public_key}"')
        return 0
    valid_from = args.valid_from if args.valid_from is not None else int(time.time())
    credentials = authority.issue(args.eui, secrets.token_bytes, valid_from=valid_from)
    if args.out is not None:
        try:
            _write_files(args.out, credentials, authority)
        except OSError as exc:
            print(f"commshub ca: cannot write to {args.out}: {exc}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps(_credentials_record(credentials, authority)))
    else:
        print(f"[cbke.suite{int(suite)}]\n{credentials.to_toml()}", end="")
    return 0
