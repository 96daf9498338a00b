"""Where the GBCS benchmarks find the RTDS corpus, and how they read it, defined once.

Why: `bench.gbcs_decode` and `bench.gbcs_payload` time the same 889 RTDS 4.5.0
messages; they must find them in the same place (`$COMMSHUB_SHARED`, else
`../shared` beside the checkout, as `tests/conftest.py` does) and read them
the same way, so their figures are over the same corpus.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The checkout: benchmarks run `commshub` from here.
REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """`$COMMSHUB_SHARED`, else `shared/` beside the checkout (it may not exist)."""
    env = os.environ.get("COMMSHUB_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def rtds_files(rtds: Path) -> list[Path]:
    """The corpus's message files (`<use case folder>/<message>.HEX`), in a stable order."""
    return sorted(rtds.glob("*/*.HEX"))


def read_message(path: Path) -> bytes:
    """One RTDS file's message: the file holds it as hex text."""
    return bytes.fromhex(path.read_text().strip())
