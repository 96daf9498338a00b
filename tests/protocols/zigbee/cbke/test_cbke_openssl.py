"""Cross-check against an independent implementation: OpenSSL's sect163k1 / sect283k1 through
`cryptography` < 47 (cbke.md 9.12, 10), which the project itself does not depend on.

That old `cryptography` lives in its own venv, made on first use under
`$COMMSHUB_SECT_VENV` (default `~/.cache/commshub/sect-venv`) and reused afterwards; the test
skips, saying why, when it cannot be created (no network, no wheel for this platform). A small
script runs there and reports public keys (X9.62 compressed) and ECDH shared x-coordinates for
random scalars; ours must agree on every one.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from protocols.zigbee.cbke import SECT163K1, SECT283K1, KoblitzCurve

CRYPTOGRAPHY_WITH_SECT = "cryptography>=43,<47"
_SCRIPT = """
import json, sys
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
job = json.load(sys.stdin)
curve = {"sect163k1": ec.SECT163K1(), "sect283k1": ec.SECT283K1()}[job["curve"]]
keys = [ec.derive_private_key(int(k, 16), curve) for k in job["scalars"]]
public = [k.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint).hex() for k in keys]
shared = [keys[i].exchange(ec.ECDH(), keys[i + 1].public_key()).hex() for i in range(0, len(keys) - 1, 2)]
json.dump({"public": public, "shared": shared}, sys.stdout)
"""


def _venv() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "commshub" / "sect-venv"
    return Path(os.environ.get("COMMSHUB_SECT_VENV", default))


def _python() -> Path:
    venv = _venv()
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "from cryptography.hazmat.primitives.asymmetric import ec; ec.SECT283K1()"]
    if python.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return python
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True, timeout=120
        )
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--only-binary", ":all:", CRYPTOGRAPHY_WITH_SECT],
            check=True,
            capture_output=True,
            timeout=300,
        )
        subprocess.run(probe, check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot set up {CRYPTOGRAPHY_WITH_SECT} in {venv} for the OpenSSL cross-check: {exc}")
    return python


@pytest.fixture(scope="module")
def openssl_python() -> Path:
    return _python()


@pytest.mark.parametrize("curve", [SECT163K1, SECT283K1], ids=lambda curve: curve.name)
def test_public_keys_and_ecdh_agree_with_openssl(openssl_python: Path, curve: KoblitzCurve) -> None:
    rnd = random.Random(curve.field.degree)
    scalars = [rnd.randrange(1, curve.order) for _ in range(16)] + [1, 2, curve.order - 1, 3]
    job = {"curve": curve.name, "scalars": [f"{k:x}" for k in scalars]}
    result = subprocess.run(
        [str(openssl_python), "-c", _SCRIPT], input=json.dumps(job), capture_output=True, text=True, check=True
    )
    theirs = json.loads(result.stdout)
    points = [curve.multiply_generator(k) for k in scalars]
    assert all(point is not None for point in points)
    ours = [curve.compress(point) for point in points if point is not None]
    assert [encoded.hex() for encoded in ours] == theirs["public"]
    for index, shared in enumerate(theirs["shared"]):
        peer = curve.decompress(ours[2 * index + 1])
        product = curve.multiply(scalars[2 * index], peer)
        assert product is not None and curve.field.to_bytes(product[0]).hex() == shared
