"""Payload-level conformance of the GSME model with the RTDS folders of the GSME and GPF (see `rtds`).

Every folder is replayed on a fresh model; the test states how many pass and, for each of the
others, why it cannot pass as a sequence on one meter - each reason is checked, so a change in
behaviour shows up here.
"""

from __future__ import annotations

from pathlib import Path

from hal.keystore import load_keystore
from tests.firmware.devices.gsme.rtds import NOT_PASSING, Replay, folders

PASSING = 30


def test_rtds_gsme_and_gpf_folders(rtds_dir: Path, keystore_dir: Path) -> None:
    keystore = load_keystore(keystore_dir)
    results: dict[str, list[str]] = {}
    for name, (scenarios, alerts) in folders(rtds_dir, keystore).items():
        replay = Replay(keystore)
        problems = []
        for index, scenario in enumerate(scenarios):
            compared = replay.run(scenario, index)
            if compared is not None and compared[0] != compared[1]:
                problems.append(f"{scenario.name}: got {compared[0]} want {compared[1]}")
        replay.finish()
        missing = [f"0x{code:04X}" for code in alerts if code not in replay.alert_codes]
        if missing:
            problems.append(f"alerts missing: {missing}")
        results[name] = problems
    assert len(results) == PASSING + len(NOT_PASSING)
    failing = {name: problems for name, problems in results.items() if problems}
    assert set(failing) == set(NOT_PASSING), {name: problems[:2] for name, problems in failing.items()}
    for name, reason in NOT_PASSING.items():
        assert any(problem.startswith(reason) for problem in failing[name]), (name, failing[name][:2])
