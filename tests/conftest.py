"""Shared fixtures: where the RTDS corpus and test keys live, skipping cleanly when they do not.

When the environment variable `CI` is set (CI runs `.ci/run` with CI=true), a missing corpus
fails those tests instead: a CI run that silently skipped the corpus would prove nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
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


def shared_folder(*parts: str) -> Path:
    """`shared/<parts>`; when absent, skips the test saying why, or fails it when `CI` is set."""
    base = shared_dir()
    folder = None if base is None else base.joinpath(*parts)
    if folder is None or not folder.is_dir():
        reason = f"shared/{'/'.join(parts)} not found: set COMMSHUB_SHARED or place shared/ beside the checkout"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set: the corpus tests must run)", pytrace=False)
        pytest.skip(reason)
    return folder


@pytest.fixture(scope="session")
def rtds_dir() -> Path:
    """The RTDS 4.5.0 corpus folder (see `shared_folder`)."""
    return shared_folder("gbcs", "rtds")


@pytest.fixture(scope="session")
def keystore_dir() -> Path:
    """The RTDS test keys folder (see `shared_folder`)."""
    return shared_folder("gbcs", "keystore")


# Property tests run on a loaded 2-core CI machine: no per-example deadline (hangs are caught by
# the codecs' own bounds, and timing is measured in bench/, not asserted here).
from hypothesis import settings  # noqa: E402
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402

settings.register_profile("commshub", deadline=None, max_examples=200, database=None)  # no .hypothesis/ folder
settings.load_profile("commshub")


@pytest.fixture(autouse=True, scope="session")
def _cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the CLI's ZCL-table cache (tools.zcl_cache) out of the user's home during tests,
    subprocesses included (they inherit the environment); the variable is restored after."""
    before = os.environ.get("COMMSHUB_CACHE_DIR")
    os.environ["COMMSHUB_CACHE_DIR"] = str(tmp_path_factory.mktemp("commshub-cache"))
    yield
    if before is None:
        os.environ.pop("COMMSHUB_CACHE_DIR", None)
    else:
        os.environ["COMMSHUB_CACHE_DIR"] = before


@pytest.fixture(autouse=True, scope="session")
def _hypothesis_files_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """With `database=None` above, what hypothesis still stores (its constants cache) goes to a
    temporary folder, so test runs leave no `.hypothesis/` in the checkout."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)
