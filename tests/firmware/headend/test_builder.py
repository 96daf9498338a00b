"""`CommandBuilder` on its own: counters, parties, parameters, and the errors a test engineer sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware.headend.builder import CommandBuilder, MissingKey
from firmware.headend.catalogue import UnknownUseCase
from firmware.headend.counters import TOP_UP_SHIFT, NvmCounters
from firmware.headend.parameters import NEVER, NOW, ParameterError, Switches, When
from hal.nvm import NvmStore
from protocols.gbcs import KeyStore, KeyUsage, parse
from tests.firmware.headend.rig import UTC0, Home

SUPPLIER = bytes.fromhex("90b3d51f30010000")
NETWORK_OPERATOR = bytes.fromhex("90b3d51f30020000")
ACB = bytes.fromhex("90b3d51f30000002")
LOAD_CONTROLLER = bytes.fromhex("90b3d51f30010008")


@pytest.fixture(scope="module")
def home() -> Home:
    return Home()


def test_counters_strictly_increase_and_follow_the_clock(home: Home) -> None:
    first = home.build("ECS52").counter
    second = home.build("ECS52").counter
    assert second == first + 1
    assert first >= int(UTC0 * 1000)  # the floor: milliseconds of the head-end's clock
    later = home.builder.build("ECS52", {}, UTC0 + 3600).counter
    assert later == int((UTC0 + 3600) * 1000)  # an hour later the clock is ahead of the stored counter


def test_top_up_counters_are_their_own_sequence_with_low_bits_zero(home: Home) -> None:
    counters = [home.build("CS01a").counter for _ in range(3)]
    assert all(counter & ((1 << TOP_UP_SHIFT) - 1) == 0 for counter in counters)
    assert [counter >> TOP_UP_SHIFT for counter in counters] == [
        counters[0] >> TOP_UP_SHIFT,
        (counters[0] >> TOP_UP_SHIFT) + 1,
        (counters[0] >> TOP_UP_SHIFT) + 2,
    ]


def test_counter_state_survives_a_restart_on_a_sqlite_file(home: Home, tmp_path: Path) -> None:
    issued = []
    for _run in range(3):  # three head-end runs on the same state file, the clock standing still
        store = NvmStore.open(tmp_path / "headend.sqlite")
        builder = CommandBuilder(home.keystore, NvmCounters(store.partition("headend")))
        issued += [builder.build("ECS52", {}, UTC0).counter for _ in range(2)]
        store.close()
    assert issued == sorted(set(issued)) and len(issued) == 6


def test_explicit_counter_is_used_as_given_and_spends_none(home: Home) -> None:
    before = home.build("ECS52").counter
    replay = home.build("ECS52", counter=str(before))
    assert replay.counter == before
    assert home.build("ECS52").counter == before + 1


def test_default_originator_is_the_first_role_the_registry_allows(home: Home) -> None:
    def originator(name: str) -> bytes:
        return parse(home.build(name).data, home.keystore).originator

    assert originator("ECS17c") == SUPPLIER  # S, N, A
    assert originator("ECS25b") == NETWORK_OPERATOR  # N only
    assert originator("ECS47e") == LOAD_CONTROLLER  # L only
    message = parse(home.build("ECS39b").data, home.keystore)  # A only: the DCC on behalf of a service user
    assert message.originator == ACB
    assert message.other_information.remote_party_id == SUPPLIER
    assert message.other_information.remote_party_counter is not None


def test_target_and_originator_by_name_or_eui(home: Home) -> None:
    command = home.build("ECS52", target="00:db:12:34:56:78:90:a0", originator="network-operator")
    assert (command.recipient.hex(), command.originator) == ("00db1234567890a0", NETWORK_OPERATOR)
    service = parse(home.build("CCS04", service_user="network-operator").data, home.keystore)
    assert service.other_information.remote_party_id == NETWORK_OPERATOR


def test_unknown_use_case_names_the_nearest(home: Home) -> None:
    with pytest.raises(UnknownUseCase) as caught:
        home.build("ECS17x")
    assert caught.value.suggestions[:4] == ["ECS17e", "ECS17d", "ECS17c", "ECS17b"]
    assert home.builder.build("ecs17b", {}, UTC0).use_case == "ECS17b"  # names match in any case


@pytest.mark.parametrize(
    ("name", "settings", "parameter", "reason"),
    [
        ("ECS01a", {"prices": "1,x"}, "prices", "'x' is not a whole number"),
        ("ECS01a", {"execute_at": "tomorrow"}, "execute_at", "is not now/never"),
        ("ECS01a", {"switches": "07:00=1,06:00=2"}, "switches", "must rise"),
        ("ECS01a", {"prices": "100", "switches": "00:00=1,07:00=2"}, "prices", "the switches use rate 2"),
        ("ECS52", {"colour": "red"}, "colour", "ECS52 takes no such parameter"),
        ("ECS52", {"target": "toaster"}, "target", "'toaster' is not one of esme"),
        ("CS06", {}, "image_hash", "required by CS06"),
        ("CCS01", {"device": "00db12"}, "device", "an EUI-64 is 8 bytes"),
        ("ECS38", {"limit": "70000"}, "limit", "70000 is outside 0..65535"),
    ],
)
def test_bad_parameters_say_which_and_why(
    home: Home, name: str, settings: dict[str, str], parameter: str, reason: str
) -> None:
    with pytest.raises(ParameterError) as caught:
        home.build(name, **settings)
    assert caught.value.name == parameter and reason in caught.value.reason


def test_a_refused_build_spends_no_counter(home: Home) -> None:
    before = home.build("ECS52").counter
    with pytest.raises(ParameterError):
        home.build("ECS52", colour="red")
    assert home.build("ECS52").counter == before + 1


def _partial(home: Home, *, without: tuple[bytes, KeyUsage, bool]) -> KeyStore:
    """The home's key store without one key (private when the flag says so)."""
    store = KeyStore()
    full = home.keystore
    for eui in (*home.builder.identities.parties.values(), *home.builder.identities.devices.values()):
        for usage in KeyUsage:
            private = full.private_key(eui, usage)
            public = full.public_key(eui, usage)
            if (eui, usage, True) == without:
                private = None
            if (eui, usage, False) == without:
                private = public = None
            if private is not None:
                store.add(eui, usage, private)
            elif public is not None:
                store.add(eui, usage, public)
    store.acb = ACB
    return store


@pytest.mark.parametrize(
    ("name", "without", "purpose"),
    [
        ("ECS01a", (SUPPLIER, KeyUsage.DS, True), "to sign ECS01a (critical)"),
        ("ECS52", (ACB, KeyUsage.KA, True), "(private) to MAC the command as the ACB"),
        ("ECS52", (bytes.fromhex("00db1234567890a0"), KeyUsage.KA, False), "(certificate) to MAC the command"),
        ("CS01a", (SUPPLIER, KeyUsage.PP_KA, True), "(private) to make the UTRN"),
    ],
)
def test_missing_keys_name_the_eui_and_usage(
    home: Home, name: str, without: tuple[bytes, KeyUsage, bool], purpose: str
) -> None:
    builder = CommandBuilder(_partial(home, without=without), NvmCounters(NvmStore.memory().partition("he")))
    with pytest.raises(MissingKey) as caught:
        builder.build(name, {}, UTC0)
    assert (caught.value.eui, caught.value.usage) == without[:2]
    assert purpose in str(caught.value) and without[0].hex() in str(caught.value)


def test_parameter_kinds() -> None:
    when = When()
    assert when.parse("now", 100.0) is NOW and when.parse("never", 100.0) is NEVER
    assert when.parse("+90s", 100.0).utc == 190.0 and when.parse("-1d", 100_000.0).utc == 13_600.0
    assert when.parse("2026-01-01T00:00:00Z", 0.0).utc == 1_767_225_600.0
    assert When(markers=False).parse("now", 42.0).utc == 42.0
    with pytest.raises(ValueError, match="'never' is not allowed"):
        When(markers=False).parse("never", 0.0)
    assert Switches(1, 48).parse("00:00=2, 07:30=1", 0.0) == ((0, 2), (27_000, 1))
