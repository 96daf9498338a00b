"""RTDS at the CHF level (tests/firmware/chf/rtds.py says how): every folder aimed at the CHF or the GPF.

The figure printed is the one docs/chf.md and the README quote. Four folders are mixed (GCS13b,
GCS16b, GCS60a, CS02aSignature): their commands for the GSME or the ESME cross the hub - the GSME's
queue and GET / PUT cycle, the ESME's tunnel - and are answered by the device models.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hal.keystore import load_keystore
from protocols.gbcs import KeyStore
from tests.firmware.chf.rtds import hub_folders, replay


@pytest.fixture(scope="module")
def rtds_keystore(keystore_dir: Path) -> KeyStore:
    return load_keystore(keystore_dir)


def test_every_chf_and_gpf_folder_answered_as_rtds(rtds_dir: Path, rtds_keystore: KeyStore) -> None:
    folders = hub_folders(rtds_dir, rtds_keystore)
    results = [replay(folder, rtds_keystore) for folder in folders]
    passed = [result.folder for result in results if result.ok]
    failed = {result.folder: result for result in results if not result.ok}
    scenarios = sum(len(result.passed) + len(result.failed) for result in results)
    faults = sum(result.faults_armed for result in results)
    print(
        f"\nRTDS at the CHF level: {len(passed)} of {len(folders)} folders answered as RTDS "
        f"({scenarios} commands, {faults} ERROR scenarios through injected device faults); not: {sorted(failed)}"
    )
    assert failed == {}, {name: (r.failed, r.alerts_missing, r.alert_shapes_differ) for name, r in failed.items()}
    assert len(folders) == len(passed) == 30
    assert scenarios == 45 and faults == 16


def test_error_scenarios_need_their_fault(rtds_dir: Path, rtds_keystore: KeyStore) -> None:
    """Without the injected fault a CHF ERROR scenario is answered as its SUCCESS twin: the fault is what fails."""
    result = replay(rtds_dir / "6.31_DBCH01", rtds_keystore, inject_faults=False)
    assert list(result.failed) == ["DBCH01_6.31_ERROR_COMMAND_GBCS.HEX"]
    assert "hardware-fault" in result.failed["DBCH01_6.31_ERROR_COMMAND_GBCS.HEX"]
