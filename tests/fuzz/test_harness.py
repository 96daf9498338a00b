"""The fuzz harness itself: every target's seeds hold its promises, and each invariant catches what it names."""

from __future__ import annotations

import random

import pytest

import fuzz.targets
from fuzz import invariants
from fuzz.invariants import Outcome, Violation, check, check_cli
from fuzz.mutate import mutate
from fuzz.registry import TARGETS, Target, register
from protocols.errors import DecodeError

#: Every parser the project has; each must have a target.
REQUIRED = {
    *("gbcs", "gbcs_payload", "ieee802154", "zigbee_nwk", "zigbee_aps", "zigbee_zdo", "pcap", "floorplan"),
    *("wan", "hdlc_lite", "spinel", "ash", "ezsp", "ezsp_parameters", "nrf_sniffer", "ti_sniffer"),
    *("dlms", "gbz", "der", "cs", "cbke_certificate", "cbke_ke", "nvm_value"),
}


def test_every_parser_has_a_target() -> None:
    assert set(TARGETS) >= REQUIRED


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seeds_parse_and_rebuild(name: str) -> None:
    target = TARGETS[name]
    seeds = list(target.seeds())
    assert seeds
    for seed in seeds:
        target.parse(seed)  # once untimed: first use imports tables (the ZCL table for GBZ)
        outcome = check(target, seed, measure_memory=True)
        assert isinstance(outcome, Outcome) and outcome.parsed, outcome


class _Boom(DecodeError):
    pass


def _target(parse, rebuild=None, *, exact: bool = True) -> Target:  # type: ignore[no-untyped-def]
    return Target("probe", parse, (_Boom,), lambda: [b"\x00"], rebuild, exact=exact)


def _raise(exc: BaseException):  # type: ignore[no-untyped-def]
    def parse(data: bytes) -> object:
        raise exc

    return parse


def test_an_untyped_exception_is_a_finding() -> None:
    result = check(_target(_raise(IndexError("index out of range"))), b"\x01\x02")
    assert isinstance(result, Violation) and "untyped IndexError" in result.problem


def test_an_offset_outside_the_input_is_a_finding() -> None:
    result = check(_target(_raise(_Boom("probe", 9, "field", "reason"))), b"\x01\x02")
    assert isinstance(result, Violation) and "offset 9 outside" in result.problem
    assert check(_target(_raise(_Boom("probe", 2, "field", "reason"))), b"\x01\x02") == Outcome(
        False, "_Boom:field:reason"
    )


def test_a_value_that_does_not_rebuild_is_a_finding() -> None:
    result = check(_target(lambda data: data, rebuild=lambda value: b"other"), b"\x01")
    assert isinstance(result, Violation) and "rebuilt as" in result.problem


def test_a_lenient_format_must_rebuild_its_canonical_spelling() -> None:
    lenient = _target(lambda data: data.lstrip(b"\x00"), rebuild=lambda value: value, exact=False)
    assert check(lenient, b"\x00\x00\x05") == Outcome(True, "bytes")  # padding dropped, 05 rebuilds to 05
    unstable = _target(lambda data: data, rebuild=lambda value: value + b"\x00", exact=False)
    result = check(unstable, b"\x05")
    assert isinstance(result, Violation) and "parses and rebuilds as 050000" in result.problem

    def one_octet(data: bytes) -> bytes:
        if len(data) > 1:
            raise _Boom("probe", 1, "length", "one octet at most")
        return data

    growing = _target(one_octet, rebuild=lambda value: value + b"\x01", exact=False)
    result = check(growing, b"\x05")
    assert isinstance(result, Violation) and "does not parse back" in result.problem


def test_too_slow_and_too_much_memory_are_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(invariants, "BASE_SECONDS", -1.0)
    assert "took" in check(_target(lambda data: data), b"").problem  # type: ignore[union-attr]
    monkeypatch.setattr(invariants, "BASE_SECONDS", 10.0)
    monkeypatch.setattr(invariants, "BASE_BYTES", 1000)
    result = check(_target(lambda data: bytearray(100_000)), b"", measure_memory=True)
    assert isinstance(result, Violation) and "peaked at" in result.problem


def test_the_cli_gives_one_record_per_input() -> None:
    ecs52 = fuzz.targets.ECS52
    assert check_cli([ecs52, b"\xdf", b"", ecs52[:-1]]) is None


def test_a_cli_that_loses_a_record_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    import tools.decode

    real = tools.decode._render

    def drop_the_second(source, data, settings):  # type: ignore[no-untyped-def]
        text, errors, status = real(source, data, settings)
        return ("" if source == "df" else text), errors, status

    monkeypatch.setattr(tools.decode, "_render", drop_the_second)
    result = check_cli([fuzz.targets.ECS52, b"\xdf"])
    assert isinstance(result, Violation) and "1 records for 2 inputs" in result.problem


def test_mutation_is_reproducible_from_the_seed() -> None:
    pool = [bytes(range(40))]
    first = [mutate(pool[0], random.Random(11), pool, 64) for _ in range(3)]
    assert first == [mutate(pool[0], random.Random(11), pool, 64) for _ in range(3)]
    assert all(len(data) <= 64 for data in first)


def test_a_name_is_registered_once() -> None:
    with pytest.raises(ValueError, match="twice"):
        register(TARGETS["gbcs"])
