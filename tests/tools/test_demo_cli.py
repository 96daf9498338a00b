"""`commshub demo` through `tools.cli.main`: the whole path in one process, every step as expected."""

from __future__ import annotations

import pytest

import firmware.hub
from tools.cli import main

#: The demo runs on the hub's composition root; a tree without it cannot run the demo (and says so).
HUB = hasattr(firmware.hub, "start_hub")

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


@pytest.mark.skipif(not HUB, reason="firmware.hub.start_hub (the hub's composition root) is not in this tree")
def test_demo_runs_every_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    reported = [line.split("] ok  ", 1)[1].split(":")[0] for line in out.splitlines() if "] ok  " in line]
    assert [step for step in reported if step in STEPS] == list(STEPS)
    assert "] NOT " not in out
    assert out.splitlines()[-1].endswith(f"demo: {len(reported)} of {len(reported)} steps answered as expected")
    assert "alert 0x8F66 (future-dated change actioned)" in out
    assert "queued by the CHF, answered at the meter's next wake-up" in out


@pytest.mark.skipif(HUB, reason="the hub's composition root is here: the demo runs (test above)")
def test_demo_without_the_hub_says_what_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 3
    assert "commshub demo: needs firmware.hub.start_hub" in capsys.readouterr().err
