"""RTDS through the whole hub over TCP (tests/firmware/hub/rtds.py says how): every folder aimed at the CHF or GPF.

The figure printed is the one docs/hub.md and the README quote; the replay is the in-process twin
of `shared/tools/rtds_replay.py ... hub` (which `docs/hub.md` also runs against `commshub run`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hal.keystore import load_keystore
from protocols.gbcs import KeyStore
from tests.firmware.hub.rtds import age, folders, replay


@pytest.fixture(scope="module")
def rtds_keystore(keystore_dir: Path) -> KeyStore:
    return load_keystore(keystore_dir)


@pytest.fixture(scope="module")
def aged(rtds_keystore: KeyStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = tmp_path_factory.mktemp("aged-hub") / "hub.sqlite"
    age(state, rtds_keystore)
    return state


def test_every_chf_and_gpf_folder_is_answered_as_rtds_over_tcp(
    rtds_dir: Path, rtds_keystore: KeyStore, aged: Path
) -> None:
    chosen = folders(rtds_dir, rtds_keystore, "hub")
    results = [replay(folder, rtds_keystore, aged) for folder in chosen]
    failed = {result.folder: result.why() for result in results if not result.ok}
    commands = sum(len(result.passed) + len(result.failed) for result in results)
    faults = sum(result.faults_armed for result in results)
    print(
        f"\nRTDS through the hub over TCP: {len(chosen) - len(failed)} of {len(chosen)} CHF/GPF folders answered "
        f"as RTDS ({commands} commands, {faults} ERROR scenarios through injected device faults)"
    )
    assert failed == {}
    assert len(chosen) == 18 and commands == 32 and faults == 13


def test_an_error_scenario_needs_its_fault(rtds_dir: Path, rtds_keystore: KeyStore, aged: Path) -> None:
    """Without the injected fault the CHF answers a DBCH01 ERROR command as its SUCCESS twin: the fault decides."""
    result = replay(rtds_dir / "6.31_DBCH01", rtds_keystore, aged, inject_faults=False)
    assert list(result.failed) == ["DBCH01_6.31_ERROR_COMMAND_GBCS.HEX"]
    assert "hardware-fault" in result.failed["DBCH01_6.31_ERROR_COMMAND_GBCS.HEX"]
