"""Shared fixtures: where the RTDS corpus and test keys live, skipping cleanly when they do not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path | None:
    """`$COMMSHUB_SHARED`, else `../shared` beside the checkout; None when neither exists."""
    env = os.environ.get("COMMSHUB_SHARED")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared")
    for candidate in candidates:
        if (candidate / "gbcs" / "rtds").is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def rtds_dir() -> Path:
    """The RTDS 4.5.0 corpus folder; skips the test (saying why) when it is absent."""
    base = shared_dir()
    if base is None:
        pytest.skip("RTDS corpus not found: set COMMSHUB_SHARED or place shared/ beside the checkout")
    return base / "gbcs" / "rtds"


@pytest.fixture(scope="session")
def keystore_dir() -> Path:
    """The RTDS test keys folder; skips the test (saying why) when it is absent."""
    base = shared_dir()
    if base is None or not (base / "gbcs" / "keystore").is_dir():
        pytest.skip("RTDS keystore not found: set COMMSHUB_SHARED or place shared/ beside the checkout")
    return base / "gbcs" / "keystore"


# Property tests run on a loaded 2-core CI machine: no per-example deadline (hangs are caught by
# the codecs' own bounds, and timing is measured in bench/, not asserted here).
from hypothesis import settings  # noqa: E402

settings.register_profile("commshub", deadline=None, max_examples=200)
settings.load_profile("commshub")


@pytest.fixture(autouse=True, scope="session")
def _cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the CLI's ZCL-table cache (tools.zcl_cache) out of the user's home during tests,
    subprocesses included (they inherit the environment)."""
    os.environ["COMMSHUB_CACHE_DIR"] = str(tmp_path_factory.mktemp("commshub-cache"))
