"""RTDS at the CHF level (tests/firmware/chf/rtds.py says how): every folder aimed at the CHF or the GPF.

The figure printed is the one docs/chf.md and the README quote. The one folder that does not
pass here is mixed: NA_CS02aSignature's ERROR command goes to the ESME, which the CHF forwards
whole over the ESME's tunnel - the ESME model is not part of this test; its CHF command passes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from protocols.gbcs import KeyStore
from tests.firmware.chf.rtds import hub_folders, replay

#: Folders that cannot pass at this level, with the reason (each checked below).
NOT_HERE = {"NA_CS02aSignature": {"CS02aSignature_NA_ERROR_COMMAND_GBCS.HEX": "forwarded"}}


@pytest.fixture(scope="module")
def rtds_keystore(keystore_dir: Path) -> KeyStore:
    return KeyStore.load(keystore_dir)


def test_every_chf_and_gpf_folder_answered_as_rtds(rtds_dir: Path, rtds_keystore: KeyStore) -> None:
    folders = hub_folders(rtds_dir, rtds_keystore)
    results = [replay(folder, rtds_keystore) for folder in folders]
    passed = [result.folder for result in results if result.ok]
    failed = {result.folder: result for result in results if not result.ok}
    scenarios = sum(len(result.passed) + len(result.failed) for result in results)
    faults = sum(result.faults_armed for result in results)
    print(
        f"\nRTDS at the CHF level: {len(passed)} of {len(folders)} folders answered as RTDS "
        f"({scenarios} commands, {faults} ERROR scenarios through injected device faults); not here: {sorted(failed)}"
    )
    assert set(failed) == set(NOT_HERE), {
        name: (r.failed, r.alerts_missing, r.alert_shapes_differ) for name, r in failed.items()
    }
    for name, expected in NOT_HERE.items():
        assert {scenario: why.split()[0] for scenario, why in failed[name].failed.items()} == expected
        assert failed[name].passed and not failed[name].alerts_missing
    assert len(folders) == 30 and len(passed) == 29


def test_error_scenarios_need_their_fault(rtds_dir: Path, rtds_keystore: KeyStore) -> None:
    """Without the injected fault a CHF ERROR scenario is answered as its SUCCESS twin: the fault is what fails."""
    result = replay(rtds_dir / "6.31_DBCH01", rtds_keystore, inject_faults=False)
    assert list(result.failed) == ["DBCH01_6.31_ERROR_COMMAND_GBCS.HEX"]
    assert "hardware-fault" in result.failed["DBCH01_6.31_ERROR_COMMAND_GBCS.HEX"]
