"""The ESME against the RTDS folders aimed at it, at payload level (see `rtds.py` for the method).

Expected outcomes, alerts and layouts all come from the RTDS files (shared/gbcs/rtds); the
meter never sees them except as the commands a head-end would send.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from hal.keystore import load_keystore
from protocols import dlms
from protocols.dlms import Array, CompactArray, Data, Integer, OctetString, Structure, axdr
from protocols.gbcs import Cra, KeyStore, Message, crypto
from tests.firmware.devices.esme import rtds

#: DLMS folders RTDS aims at the ESME (gbcs.md 5.6); the CS02/03/04/06 folders carry ASN.1 for firmware.gbcs.
ESME_DLMS_FOLDERS = 69


@pytest.fixture(scope="module")
def keystore(keystore_dir: Path) -> KeyStore:
    return load_keystore(keystore_dir)


@cache
def _replays(rtds_dir: Path, keystore: KeyStore) -> tuple[rtds.FolderResult, ...]:
    return tuple(rtds.replay(folder, keystore) for folder in rtds.esme_folders(rtds_dir, keystore))


@pytest.fixture(scope="module")
def replays(rtds_dir: Path, keystore: KeyStore) -> tuple[rtds.FolderResult, ...]:
    return _replays(rtds_dir, keystore)


def test_every_esme_folder_is_answered_as_rtds_answers_it(replays: tuple[rtds.FolderResult, ...]) -> None:
    assert len(replays) == ESME_DLMS_FOLDERS
    failures = {
        result.folder: [outcome.why for outcome in result.commands if not outcome.passed] + result.alerts_missing
        for result in replays
        if not result.passed
    }
    assert failures == {}
    assert sum(len(result.commands) for result in replays) == 168  # COMMAND files in those folders


def test_future_dated_alerts_are_the_rtds_alerts(
    rtds_dir: Path, keystore: KeyStore, replays: tuple[rtds.FolderResult, ...]
) -> None:
    """Each RTDS 0x00CC alert (8F66, message code, counter, class, OBIS, attribute, activation time) is raised as is."""
    compared = 0
    for result in replays:
        raised = [dlms.parse(alert.payload).body for alert in result.alerts]  # type: ignore[union-attr]
        for name, message in rtds.folder_messages(rtds_dir / result.folder, keystore).items():
            if message.cra is Cra.ALERT:
                assert dlms.parse(message.payload).body in raised, name  # type: ignore[union-attr]
                compared += 1
    assert compared == 35  # ALERT files in those folders


def _shape(value: Data) -> object:
    """The type layout of a value: array lengths and contents ignored, structures and types compared."""
    match value:
        case Array(items):
            return ("array", _shape(items[0]) if items else None)
        case Structure(items):
            return ("structure", tuple(_shape(item) for item in items))
        case CompactArray(description, _):
            return ("compact-array", description)
        case Integer(kind, _):
            return kind
    return type(value).__name__


def _same(mine: object, theirs: object) -> bool:
    if isinstance(mine, tuple) and isinstance(theirs, tuple) and mine[:1] == theirs[:1] == ("array",):
        return mine[1] is None or theirs[1] is None or _same(mine[1], theirs[1])
    if isinstance(mine, tuple) and isinstance(theirs, tuple) and mine[:1] == theirs[:1] == ("structure",):
        return len(mine[1]) == len(theirs[1]) and all(_same(a, b) for a, b in zip(mine[1], theirs[1], strict=True))
    return mine == theirs


def _variant_matches(folder: Path, name: str) -> bool:
    """A SINGLE scenario in a folder replayed on a twin meter gets the twin layout, rightly."""
    return not ("SINGLE" in name and rtds.profile_for(folder).variant.value == "twin")


def _answered(
    rtds_dir: Path, keystore: KeyStore, replays: tuple[rtds.FolderResult, ...]
) -> list[tuple[Path, str, bytes, Message, Message]]:
    """(folder, command file, our response payload, the command, the RTDS response) of every replayed command."""
    found = []
    for result in replays:
        folder = rtds_dir / result.folder
        messages = rtds.folder_messages(folder, keystore)
        for name, payload in result.responses.items():
            expected = messages.get(name.replace("_COMMAND_", "_RESPONSE_"))
            if expected is not None:
                found.append((folder, name, payload, messages[name], expected))
    return found


def test_read_layouts_are_the_rtds_layouts(
    rtds_dir: Path, keystore: KeyStore, replays: tuple[rtds.FolderResult, ...]
) -> None:
    """Every successful GET answers with the A-XDR layout the RTDS response has (values differ, types do not)."""
    compared = 0
    for folder, name, payload, _, expected in _answered(rtds_dir, keystore, replays):
        if not _variant_matches(folder, name):
            continue
        mine, theirs = dlms.parse(payload), dlms.parse(expected.payload)
        for item, reference, outcome in zip(mine.data, theirs.data, theirs.results, strict=True):  # type: ignore[union-attr]
            if outcome.result == 0 and reference != dlms.NULL:
                assert _same(_shape(item), _shape(reference)), (name, item, reference)
                compared += 1
    assert compared > 150


def test_protected_reads_decrypt_to_the_rtds_layouts(
    rtds_dir: Path, keystore: KeyStore, replays: tuple[rtds.FolderResult, ...]
) -> None:
    """gbcs.md 4.4: the requester can decrypt the meter's protected data, and it has the RTDS plaintext's layout."""
    compared = 0
    for folder, name, payload, command, expected in _answered(rtds_dir, keystore, replays):
        if expected.payload_tree is None or not expected.payload_tree.decryptions:
            continue
        answer = dlms.parse(payload).data[0]  # type: ignore[union-attr]
        assert isinstance(answer, Structure) and isinstance(answer.items[1], OctetString)
        parameters = answer.items[0].items[0].items[1]  # type: ignore[union-attr]
        counter = int.from_bytes(parameters.items[0].value[1:], "big")  # type: ignore[union-attr]
        recipient = command.other_information.remote_party_id or command.originator
        key = keystore.derived_key((recipient, rtds.ESME), rtds.ESME, crypto.PAYLOAD_KEY_TYPE, counter, recipient)
        assert key is not None
        plaintext = axdr.parse(crypto.decrypt_block(key, rtds.ESME, answer.items[1].value))
        reference = axdr.parse(expected.payload_tree.decryptions[0].plaintext)
        if _variant_matches(folder, name):
            assert _same(_shape(plaintext), _shape(reference)), name
        compared += 1
    assert compared == 9  # KRP and URP protected reads with a RESPONSE in those folders
