"""Every RTDS 4.5.0 message (shared/gbcs/rtds) against the gbcs.md 7 conformance checklist.

Counts are the primer's, from its own decoding of the corpus (gbcs.md 7); the codec under
test never produced them. Each test names the checklist item it checks.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from hal.keystore import load_keystore
from protocols.gbcs import Cra, Frame, KeyStore, Message, Verdict, build, parse, registry
from protocols.gbcs.envelope import decode
from tests.protocols.gbcs import corpus


@pytest.fixture(scope="module")
def files(rtds_dir: Path) -> tuple[corpus.CorpusFile, ...]:
    return corpus.load(rtds_dir)


@pytest.fixture(scope="module")
def keystore(keystore_dir: Path) -> KeyStore:
    return load_keystore(keystore_dir)


@pytest.fixture(scope="module")
def parsed(files: tuple[corpus.CorpusFile, ...], keystore: KeyStore) -> list[tuple[corpus.CorpusFile, Message]]:
    return [(file, parse(file.data, keystore)) for file in files]


def test_corpus_size_and_frames(parsed: list[tuple[corpus.CorpusFile, Message]]) -> None:
    """Item 1: 889 files; 541 general-ciphering (DD 00), 348 general-signing (DF 09), no GBT."""
    assert len(parsed) == 889
    frames = Counter(message.frame for _, message in parsed)
    assert frames == {Frame.GENERAL_CIPHERING: 541, Frame.GENERAL_SIGNING: 348}
    assert all(file.data[:2] == b"\xdd\x00" for file, m in parsed if m.frame is Frame.GENERAL_CIPHERING)


def test_every_file_rebuilds_byte_exact(parsed: list[tuple[corpus.CorpusFile, Message]]) -> None:
    """Item 2: build(parse(x)) == x for all 889."""
    mismatches = [file.path.name for file, message in parsed if build(message) != file.data]
    assert mismatches == []


def test_cra_flags_match_file_kinds(parsed: list[tuple[corpus.CorpusFile, Message]]) -> None:
    """Item 3: 342 commands + 133 pre-commands (CRA 1), 342 responses (2), 72 alerts (3)."""
    expected = {"COMMAND": Cra.COMMAND, "PRECOMMAND": Cra.COMMAND, "RESPONSE": Cra.RESPONSE, "ALERT": Cra.ALERT}
    assert Counter(file.kind for file, _ in parsed) == {"COMMAND": 342, "PRECOMMAND": 133, "RESPONSE": 342, "ALERT": 72}
    assert [file.path.name for file, m in parsed if m.cra is not expected[file.kind]] == []


def test_signature_fields(parsed: list[tuple[corpus.CorpusFile, Message]]) -> None:
    """Item 4: signature length 00 in 398 files, 40 in 358, absent in exactly the 133 pre-commands."""
    states = Counter("absent" if m.signature is None else len(m.signature) for _, m in parsed)
    assert states == {0: 398, 64: 358, "absent": 133}
    assert {file.kind for file, m in parsed if m.signature is None} == {"PRECOMMAND"}


def test_other_information_forms(parsed: list[tuple[corpus.CorpusFile, Message]]) -> None:
    """Item 5 (and gbcs.md 3.5): lengths 2 (798), 18 (85), 26 (2), 10 (1), 424/425 (3)."""

    def form(message: Message) -> str:
        info = message.other_information
        if info.certificate is not None:
            assert info.certificate[0] == 0x30 and info.originator_counter is None
            return "certificate"
        return str(
            2
            + 8 * sum(x is not None for x in (info.remote_party_id, info.remote_party_counter, info.originator_counter))
        )

    assert Counter(form(m) for _, m in parsed) == {"2": 798, "18": 85, "26": 2, "10": 1, "certificate": 3}


def test_message_codes_are_registered(parsed: list[tuple[corpus.CorpusFile, Message]]) -> None:
    """Item 6: 162 distinct codes, each in the registry; commands match their folder's use case."""
    codes = {m.message_code for _, m in parsed}
    assert len(codes) == 162
    assert sorted(code for code in codes if registry.lookup(code) is None) == []
    for file, message in parsed:
        entry = registry.lookup(message.message_code)
        assert entry is not None
        if file.kind == "COMMAND" and entry.use_case is not None:
            # folder names add variants (CS02bSupplierBySupplier, CCS05CCS04, CS04ACCritical);
            # the CS04B error pair is RTDS's known quirk (code 0x000F, gbcs.md 5.6)
            quirk = file.folder_use_case == "CS04B" and message.message_code == 0x000F
            assert quirk or entry.use_case in file.folder_use_case, file.path.name


def test_precommand_is_the_command_without_mac_and_signature(files: tuple[corpus.CorpusFile, ...]) -> None:
    """Item 7: COMMAND == MAC header + PRECOMMAND + 40 + signature + MAC (133/133)."""
    by_name = {file.path.name: file for file in files}
    checked = 0
    for file in files:
        if file.kind != "PRECOMMAND":
            continue
        command = parse(by_name[file.path.name.replace("_PRECOMMAND_", "_COMMAND_")].data)
        precommand = parse(file.data)
        assert precommand.signature is None and command.signature and len(command.signature) == 64
        rebuilt = build(Message(**{**precommand.__dict__, "signature": command.signature, "mac": command.mac}))
        assert rebuilt == by_name[file.path.name.replace("_PRECOMMAND_", "_COMMAND_")].data
        checked += 1
    assert checked == 133


def test_command_response_pairs(parsed: list[tuple[corpus.CorpusFile, Message]]) -> None:
    """Item 8: a response has its command's counter and code, with the titles swapped (342/342)."""
    by_name = {file.path.name: message for file, message in parsed}
    pairs = 0
    for name, command in by_name.items():
        if "_COMMAND_" not in name:
            continue
        response = by_name[name.replace("_COMMAND_", "_RESPONSE_")]
        assert (response.originator_counter, response.message_code) == (
            command.originator_counter,
            command.message_code,
        )
        assert (response.originator, response.recipient) == (command.recipient, command.originator)
        pairs += 1
    assert pairs == 342


def test_macs_verify_except_the_two_pcs02(parsed: list[tuple[corpus.CorpusFile, Message]]) -> None:
    """Item 9: 539 of 541 MACs valid; the 2 PCS02 (PPMID -> GSME) lack keys in the store."""
    verdicts = Counter(m.verdicts.mac for _, m in parsed)
    assert verdicts == {Verdict.VALID: 539, Verdict.NO_KEY: 2, Verdict.ABSENT: 348}
    no_key = sorted(file.folder_use_case for file, m in parsed if m.verdicts.mac is Verdict.NO_KEY)
    assert no_key == ["PCS02", "PCS02"]


def test_every_signature_verifies(parsed: list[tuple[corpus.CorpusFile, Message]]) -> None:
    """Item 10: 358/358 signatures valid with the originator's -ds.pem."""
    assert Counter(m.verdicts.signature for _, m in parsed) == {Verdict.VALID: 358, Verdict.ABSENT: 531}


def test_without_keystore_verdicts_are_no_key(files: tuple[corpus.CorpusFile, ...]) -> None:
    """No key store: present MACs and signatures are `no-key`, never valid or invalid."""
    for file in files[:60]:
        message = parse(file.data)
        assert message.verdicts.mac in (Verdict.NO_KEY, Verdict.ABSENT)
        assert message.verdicts.signature in (Verdict.NO_KEY, Verdict.ABSENT)


def _flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes((data[offset] ^ 0x01,)) + data[offset + 1 :]


def test_tampering_one_byte_makes_verdicts_invalid(
    parsed: list[tuple[corpus.CorpusFile, Message]], keystore: KeyStore
) -> None:
    """One flipped bit in the counter, the signature or the MAC turns the covering verdicts to invalid."""
    tampered = 0
    for file, original in parsed:
        if original.verdicts.mac is not Verdict.VALID and original.verdicts.signature is not Verdict.VALID:
            continue
        _, regions = decode(file.data)
        counter_byte = regions.header_start + 10  # last byte of the originator counter: signed and MACed
        message = parse(_flip(file.data, counter_byte), keystore)
        for verdict in (message.verdicts.mac, message.verdicts.signature):
            assert verdict in (Verdict.INVALID, Verdict.ABSENT), file.path.name
        if original.signature:
            message = parse(_flip(file.data, regions.signature_end - 1), keystore)
            assert message.verdicts.signature is Verdict.INVALID
            assert message.verdicts.mac is (Verdict.INVALID if original.mac else Verdict.ABSENT)
        if original.mac:
            message = parse(_flip(file.data, len(file.data) - 1), keystore)
            assert message.verdicts.mac is Verdict.INVALID
            assert message.verdicts.signature is original.verdicts.signature
        tampered += 1
    assert tampered == 539 + 358 - 143  # MACed or signed: 143 files are both


def test_every_payload_is_decoded_to_the_last_byte(parsed: list[tuple[corpus.CorpusFile, Message]]) -> None:
    """Item 11: each payload consumed to its last byte (unparsed == 0 for all 889)."""
    assert [file.path.name for file, m in parsed if m.payload_tree is None or m.unparsed != 0] == []


def test_every_encrypted_block_decrypts(parsed: list[tuple[corpus.CorpusFile, Message]]) -> None:
    """Item 14: all 30 encrypted blocks (19 GBZ components in 12 files, 11 DLMS blocks in 11 files) decrypt."""
    statuses = Counter(d.status for _, m in parsed if m.payload_tree for d in m.payload_tree.decryptions)
    files_with_blocks = sum(1 for _, m in parsed if m.payload_tree and m.payload_tree.decryptions)
    assert statuses == {"decrypted": 30}
    assert files_with_blocks == 23
