"""`commshub demo` through `tools.cli.main`: the whole path in one process, every step as expected."""

from __future__ import annotations

import pytest

from tools.cli import main

#: The steps the transcript reports, in order (tools/demo.py).
STEPS = (
    "commission esme 00db1234567890a0",
    "commission gsme 00db1234567890a1",
    "device log change alerts (CS14)",
    "joins",
    "meter read (ECS17b)",
    "tariff update (ECS01a)",
    "top-up (CS01a, UTRN for GBP 10)",
    "gas read (GCS13a) through the sleepy gas meter",
    "future-dated price change and its alert",
)


def test_demo_runs_every_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    reported = [line.split("] ok  ", 1)[1].split(":")[0] for line in out.splitlines() if "] ok  " in line]
    assert [step for step in reported if step in STEPS] == list(STEPS)
    assert "] NOT " not in out
    assert out.splitlines()[-1].endswith(f"demo: {len(reported)} of {len(reported)} steps answered as expected")
    assert "alert 0x8F66 (future-dated change actioned)" in out
    assert "queued by the CHF, answered at the meter's next wake-up" in out
