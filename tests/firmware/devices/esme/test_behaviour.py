"""The meter's behaviour in virtual time: tariffs switch, credit runs out and comes back, future-dated commands
fire at their time, profiles fill and are read by range (meters.md 1.1, 2.3-2.6, 3.2, 3.4).

Every check reads the meter through GBCS requests (`helpers.Bench`), as a head-end would.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from firmware.devices.esme import KeyStoreSecurity, shipped_profile
from firmware.devices.esme.load import SLOT
from firmware.devices.esme.logs import TIME_STAMP
from hal.keystore import load_keystore
from protocols import dlms
from protocols.dlms import Array, CompactArray, DateTime, Integer, Obis, OctetString, Structure, octets, u32
from protocols.dlms.selective import EntryDescriptor, RangeDescriptor
from protocols.gbcs import KeyStore, KeyUsage, utrn
from tests.firmware.devices.esme.helpers import ESME, START_UTC, SUPPLIER, Bench

HOUR = 3600
DAY = 86_400
ZIGBEE_EPOCH = 946_684_800  # 2000-01-01T00:00:00Z: the epoch of buffer time stamps (meters.md 3.2)


def _tou(bench: Bench) -> list[int]:
    value = bench.value(1, "0-0:94.44.34.1", 2)
    assert isinstance(value, Structure) and isinstance(value.items[0], Array)
    return [item.value for item in value.items[0].items]  # type: ignore[union-attr]


def _number(value: dlms.Data) -> int:
    assert isinstance(value, Integer)
    return value.value


def _control_state(bench: Bench) -> int:
    return _number(bench.value(70, "0-0:96.3.10.255", 3))


def _balance(bench: Bench) -> int:
    return _number(bench.value(112, "0-0:19.10.0.255", 2))


def _dt(utc: float) -> OctetString:
    return octets(DateTime.from_utc(utc).build())


# ---------------------------------------------------------------------------------------------- tariffs


def test_tariff_switches_at_the_calendar_boundary() -> None:
    """A day rate starting at 07:10 (not a half-hour boundary): the meter wakes at 07:10 and meters rate 2 from then."""
    base = shipped_profile("credit-single")
    profile = replace(base, tariff=replace(base.tariff, switches=((0, 1), (7 * HOUR + 600, 2))))
    bench = Bench(profile)
    bench.advance(7 * HOUR)
    night = _tou(bench)
    assert night[0] > 0 and night[1] == 0
    assert bench.esme.deadline() == pytest.approx(bench.now + 600)  # the switch is the next event
    assert _number(bench.value(3, "0-0:94.44.1.7", 2)) == profile.tariff.prices[0]
    bench.advance(600)
    at_switch = _tou(bench)
    assert at_switch[1] == 0 and at_switch[0] > night[0]
    assert _number(bench.value(3, "0-0:94.44.1.7", 2)) == profile.tariff.prices[1]
    bench.advance(20 * 60)  # to 07:30
    after = _tou(bench)
    watts = bench.esme.meter.load.demand(int((START_UTC + 7 * HOUR) // SLOT)).import_w
    assert after[0] == at_switch[0]
    assert abs(after[1] - watts * 20 / 60) <= 1  # Wh of the 20 minutes since the switch, in whole Wh


def test_block_tariff_moves_to_the_next_block_at_its_threshold() -> None:
    base = shipped_profile("polyphase")
    profile = replace(base, tariff=replace(base.tariff, block_thresholds=(2_000, 5_000)))
    bench = Bench(profile)
    bench.advance(DAY)
    blocks = bench.value(1, "0-0:94.44.34.2", 2)
    registers = [item.value for item in blocks.items[0].items]  # type: ignore[union-attr]
    total = _number(bench.value(3, "1-0:1.8.0.255", 2))
    assert total > 5_000  # enough to pass both thresholds
    # rate 1 blocks 1, 2, 3 sit at 0, 8 and 16 (meters.md 2.3 layout); each block holds what its thresholds allow
    assert registers[0] == pytest.approx(2_000, abs=1_000) and registers[8] == pytest.approx(3_000, abs=1_000)
    assert registers[0] + registers[8] + registers[16] == pytest.approx(total, abs=3)
    assert bench.action(9, "0-0:10.0.100.255", 1, dlms.u16(0x63))[0] == 0  # ECS05 resets the block counters
    bench.advance(HOUR)
    later = [item.value for item in bench.value(1, "0-0:94.44.34.2", 2).items[0].items]  # type: ignore[union-attr]
    assert later[16] == registers[16] and later[0] > registers[0]  # a new block period starts in block 1


# ---------------------------------------------------------------------------------------------- prepayment


@pytest.fixture(scope="module")
def keystore(keystore_dir: Path) -> KeyStore:
    return load_keystore(keystore_dir)


def _low_credit_bench(keystore: KeyStore | None = None) -> Bench:
    base = shipped_profile("prepayment-single")
    profile = replace(base, prepayment=replace(base.prepayment, meter_balance=30_000))
    return Bench(profile, security=None if keystore is None else KeyStoreSecurity(keystore, ESME))


def test_credit_running_out_disables_the_supply_and_raises_its_alert() -> None:
    bench = _low_credit_bench()
    assert _control_state(bench) == 1
    bench.advance(DAY)
    codes = bench.alert_codes()
    assert 0x810D in codes and 0x8119 in codes  # low credit, then emergency credit available
    assert codes.count(0x8F0F) == 1
    alert = next(a for a in bench.alerts if dlms.parse(a.payload).body.items[0].value == 0x8F0F)  # type: ignore[union-attr]
    assert alert.message_code == 0x1000  # a critical alert without a use case of its own (meters.md 5.1)
    assert _control_state(bench) == 0
    assert _number(bench.value(112, "0-0:19.10.0.255", 2)) <= 0  # spent down to the disablement threshold
    energy = _number(bench.value(3, "1-0:1.8.0.255", 2))
    bench.advance(6 * HOUR)
    assert _number(bench.value(3, "1-0:1.8.0.255", 2)) == energy  # no supply, no consumption


def test_a_top_up_re_arms_the_supply(keystore: KeyStore) -> None:
    """CS01a (gbcs.md 4.8): a UTRN made with the supplier's prepayment key is credited and re-arms the supply."""
    bench = _low_credit_bench(keystore)
    bench.advance(DAY)
    assert _control_state(bench) == 0
    before = _balance(bench)
    counter = 3 << 32  # top-up counters have their low 32 bits zero (gbcs.md 4.7)
    token = utrn.make(
        supplier=SUPPLIER,
        device=ESME,
        counter=counter,
        value=500,
        value_class=0,
        prepayment_key=keystore.private_key(SUPPLIER, KeyUsage.PP_KA),  # type: ignore[arg-type]
        device_public_key=keystore.public_key(ESME, KeyUsage.KA),  # type: ignore[arg-type]
    )
    bench.counter = counter - 1
    assert bench.action(115, "0-0:19.40.0.255", 1, octets(token.encode()))[0] == 0
    assert _balance(bench) == pytest.approx(before + 500 * 1_000, abs=2)  # 500 pennies in 1/100000 pounds
    assert _control_state(bench) == 2 and 0x8F32 in bench.alert_codes()  # armed
    bench.counter = counter - 1
    assert bench.action(115, "0-0:19.40.0.255", 1, octets(token.encode()))[0] == 250  # the same UTRN again
    assert 0x8F51 in bench.alert_codes()
    forged = token[:-1] + str((int(token[-1]) + 1) % 10)
    assert bench.action(115, "0-0:19.40.0.255", 1, octets(forged.encode()))[0] == 250
    assert 0x8F63 in bench.alert_codes()
    assert bench.esme.press_button(bench.now, bench.utc)
    assert _control_state(bench) == 1
    energy = _number(bench.value(3, "1-0:1.8.0.255", 2))
    bench.advance(HOUR)
    assert _number(bench.value(3, "1-0:1.8.0.255", 2)) > energy


def test_emergency_credit_is_activated_only_when_offered() -> None:
    """ECS09 (meters.md 1.1): success when EC is active afterwards; `other-reason` when it cannot be."""
    rich = Bench.of("prepayment-single")
    assert rich.action(112, "0-0:19.10.1.255", 3)[0] == 250
    poor = _low_credit_bench()
    poor.advance(DAY)
    assert _control_state(poor) == 0
    assert poor.action(112, "0-0:19.10.1.255", 3)[0] == 0
    assert 0x81AB in poor.alert_codes() and _control_state(poor) == 2
    assert _number(poor.value(112, "0-0:19.10.1.255", 2)) == 500_000  # the profile's EC limit
    assert poor.action(112, "0-0:19.10.1.255", 3)[0] == 0  # already active: still success


def test_balance_adjustments_and_debt(keystore: KeyStore) -> None:
    """ECS04a/b adjust and reset balances; ECS07 debt is recovered per period and by a share of each top-up."""
    bench = Bench.of("prepayment-single")
    start = _balance(bench)
    assert bench.action(112, "0-0:19.10.0.255", 1, dlms.i32(-200_000))[0] == 0
    assert _balance(bench) == pytest.approx(start - 200_000, abs=50)
    assert bench.action(112, "0-0:19.10.0.255", 2, dlms.i32(700_000))[0] == 0
    assert _balance(bench) == pytest.approx(700_000, abs=50)
    assert bench.action(113, "0-0:19.20.1.255", 4, dlms.i32(86_400))[0] == 0  # add time debt 1
    rate = dlms.structure(
        dlms.structure(dlms.i8(0), dlms.i8(-5)),
        dlms.structure(dlms.u16(0), octets(bytes(6)), dlms.i8(0)),
        dlms.array([dlms.structure(octets(b""), dlms.i16(8_640))]),
    )
    assert bench.set(113, "0-0:19.20.1.255", 6, rate) == 0
    assert bench.action(113, "0-0:19.20.1.255", 2)[0] == 0  # activate the passive recovery rate
    bench.advance(HOUR)
    debt = _number(bench.value(113, "0-0:19.20.1.255", 12))
    assert debt == pytest.approx(86_400 - 8_640 / 24, abs=2)  # one hour of an 8640-per-day recovery


# ---------------------------------------------------------------------------------------------- future-dated commands


def test_future_dated_command_fires_at_its_time_and_not_before() -> None:
    bench = Bench.of("credit-single")
    due = START_UTC + 2 * DAY + 9 * HOUR + 300  # 2015-01-03 09:05, not on a half-hour boundary
    new = dlms.structure(
        dlms.structure(dlms.i8(0), dlms.i8(-5)),
        dlms.structure(dlms.u16(0), octets(bytes(6)), dlms.i8(0)),
        dlms.array([dlms.structure(octets(b""), dlms.i16(31_000))]),
    )
    old = bench.value(113, "0-0:19.20.4.255", 5)
    assert bench.set(113, "0-0:19.20.4.255", 6, new, 0x00A2) == 0
    assert bench.set(113, "0-0:19.20.4.255", 7, _dt(due), 0x00A2) == 0
    command_counter = bench.counter
    assert bench.esme.pending_activations() == [(due, (113, "0-0:19.20.4.255", 7))]
    bench.advance(due - bench.utc - 1)
    assert bench.value(113, "0-0:19.20.4.255", 5) == old and 0x8F66 not in bench.alert_codes()
    assert bench.esme.deadline() == pytest.approx(bench.now + 1)
    raised = bench.advance(2)
    assert bench.value(113, "0-0:19.20.4.255", 5) == new
    [alert] = [a for a in raised if a.message_code == 0x00CC]
    fields = (0x00A2).to_bytes(2, "big") + command_counter.to_bytes(8, "big") + (113).to_bytes(2, "big")
    fields += Obis.of("0-0:19.20.4.255").raw + b"\x07"
    expected = dlms.structure(dlms.u16(0x8F66), octets(bytes.fromhex("07df0103ff090500008000ff")), octets(fields))
    assert dlms.parse(alert.payload).body == expected  # type: ignore[union-attr]  # gbcs.md 5.5 layout


def test_cancellation_removes_the_pending_activation() -> None:
    bench = Bench.of("credit-single")
    due = START_UTC + DAY
    assert bench.set(20, "0-0:13.0.0.255", 10, _dt(due)) == 0
    assert len(bench.esme.pending_activations()) == 1
    never = octets(bytes.fromhex("ffffffffffffffffff8000ff"))
    assert bench.set(20, "0-0:13.0.0.255", 10, never) == 0
    assert bench.esme.pending_activations() == []
    bench.advance(2 * DAY)
    assert 0x8F66 not in bench.alert_codes()


def test_a_faulted_activation_raises_the_failure_outcome() -> None:
    from firmware.devices.esme import Fault, FaultKind

    bench = Bench.of("credit-single")
    bench.esme.faults.add(Fault(FaultKind.ACTIVATION, 9000, Obis.of("0-0:94.44.2.0"), 6))
    assert bench.set(9000, "0-0:94.44.2.0", 4, dlms.Boolean(False)) == 0
    assert bench.set(9000, "0-0:94.44.2.0", 6, _dt(START_UTC + HOUR)) == 0
    bench.advance(2 * HOUR)
    assert 0x8F67 in bench.alert_codes() and 0x8F66 not in bench.alert_codes()
    assert bench.value(9000, "0-0:94.44.2.0", 2) == dlms.Boolean(True)  # not activated


# ---------------------------------------------------------------------------------------------- profiles and logs


def _rows(value: dlms.Data) -> list[tuple[int | bytes, ...]]:
    assert isinstance(value, CompactArray)
    return [
        tuple(item.value if isinstance(item, OctetString) else _number(item) for item in row.items)  # type: ignore[union-attr]
        for row in value.elements
    ]


def test_profile_read_with_selective_access_returns_exactly_the_entries_in_range() -> None:
    bench = Bench.of("credit-single")
    bench.advance(2 * DAY)
    start = int(START_UTC) - ZIGBEE_EPOCH + 6 * HOUR
    end = start + 12 * HOUR
    status, value = bench.get(7, "0-0:99.1.0.255", 2, RangeDescriptor(TIME_STAMP, u32(start), u32(end)))
    assert status == 0
    rows = _rows(value)
    assert [row[0] for row in rows] == list(range(start, end + 1, SLOT))  # 25 entries, both ends included
    status, inner = bench.get(7, "0-0:99.1.0.255", 2, RangeDescriptor(TIME_STAMP, u32(start + 1), u32(end - 1)))
    assert len(_rows(inner)) == 23
    status, first = bench.get(7, "0-0:99.1.0.255", 2, EntryDescriptor(1, 3, 2, 2))
    assert status == 0 and _rows(first) == [
        row[1:] for row in _rows(bench.get(7, "0-0:99.1.0.255", 2, EntryDescriptor(1, 3))[1])
    ]
    all_rows = _rows(bench.get(7, "0-0:99.1.0.255", 2, EntryDescriptor(1, 0))[1])
    assert len(all_rows) == 2 * 48
    total = _number(bench.value(3, "1-0:1.8.0.255", 2))
    assert abs(sum(row[1] for row in all_rows) - total) <= len(all_rows)  # whole Wh per slot


def test_daily_logs_and_maximum_demand_fill_over_time() -> None:
    bench = Bench.of("credit-single")
    bench.advance(3 * DAY + 1)
    daily = _rows(bench.get(7, "0-0:99.1.3.255", 2, EntryDescriptor(1, 0))[1])
    midnights = [int(START_UTC) - ZIGBEE_EPOCH + day * DAY for day in (1, 2, 3)]
    assert [row[0] for row in daily] == midnights
    total = _number(bench.value(3, "1-0:1.8.0.255", 2))
    assert abs(sum(row[1] for row in daily) - total) <= 3
    assert _number(bench.value(7, "0-0:98.1.9.255", 7)) == 3  # entries in use
    demand = _number(bench.value(4, "1-0:1.6.0.255", 2))
    assert demand > 0 and bench.value(4, "1-0:1.6.0.255", 5) != octets(bytes.fromhex("ffffffffffffffffff8000ff"))
    assert bench.action(4, "1-0:1.6.0.255", 1)[0] == 0  # ECS57
    assert _number(bench.value(4, "1-0:1.6.0.255", 2)) == 0


def test_event_log_records_alerts_and_is_cleared_but_the_security_log_is_not() -> None:
    bench = Bench.of("credit-single")
    preset = dlms.structure(octets(bytes.fromhex("ffffffffffffffffff8000ff")), _dt(bench.utc - 10), _dt(bench.utc + 10))
    assert bench.action(8, "0-0:1.0.0.255", 5, preset)[0] == 0
    assert bench.action(8, "0-0:1.0.0.255", 4)[0] == 0  # ECS70 within its window: adjusted (0x8145)
    security = _rows(bench.get(7, "0-0:99.98.1.255", 2, EntryDescriptor(1, 0))[1])
    assert [row[1] for row in security] == [0x8145]
    assert bench.set(1, "0-0:94.44.3.1", 2, octets(b"")) == 0
    bench.alerts.clear()
    bench.esme.meter.raise_alert(0x810E, bench.utc)  # an event-log alert (credit added locally)
    assert len(_rows(bench.get(7, "0-0:99.98.0.255", 2, EntryDescriptor(1, 0))[1])) == 1
    assert bench.action(7, "0-0:99.98.0.255", 1)[0] == 0  # ECS15a clears the event log ...
    assert _rows(bench.get(7, "0-0:99.98.0.255", 2, EntryDescriptor(1, 0))[1]) == []
    assert 0x8F52 in [row[1] for row in _rows(bench.get(7, "0-0:99.98.1.255", 2, EntryDescriptor(1, 0))[1])]
    assert bench.action(7, "0-0:99.98.1.255", 1)[0] == 11  # ... never the security log (meters.md 1.1)


def test_clock_is_not_set_outside_the_validity_interval() -> None:
    bench = Bench.of("credit-single")
    late = dlms.structure(octets(bytes.fromhex("ffffffffffffffffff8000ff")), _dt(bench.utc + 60), _dt(bench.utc + 80))
    assert bench.action(8, "0-0:1.0.0.255", 5, late)[0] == 0
    assert bench.action(8, "0-0:1.0.0.255", 4)[0] == 250
    assert 0x81C6 in bench.alert_codes()
    assert bench.action(8, "0-0:1.0.0.255", 6, dlms.i16(120))[0] == 0  # shift_time: two minutes on
    assert bench.value(8, "0-0:1.0.0.255", 2) == octets(bytes.fromhex("07df0101ff000200008000ff"))  # 00:02:00


def test_load_limit_disables_and_restores_the_supply() -> None:
    """ECS28a set immediately: a threshold below the load trips at the next half hour; restoration re-enables."""
    bench = Bench.of("credit-single")
    now = octets(bytes.fromhex("0000000000000000008000ff"))
    for obis, value in (
        ("0-0:94.44.0.3", dlms.Boolean(True)),
        ("0-0:94.44.128.7", u32(100)),
        ("0-0:94.44.128.6", u32(60)),
        ("0-0:94.44.128.8", u32(900)),
    ):
        assert bench.set(9000, obis, 4, value) == 0
        assert bench.set(9000, obis, 6, now) == 0
    assert _number(bench.value(71, "0-0:17.0.0.255", 4)) == 100
    bench.advance(SLOT + 1)
    assert 0x8F01 in bench.alert_codes() and 0x8F33 in bench.alert_codes()
    assert _control_state(bench) == 0 and _number(bench.value(3, "0-0:94.44.42.255", 2)) == 1
    bench.advance(900)
    assert 0x8F34 in bench.alert_codes()


def test_an_apc_limit_is_logged_and_reported() -> None:
    """ECS47e: the limit period, then the APC limit script; the auxiliary log entry and the ECS101 alert (0x0121)."""
    bench = Bench.of("credit-single")
    start, end = _dt(START_UTC + 2 * DAY), _dt(START_UTC + 2 * DAY + HOUR)
    assert bench.set(1, "0-0:94.44.119.3", 2, start) == 0
    assert bench.set(1, "0-0:94.44.119.4", 2, end) == 0
    assert bench.action(9, "0-0:10.0.107.255", 1, dlms.u16(0x2332))[0] == 0  # input 3, level 50
    [alert] = [a for a in bench.alerts if a.message_code == 0x0121]
    body = dlms.parse(alert.payload).body  # type: ignore[union-attr]
    assert body.items[0] == dlms.u16(0x8F86) and body.items[2:] == (dlms.u8(0x23), start, end, dlms.u8(50))  # type: ignore[union-attr]
    log = _rows(bench.get(7, "0-17:99.98.2.255", 2, EntryDescriptor(1, 0))[1])
    assert [row[1] for row in log] == [0x2332]
    assert bench.value(1, "0-0:94.44.0.33", 2) == dlms.Utf8String(b'{"outputState": 50, "inputState": 0}')
    assert bench.action(9, "0-0:10.0.107.255", 1, dlms.u16(0x0932))[0] == 250  # no controller 9
