"""The registry's authorised roles and dated responses against every RTDS command and response."""

from __future__ import annotations

from pathlib import Path

from hal.keystore import load_keystore
from protocols.gbcs import parse, registry

#: Remote-party roles of the RTDS EUIs (gbcs.md 2.1); 90b3d51f30000007's KA certificate names the supplier (a quirk).
ROLES = {
    "90b3d51f30000001": 1,
    "90b3d51f30010000": 2,
    "90b3d51f30030000": 2,
    "90b3d51f30020000": 3,
    "90b3d51f30000002": 4,
    "90b3d51f30000004": 5,
    "90b3d51f30000007": 6,
    "90b3d51f30010008": 8,
}


def test_every_rtds_command_comes_from_an_authorised_role(rtds_dir: Path, keystore_dir: Path) -> None:
    keystore = load_keystore(keystore_dir)
    checked = 0
    for path in sorted(rtds_dir.glob("*/*_COMMAND_GBCS.HEX")):
        if "PRECOMMAND" in path.name:
            continue
        message = parse(bytes.fromhex(path.read_text()))
        info = registry.lookup(message.message_code)
        assert info is not None, path.name
        if info.han_originated:
            assert keystore.is_device(message.originator)
            continue
        assert ROLES[message.originator.hex()] in info.roles, path.name
        checked += 1
    assert checked == 341  # the 342 RTDS commands less the PPMID's PCS02


def test_dated_responses_are_exactly_those_rtds_dates(rtds_dir: Path) -> None:
    for path in sorted(rtds_dir.glob("*/*_RESPONSE_GBCS.HEX")):
        message = parse(bytes.fromhex(path.read_text()))
        info = registry.lookup(message.message_code)
        assert info is not None
        assert info.dated_response == (message.date_time_raw is not None), path.name


def test_critical_commands_are_those_rtds_signs(rtds_dir: Path) -> None:
    for path in sorted(rtds_dir.glob("*/*_COMMAND_GBCS.HEX")):
        if "PRECOMMAND" in path.name:
            continue
        message = parse(bytes.fromhex(path.read_text()))
        info = registry.lookup(message.message_code)
        assert info is not None
        if info.critical_command:
            assert message.signature, path.name
