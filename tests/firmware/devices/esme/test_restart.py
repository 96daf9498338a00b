"""State survives a restart: a new model on the same NVM partition is the same meter (interfaces.md, hal.nvm)."""

from __future__ import annotations

from pathlib import Path

from firmware.devices.esme import shipped_profile
from hal.nvm import NvmStore
from protocols import dlms
from protocols.dlms import DateTime, octets
from tests.firmware.devices.esme.helpers import START_UTC, Bench

DAY = 86_400


def test_registers_credit_and_pending_commands_survive_a_restart() -> None:
    bench = Bench.of("prepayment-single")
    bench.advance(DAY)
    assert bench.action(112, "0-0:19.10.0.255", 1, dlms.i32(123_456))[0] == 0
    assert bench.set(1, "0-3:96.13.1.255", 2, octets(b"7788")) == 0
    due = START_UTC + 3 * DAY
    assert bench.set(9000, "0-0:94.44.2.0", 4, dlms.Boolean(False)) == 0
    assert bench.set(9000, "0-0:94.44.2.0", 6, octets(DateTime.from_utc(due).build())) == 0
    readings = [
        bench.value(*address)
        for address in ((3, "1-0:1.8.0.255", 2), (112, "0-0:19.10.0.255", 2), (1, "0-0:94.44.34.1", 2))
    ]
    pending = bench.esme.pending_activations()
    profile_rows = bench.get(7, "0-0:99.1.0.255", 2)[1]

    bench.restart()
    assert [
        bench.value(*address)
        for address in ((3, "1-0:1.8.0.255", 2), (112, "0-0:19.10.0.255", 2), (1, "0-0:94.44.34.1", 2))
    ] == readings
    assert bench.value(1, "0-3:96.13.1.255", 2) == octets(b"7788")
    assert bench.esme.pending_activations() == pending
    assert bench.get(7, "0-0:99.1.0.255", 2)[1] == profile_rows
    bench.advance(3 * DAY)
    assert 0x8F66 in bench.alert_codes()  # the restarted meter still runs the future-dated change
    assert bench.value(9000, "0-0:94.44.2.0", 2) == dlms.Boolean(False)


def test_a_restarted_meter_catches_up_at_once() -> None:
    """Until it is told the time, a new model is due immediately: its first timer call brings it up to date."""
    bench = Bench.of("credit-single")
    bench.advance(DAY)
    energy = bench.value(3, "1-0:1.8.0.255", 2)
    bench.pass_time(3_600)  # an hour passes while the meter is off ... then it restarts
    esme = bench.restart()
    assert esme.deadline() == 0.0
    bench.advance(0)
    assert bench.value(3, "1-0:1.8.0.255", 2) != energy  # the hour was metered on the first call


def test_the_load_model_seed_is_kept() -> None:
    """The same NVM gives the same consumption, whatever rng the restarted model is given."""
    first, second = Bench.of("credit-single"), Bench.of("credit-single")
    first.advance(DAY)
    second.advance(DAY / 2)
    second.restart()
    second.advance(DAY / 2)
    assert first.value(3, "1-0:1.8.0.255", 2) == second.value(3, "1-0:1.8.0.255", 2)


def test_a_command_rolled_back_by_the_envelope_leaves_no_trace() -> None:
    """The envelope runs a command inside its own transaction (interfaces.md): if that rolls back after the
    handler returned, nothing of the command stays - and the meter's caches do not remember it either."""
    bench = Bench.of("credit-single")
    bench.advance(DAY)
    before = bench.nvm.items()
    with bench.nvm.transaction():
        try:
            with bench.nvm.transaction():
                assert bench.set(1, "0-3:96.13.1.255", 2, octets(b"1111")) == 0
                raise RuntimeError("sealing the response failed")
        except RuntimeError:
            pass
    assert bench.nvm.items() == before
    assert bench.value(1, "0-3:96.13.1.255", 2) == octets(b"0000")


def test_state_survives_closing_and_reopening_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "meter.sqlite"
    store = NvmStore.open(path)
    bench = Bench(shipped_profile("credit-single"), nvm=store.partition("device/00db1234567890a0"))
    bench.advance(DAY)
    assert bench.set(1, "0-3:96.13.1.255", 2, octets(b"4242")) == 0
    energy = bench.value(3, "1-0:1.8.0.255", 2)
    store.close()
    reopened = NvmStore.open(path)
    bench.nvm = reopened.partition("device/00db1234567890a0")
    bench.restart()
    assert bench.value(3, "1-0:1.8.0.255", 2) == energy
    assert bench.value(1, "0-3:96.13.1.255", 2) == octets(b"4242")
    reopened.close()
