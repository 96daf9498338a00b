"""`tools.sim.scenario.run_home`: a hub (zigpy on our stack) with a virtual home, run in virtual time."""

from __future__ import annotations

import random

import pytest

from hal import clock
from hal.radio import Channel
from hal.virtual import Medium, load_floorplan
from tools.sim.report import HomeReport, Progress
from tools.sim.scenario import HUB_CHANNELS, HomeOptions, HomeRunError, needs_sub_ghz, run_home


def _run(
    name: str, options: HomeOptions, seed: int = 0, *, jam_s: float = 0.0, progress: list[Progress] | None = None
) -> HomeReport:
    async def main() -> HomeReport:
        medium = Medium(seed=seed)
        placed = medium.add_home(load_floorplan(name))
        if jam_s:  # a strong burst on the first hub's 2.4 GHz channel, from the start
            medium.jam(Channel(0, HUB_CHANNELS[0]), duration=jam_s, power_dbm=-40.0)
        reporter = None if progress is None else progress.append
        return await run_home(placed, medium, options, rng=random.Random(seed), progress=reporter)

    return clock.run(main(), virtual=True, seed=seed)


def test_semi_detached_home_joins_and_reads() -> None:
    report = _run("semi-detached", HomeOptions(duration_s=300.0))
    devices = {d.node: d for d in report.devices}
    assert report.ok and report.problems() == []
    assert [h.bands for h in report.hubs] == [("2.4GHz",)]  # every 2.4 GHz link is good: single band
    for node in ("esme", "gsme", "ihd"):
        assert devices[node].joined and devices[node].band == "2.4GHz" and devices[node].reads_failed == 0
        assert devices[node].nwk is not None and devices[node].eui64 is not None
        assert devices[node].mean_rssi_dbm is not None and -100 < devices[node].mean_rssi_dbm < -10
    # reads every 10 s (IHD) and 60 s (hub) from the start of the 300 s day: 30 and 5
    assert devices["ihd"].reads_ok == 30
    assert devices["esme"].reads_ok == 5 and devices["gsme"].reads_ok == 5  # the GSME's answered on its polls
    # the IHD (over its own stack) and the hub (through zigpy) read the same register
    assert devices["ihd"].last_value == devices["esme"].last_value is not None
    assert devices["gsme"].last_value is not None and devices["gsme"].last_value != devices["esme"].last_value
    assert devices["esme"].joined_at_s < devices["gsme"].joined_at_s < devices["ihd"].joined_at_s  # ESME first
    for node in ("ppmid", "cad"):
        assert not devices[node].joined and "no emulated device" in (devices[node].skipped or "")
    assert report.day_s == pytest.approx(300.0, abs=1.0) and report.simulated_s > report.day_s
    assert report.frames_on_air > 100 and report.duty_cycle_s == {}


def test_upper_flat_ihd_joins_on_868_through_the_dual_band_hub() -> None:
    # docs/virtual-medium.md (and `commshub survey --home flats`): with seed 0, ihd-2 reaches its hub
    # in the basement only on 868 MHz, ihd-0 on both bands
    home, medium = load_floorplan("flats"), Medium(seed=0)
    medium.add_home(home)
    assert needs_sub_ghz(home, medium, "hub-2") and not needs_sub_ghz(home, medium, "hub-0")
    report = _run("flats", HomeOptions(duration_s=120.0, hub="hub-2"))
    devices = {d.node: d for d in report.devices}
    assert set(devices) == {"esme-2", "gsme-2", "ihd-2"}  # only that flat's network
    assert report.ok and report.hubs[0].bands == ("2.4GHz", "868MHz")
    assert devices["ihd-2"].band == "868MHz" and devices["ihd-2"].reads_ok == 12
    assert devices["ihd-2"].last_value == devices["esme-2"].last_value
    assert devices["esme-2"].band == "2.4GHz"
    assert report.duty_cycle_s["ihd-2"] > 0 and report.duty_cycle_s["hub-2"] > 0


def test_single_band_leaves_the_upper_flat_ihd_out() -> None:
    report = _run("flats", HomeOptions(duration_s=60.0, hub="hub-2", dual_band=False))
    devices = {d.node: d for d in report.devices}
    assert not report.ok and not devices["ihd-2"].joined
    assert devices["esme-2"].reads_ok == 1 and devices["esme-2"].reads_failed == 0
    assert report.problems() == [f"ihd-2 (ihd) did not join: {devices['ihd-2'].error}"]
    assert "no joinable network heard on 2.4GHz" in (devices["ihd-2"].error or "")


def test_same_seed_same_report_and_another_seed_differs() -> None:
    options = HomeOptions(duration_s=60.0)
    first, second, other = _run("terraced", options, 3), _run("terraced", options, 3), _run("terraced", options, 4)
    assert first.to_dict() == second.to_dict()
    assert first.to_dict() != other.to_dict()


def test_bad_runs_are_refused() -> None:
    with pytest.raises(HomeRunError, match=r"no hub node 'hub-9'.*hub-0"):
        _run("flats", HomeOptions(hub="hub-9"))
    with pytest.raises(HomeRunError, match="ihd_interval"):
        HomeOptions(ihd_interval=0)


def test_one_hub_of_a_home_gets_the_network_it_has_in_a_run_of_the_whole_home() -> None:
    whole = {h.node: h for h in _run("flats", HomeOptions(duration_s=20.0)).hubs}
    assert len(whole) == 5, "the flats have a hub per flat"
    (alone,) = _run("flats", HomeOptions(duration_s=20.0, hub="hub-2")).hubs
    same = whole["hub-2"]
    assert (alone.channel, alone.sub_ghz_channel, alone.pan_id, alone.network_key) == (
        same.channel,
        same.sub_ghz_channel,
        same.pan_id,
        same.network_key,
    )
    first = whole["hub-0"]
    assert (first.pan_id, first.network_key) != (same.pan_id, same.network_key)


def test_a_jammed_channel_at_start_up_is_reported_not_raised() -> None:
    """zigpy's permit-joining broadcast cannot leave while the channel is jammed: the run goes on and
    reports each device as what it is - joined once the jam has passed, or failed with its reason."""
    report = _run("semi-detached", HomeOptions(duration_s=60.0, dual_band=False), jam_s=30.0)
    devices = {d.node: d for d in report.devices}
    assert set(devices) == {"esme", "gsme", "ihd", "ppmid", "cad"}
    for node in ("esme", "gsme", "ihd"):  # the jam ends within the join timeout: they get in by retrying
        assert devices[node].joined, devices[node].error
    assert devices["esme"].joined_at_s is not None and devices["esme"].joined_at_s > 30.0


def test_a_jam_that_outlasts_the_joins_fails_devices_not_the_run() -> None:
    report = _run("semi-detached", HomeOptions(duration_s=20.0, dual_band=False, join_timeout=30.0), jam_s=1e6)
    devices = {d.node: d for d in report.devices}
    assert not report.ok
    for node in ("esme", "gsme", "ihd"):
        assert not devices[node].joined and devices[node].error
    assert len(report.problems()) == 3


def test_progress_is_reported_from_the_first_join_on() -> None:
    steps: list[Progress] = []
    _run("semi-detached", HomeOptions(duration_s=180.0, progress_every=60.0), progress=steps)
    assert [(s.phase, s.done, s.total) for s in steps[:3]] == [("joining", 1, 3), ("joining", 2, 3), ("joining", 3, 3)]
    assert [(s.phase, s.done, s.total) for s in steps[3:]] == [("day", 60.0, 180.0), ("day", 120.0, 180.0)]
