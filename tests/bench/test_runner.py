"""`python -m bench NAME...`: the runner runs the named benchmarks without leaking its argv into them."""

from __future__ import annotations

import sys
import types

import pytest

import bench.__main__ as runner


def test_a_benchmark_sees_only_its_own_name_in_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    probe = types.ModuleType("bench.probe")
    probe.main = lambda: seen.append(list(sys.argv))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bench.probe", probe)
    monkeypatch.setattr(runner, "BENCHMARKS", (*runner.BENCHMARKS, "probe"))
    monkeypatch.setattr(sys, "argv", ["python -m bench", "probe"])
    assert runner.main(["probe"]) == 0
    assert seen == [["bench.probe"]] and sys.argv == ["python -m bench", "probe"]


def test_unknown_names_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert runner.main(["no_such_benchmark"]) == 2 and "no_such_benchmark" in capsys.readouterr().err
