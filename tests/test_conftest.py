"""The corpus fixtures: skip without `shared/` on a developer's machine, fail under CI."""

from __future__ import annotations

import pytest

from tests import conftest


def test_a_missing_corpus_skips_locally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "shared_dir", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not found"):
        conftest.shared_folder("gbcs", "rtds")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        conftest.shared_folder("gbcs", "rtds")
