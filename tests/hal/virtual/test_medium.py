"""Physics of the virtual medium that could fail: distance, walls, collisions, capture, CCA, ED, faults.

Every scenario runs in virtual time through `hal.clock.run(..., virtual=True)`.
Where a test needs a clean monotone curve it turns shadowing off (sigma 0)
instead of picking a lucky seed; the seeded-shadowing tests check that part.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from dataclasses import replace

import pytest

from hal import clock
from hal.radio import AddressFilter, Band, Channel, ReceivedFrame, TxMode, TxStatus
from hal.virtual import BAND_MODELS, BandModel, Medium, VirtualRadio, load_floorplan, parse_floorplan
from protocols.ieee802154.fcs import append_fcs

from ..radios import PAN, attach, data_frame

BANDS = (Band.GHZ_2_4, Band.MHZ_868)


def no_shadowing() -> dict[Band, BandModel]:
    return {band: replace(model, shadowing_sigma_db=0.0) for band, model in BAND_MODELS.items()}


async def send_many(radio: VirtualRadio, count: int, dst: int, src: int, gap: float = 0.01) -> None:
    for seq in range(count):
        await radio.transmit(data_frame(seq, dst, src), mode=TxMode.DIRECT)
        await asyncio.sleep(gap)


def test_error_rate_grows_with_distance() -> None:
    """Lowest power, shadowing off: PER is 0 close by, 1 far away, and never falls with distance."""
    scale = {Band.GHZ_2_4: 1.0, Band.MHZ_868: 10.0}  # 868 MHz at -10 dBm carries about ten times further

    async def main(band: Band) -> list[float]:
        distances = [scale[band] * d for d in (5.0, 60.0, 100.0, 120.0, 130.0, 140.0, 160.0, 300.0)]
        medium = Medium(seed=1, models=no_shadowing())
        medium.add_node("hub", (0.0, 0.0, 0.0))
        _hub, heard = attach(medium, "hub", band, 0)
        rates = []
        for i, d in enumerate(distances):
            medium.add_node(f"n{i}", (d, 0.0, 0.0))
            node, _ = attach(medium, f"n{i}", band, 1 + i)
            await node.set_power(-30.0)  # clamped to the band's minimum
            heard.clear()
            await send_many(node, 200, 0, 1 + i)
            rates.append(1.0 - len(heard) / 200)
        return rates

    for band in BANDS:
        rates = clock.run(main(band), virtual=True)
        assert rates[0] == 0.0 and rates[-1] == 1.0, (band, rates)
        assert all(later >= earlier - 0.05 for earlier, later in itertools.pairwise(rates)), (band, rates)


CORRIDOR = """
name = "corridor"
size = [45.0, 70.0]
[[levels]]
level = 0
height = 3.0
{walls}
{nodes}
"""


def corridor(rows: int) -> str:
    """Row k has a sender and a receiver 40 m apart with exactly k concrete walls between them."""
    walls = "".join(
        f'[[walls]]\nfrom = [{5.0 * j}, {10.0 * j - 5.0}]\nto = [{5.0 * j}, 69.0]\nmaterial = "concrete"\n'
        for j in range(1, rows)
    )
    nodes = "".join(
        f'[[nodes]]\nname = "tx-{k}"\nrole = "hub"\nlevel = 0\nat = [1.0, {10.0 * k + 1}]\n'
        f'[[nodes]]\nname = "rx-{k}"\nrole = "ihd"\nlevel = 0\nat = [41.0, {10.0 * k + 1}]\nhub = "tx-{k}"\n'
        for k in range(rows)
    )
    return CORRIDOR.format(walls=walls, nodes=nodes)


def test_error_rate_grows_with_walls() -> None:
    """Same 40 m, more concrete walls: PER 0 with none, 1 with many, never falling in between."""
    home = parse_floorplan(corridor(7), source="corridor")

    async def main(band: Band) -> list[float]:
        medium = Medium(seed=2, models=no_shadowing())
        medium.add_home(home)
        rates = []
        for k in range(7):
            assert len(medium.link(f"tx-{k}", f"rx-{k}", band).walls) == k
            sender, _ = attach(medium, f"tx-{k}", band, 100 + k)
            _, heard = attach(medium, f"rx-{k}", band, k)
            await send_many(sender, 100, k, 100 + k)
            rates.append(1.0 - len(heard) / 100)
        return rates

    for band in BANDS:
        rates = clock.run(main(band), virtual=True)
        assert rates[0] == 0.0 and rates[-1] == 1.0, (band, rates)
        assert all(later >= earlier - 0.05 for earlier, later in itertools.pairwise(rates)), (band, rates)


def test_walls_cost_more_at_2_4_ghz_than_at_868() -> None:
    medium = Medium()
    medium.add_home(load_floorplan("semi-detached"))
    high, low = medium.link("hub", "gsme", Band.GHZ_2_4), medium.link("hub", "gsme", Band.MHZ_868)
    assert high.walls == low.walls and high.walls  # the same obstructions...
    assert high.obstruction_db > low.obstruction_db  # ...cost more at 2.4 GHz (radio.md 4.3)
    assert high.path_loss_db - low.path_loss_db == pytest.approx(20 * math.log10(2450 / 868), abs=0.01)


def _two_senders(band: Band, near: float, far: float) -> tuple[list[ReceivedFrame], list[TxStatus]]:
    """Senders at `near` and `far` metres transmit at the same instant; what does the hub get?"""

    async def main() -> tuple[list[ReceivedFrame], list[TxStatus]]:
        medium = Medium(seed=3, models=no_shadowing())
        medium.add_node("hub", (0.0, 0.0, 0.0))
        medium.add_node("a", (near, 0.0, 0.0))
        medium.add_node("b", (0.0, far, 0.0))
        _, heard = attach(medium, "hub", band, 0)
        a, _ = attach(medium, "a", band, 1)
        b, _ = attach(medium, "b", band, 2)
        results = await asyncio.gather(
            a.transmit(data_frame(1, 0, 1), mode=TxMode.DIRECT), b.transmit(data_frame(2, 0, 2), mode=TxMode.DIRECT)
        )
        return heard, [r.status for r in results]

    return clock.run(main(), virtual=True)


@pytest.mark.parametrize("band", BANDS)
def test_simultaneous_equal_power_frames_collide(band: Band) -> None:
    heard, statuses = _two_senders(band, 10.0, 10.0)
    assert statuses == [TxStatus.SENT, TxStatus.SENT]
    assert heard == []


@pytest.mark.parametrize("band", BANDS)
def test_much_stronger_frame_captures(band: Band) -> None:
    heard, _ = _two_senders(band, 2.0, 40.0)  # 26 dB stronger
    assert [frame.psdu[2] for frame in heard] == [1]  # sequence number of the near sender's frame


@pytest.mark.parametrize("band", BANDS)
def test_slightly_stronger_frame_still_collides(band: Band) -> None:
    heard, _ = _two_senders(band, 10.0, 12.0)  # 1.6 dB: under the 6 dB capture margin
    assert heard == []


def test_half_duplex_a_transmitting_radio_hears_nothing() -> None:
    async def main() -> list[ReceivedFrame]:
        medium = Medium(seed=4)
        medium.add_node("a", (0.0, 0.0, 0.0))
        medium.add_node("b", (3.0, 0.0, 0.0))
        a, heard = attach(medium, "a", Band.GHZ_2_4, 1)
        b, _ = attach(medium, "b", Band.GHZ_2_4, 2)
        await asyncio.gather(
            a.transmit(data_frame(1, 2, 1, payload=100), mode=TxMode.DIRECT),
            b.transmit(data_frame(2, 1, 2), mode=TxMode.DIRECT),
        )
        return heard

    assert clock.run(main(), virtual=True) == []


def test_cca_busy_during_another_transmission_and_clear_after() -> None:
    async def main() -> tuple[bool, bool, bool]:
        medium = Medium(seed=5)
        medium.add_node("a", (0.0, 0.0, 0.0))
        medium.add_node("b", (5.0, 0.0, 0.0))
        a, _ = attach(medium, "a", Band.GHZ_2_4, 1)
        b, _ = attach(medium, "b", Band.GHZ_2_4, 2)
        before = await b.cca()
        sending = asyncio.ensure_future(a.transmit(data_frame(1, 2, 1, payload=100), mode=TxMode.DIRECT))
        await asyncio.sleep(0.001)
        during = await b.cca()
        await sending
        after = await b.cca()
        return before, during, after

    assert clock.run(main(), virtual=True) == (True, False, True)


def test_energy_detect_sees_a_jam_on_its_channel_only() -> None:
    async def main() -> tuple[float, float, float, TxStatus]:
        medium = Medium(seed=6)
        medium.add_node("a", (0.0, 0.0, 0.0))
        radio, _ = attach(medium, "a", Band.GHZ_2_4, 1)
        quiet = await radio.energy_detect(0.01)
        medium.jam(Channel(0, 11), duration=0.05, power_dbm=-60.0)
        medium.jam(Channel(0, 12), duration=0.05, power_dbm=-40.0)
        jammed = await radio.energy_detect(0.01)
        status = (await radio.transmit(data_frame(1, 2, 1))).status  # default mode: one CCA
        await asyncio.sleep(0.1)
        again = await radio.energy_detect(0.01)
        return quiet, jammed, again, status

    quiet, jammed, again, status = clock.run(main(), virtual=True)
    noise = BAND_MODELS[Band.GHZ_2_4].noise_floor_dbm
    assert quiet == pytest.approx(noise, abs=0.01)
    assert jammed == pytest.approx(-60.0, abs=0.1)
    assert status is TxStatus.CHANNEL_BUSY
    assert again == pytest.approx(noise, abs=0.01)


def test_a_jam_destroys_frames_on_its_channel() -> None:
    async def main() -> tuple[int, int]:
        medium = Medium(seed=7)
        medium.add_node("hub", (0.0, 0.0, 0.0))
        medium.add_node("a", (10.0, 0.0, 0.0))
        _, heard = attach(medium, "hub", Band.GHZ_2_4, 0)
        a, _ = attach(medium, "a", Band.GHZ_2_4, 1)
        medium.jam(Channel(0, 11), duration=1.0, power_dbm=-40.0)
        await send_many(a, 20, 0, 1)
        during = len(heard)
        await asyncio.sleep(1.0)
        await send_many(a, 20, 0, 1)
        return during, len(heard) - during

    assert clock.run(main(), virtual=True) == (0, 20)


def test_random_frame_loss_roughly_honoured() -> None:
    async def main() -> int:
        medium = Medium(seed=8)
        medium.faults.frame_loss = 0.2
        medium.add_node("hub", (0.0, 0.0, 0.0))
        medium.add_node("a", (3.0, 0.0, 0.0))
        _, heard = attach(medium, "hub", Band.GHZ_2_4, 0)
        a, _ = attach(medium, "a", Band.GHZ_2_4, 1)
        await send_many(a, 1000, 0, 1, gap=0.002)
        return len(heard)

    received = clock.run(main(), virtual=True)
    assert 740 <= received <= 860  # 800 expected; about 4.7 standard deviations either side


def test_powered_off_node_neither_hears_nor_sends() -> None:
    async def main() -> tuple[TxStatus, TxStatus, int, int, int, TxStatus]:
        medium = Medium(seed=9)
        sniffed: list[ReceivedFrame] = []
        medium.add_sniffer(sniffed.append)
        medium.add_node("hub", (0.0, 0.0, 0.0))
        medium.add_node("esme", (2.0, 0.0, 0.0))
        hub, _ = attach(medium, "hub", Band.GHZ_2_4, 0)
        esme, heard = attach(medium, "esme", Band.GHZ_2_4, 1)
        medium.set_powered("esme", False)
        to_off = (await hub.transmit(data_frame(1, 1, 0, ack=True))).status
        from_off = (await esme.transmit(data_frame(2, 0, 1))).status
        sniffed_while_off = len(sniffed)
        medium.set_powered("esme", True)
        back = (await hub.transmit(data_frame(3, 1, 0, ack=True))).status
        return to_off, from_off, len([f for f in sniffed if f.psdu[2] == 2]), sniffed_while_off, len(heard), back

    to_off, from_off, sent_by_off, sniffed_while_off, heard, back = clock.run(main(), virtual=True)
    assert to_off is TxStatus.NO_ACK and from_off is TxStatus.ABORTED
    assert sent_by_off == 0 and sniffed_while_off == 4  # the hub's frame, sent four times (3 retries)
    assert heard == 1 and back is TxStatus.SENT


def test_a_removed_sniffer_hears_nothing_more() -> None:
    async def main() -> tuple[int, int]:
        medium = Medium(seed=3)
        sniffed: list[ReceivedFrame] = []
        medium.add_sniffer(sniffed.append)
        medium.add_node("a", (0.0, 0.0, 0.0))
        medium.add_node("b", (2.0, 0.0, 0.0))
        a, _ = attach(medium, "a", Band.GHZ_2_4, 0)
        attach(medium, "b", Band.GHZ_2_4, 1)
        await a.transmit(data_frame(1, 1, 0))
        before = len(sniffed)
        medium.remove_sniffer(sniffed.append)
        await a.transmit(data_frame(2, 1, 0))
        return before, len(sniffed)

    before, after = clock.run(main(), virtual=True)
    assert before == 1 and after == 1


def _record_run(seed: int) -> list[tuple[float, str, bytes, float]]:
    """A contended, lossy scenario; returns every delivery (time, receiver, frame, RSSI)."""

    async def main() -> list[tuple[float, str, bytes, float]]:
        medium = Medium(seed=seed)
        medium.faults.frame_loss = 0.1
        medium.add_home(load_floorplan("semi-detached"))
        log: list[tuple[float, str, bytes, float]] = []
        radios = {}
        for short, name in enumerate(medium.nodes):
            radio = radios[name] = medium.radio(name, Band.GHZ_2_4)
            radio.set_address_filter(AddressFilter(pan_id=PAN, short_address=short, pan_coordinator=short == 0))
            radio.set_receiver(lambda f, name=name: log.append((f.timestamp, name, f.psdu, f.rssi)))

        async def chatter(short: int, radio: VirtualRadio) -> None:
            for seq in range(30):
                await radio.transmit(data_frame(seq, 0, short, ack=True), mode=TxMode.CSMA)
                await asyncio.sleep(0.01)

        await asyncio.gather(*(chatter(s, r) for s, r in enumerate(radios.values()) if s))
        return log

    return clock.run(main(), virtual=True, seed=seed)


def test_same_seed_same_run_and_another_seed_another() -> None:
    first, second, other = _record_run(11), _record_run(11), _record_run(12)
    assert len(first) > 100
    assert first == second
    assert first != other


def test_shadowing_is_per_link_seeded_and_symmetric() -> None:
    one, two = Medium(seed=1), Medium(seed=2)
    for medium in (one, two):
        medium.add_node("a", (0.0, 0.0, 0.0))
        medium.add_node("b", (10.0, 0.0, 0.0))
    ab = one.link("a", "b", Band.GHZ_2_4)
    assert ab.shadowing_db == one.link("b", "a", Band.GHZ_2_4).shadowing_db
    assert ab.shadowing_db == Medium(seed=1).models[Band.GHZ_2_4].shadowing_db(1, "a", "b")
    assert ab.shadowing_db != two.link("a", "b", Band.GHZ_2_4).shadowing_db
    assert ab.shadowing_db != one.link("a", "b", Band.MHZ_868).shadowing_db


def test_neighbouring_homes_share_the_air() -> None:
    """Two terraced houses side by side: one party wall between them, and next door's meter drowns our upstairs CAD."""

    async def main() -> tuple[int, int]:
        medium = Medium(seed=13)
        terrace = load_floorplan("terraced")
        medium.add_home(terrace, origin=(0.0, 0.0, 0.0), prefix="no1-")
        medium.add_home(terrace, origin=(5.0, 0.0, 0.0), prefix="no3-")
        assert medium.link("no1-hub", "no3-hub", Band.GHZ_2_4).walls == ("brick-external",)  # shared, counted once
        _, heard = attach(medium, "no1-hub", Band.GHZ_2_4, 0)
        ours, _ = attach(medium, "no1-cad", Band.GHZ_2_4, 1)
        theirs = medium.radio("no3-esme", Band.GHZ_2_4)
        await ours.transmit(data_frame(1, 0, 1), mode=TxMode.DIRECT)
        alone = len(heard)
        await asyncio.gather(
            ours.transmit(data_frame(2, 0, 1), mode=TxMode.DIRECT),
            theirs.transmit(data_frame(9, 0, 1, pan=0x2222), mode=TxMode.DIRECT),
        )
        return alone, len(heard) - alone

    assert clock.run(main(), virtual=True) == (1, 0)


def test_a_simulated_hour_of_a_chatty_node_completes() -> None:
    """One frame a second with ACK for an hour (timing is measured in bench.medium, not asserted)."""

    async def main() -> tuple[float, int, int]:
        medium = Medium(seed=14)
        medium.add_node("hub", (0.0, 0.0, 0.0))
        medium.add_node("ihd", (6.0, 2.0, 0.0))
        _, heard = attach(medium, "hub", Band.GHZ_2_4, 0, coordinator=True)
        ihd, _ = attach(medium, "ihd", Band.GHZ_2_4, 1)
        sent = 0
        while clock.now() < 3600.0:
            sent += (await ihd.transmit(data_frame(sent, 0, 1, ack=True), mode=TxMode.CSMA)).status is TxStatus.SENT
            await asyncio.sleep(1.0)
        return clock.now(), sent, len(heard)

    now, sent, heard = clock.run(main(), virtual=True)
    assert now >= 3600.0
    # one frame per 1 s + at most 4.5 ms (backoff <= 7 x 320 us, CCA 128 us, 1.5 ms on air, ACK by 864 us):
    # at least 3600 / 1.0045 = 3584 rounds, each acked at 6 m
    assert 3584 <= sent <= 3600 and heard == sent


def test_per_frame_work_skips_nodes_that_cannot_hear(monkeypatch: pytest.MonkeyPatch) -> None:
    """A broadcast with 200 far-away radios on the channel judges reception only at the audible ones."""
    visited: list[str] = []
    original = Medium._reception

    def counting(self: Medium, tx, radio, model):  # type: ignore[no-untyped-def]
        visited.append(radio.node.name)
        return original(self, tx, radio, model)

    monkeypatch.setattr(Medium, "_reception", counting)

    async def main() -> None:
        medium = Medium(seed=15)
        medium.add_node("hub", (0.0, 0.0, 0.0))
        medium.add_node("near", (5.0, 0.0, 0.0))
        for i in range(200):
            medium.add_node(f"far{i}", (1e6 + i, 0.0, 0.0))
        for name in medium.nodes:
            medium.radio(name, Band.GHZ_2_4)
        hub = medium.node("hub").radios[Band.GHZ_2_4]
        await hub.transmit(data_frame(1, 0xFFFF, 0), mode=TxMode.DIRECT)

    clock.run(main(), virtual=True)
    assert visited == ["near"]


def test_bands_never_interfere_and_a_dual_band_hub_hears_both() -> None:
    async def main() -> tuple[int, int]:
        medium = Medium(seed=16, models=no_shadowing())
        medium.add_node("hub", (0.0, 0.0, 0.0))
        medium.add_node("esme", (10.0, 0.0, 0.0))
        medium.add_node("gsme", (0.0, 10.0, 0.0))
        _, high = attach(medium, "hub", Band.GHZ_2_4, 0)
        _, low = attach(medium, "hub", Band.MHZ_868, 0)
        esme, _ = attach(medium, "esme", Band.GHZ_2_4, 1)
        gsme, _ = attach(medium, "gsme", Band.MHZ_868, 2)
        await asyncio.gather(
            esme.transmit(data_frame(1, 0, 1), mode=TxMode.DIRECT),
            gsme.transmit(data_frame(2, 0, 2), mode=TxMode.DIRECT),
        )
        return len(high), len(low)

    assert clock.run(main(), virtual=True) == (1, 1)


def test_a_jam_from_a_node_fades_with_distance() -> None:
    async def main() -> tuple[float, float]:
        medium = Medium(seed=17, models=no_shadowing())
        for name, x in (("jammer", 0.0), ("near", 2.0), ("far", 200.0)):
            medium.add_node(name, (x, 0.0, 0.0))
        near, far = medium.radio("near", Band.GHZ_2_4), medium.radio("far", Band.GHZ_2_4)
        medium.jam(Channel(0, 11), duration=0.05, power_dbm=0.0, at="jammer")
        return tuple(await asyncio.gather(near.energy_detect(0.01), far.energy_detect(0.01)))  # type: ignore[return-value]

    near, far = clock.run(main(), virtual=True)
    model = BAND_MODELS[Band.GHZ_2_4]
    at_near, at_far = -model.path_loss_db(2.0), -model.path_loss_db(200.0)  # 0 dBm minus the path loss
    noise = model.noise_floor_dbm
    assert near == pytest.approx(10 * math.log10(10 ** (at_near / 10) + 10 ** (noise / 10)), abs=0.01)
    assert far == pytest.approx(10 * math.log10(10 ** (at_far / 10) + 10 ** (noise / 10)), abs=0.01)
    assert near > far + 30


@pytest.mark.parametrize("interruption", ["set_channel", "close", "power_off"])
def test_interrupting_a_transmission_aborts_it_and_nobody_hears_it(interruption: str) -> None:
    async def main() -> tuple[TxStatus, int]:
        medium = Medium(seed=18)
        medium.add_node("a", (0.0, 0.0, 0.0))
        medium.add_node("b", (3.0, 0.0, 0.0))
        a, _ = attach(medium, "a", Band.GHZ_2_4, 1)
        _, heard = attach(medium, "b", Band.GHZ_2_4, 2)
        sending = asyncio.ensure_future(a.transmit(data_frame(1, 2, 1, payload=100), mode=TxMode.DIRECT))
        await asyncio.sleep(0.001)
        if interruption == "set_channel":
            await a.set_channel(Channel(0, 20))
        elif interruption == "close":
            await a.close()
        else:
            medium.set_powered("a", False)
        return (await sending).status, len(heard)

    assert clock.run(main(), virtual=True) == (TxStatus.ABORTED, 0)


def test_unreadable_frames_reach_only_unfiltered_radios() -> None:
    async def main() -> tuple[int, int]:
        medium = Medium(seed=19)
        for name, x in (("a", 0.0), ("open", 2.0), ("filtered", 4.0)):
            medium.add_node(name, (x, 0.0, 0.0))
        a = medium.radio("a", Band.GHZ_2_4)
        unfiltered = medium.radio("open", Band.GHZ_2_4)
        seen: list[ReceivedFrame] = []
        unfiltered.set_receiver(seen.append)
        _, filtered = attach(medium, "filtered", Band.GHZ_2_4, 2)
        await a.transmit(append_fcs(b"\x07\x00\x01"), mode=TxMode.DIRECT)  # frame type 7: not 802.15.4-2006
        return len(seen), len(filtered)

    assert clock.run(main(), virtual=True) == (1, 0)


def test_moving_a_node_recomputes_its_links() -> None:
    async def main() -> tuple[int, int]:
        medium = Medium(seed=20, models=no_shadowing())
        medium.add_node("hub", (0.0, 0.0, 0.0))
        medium.add_node("ihd", (5.0, 0.0, 0.0))
        _, heard = attach(medium, "hub", Band.GHZ_2_4, 0)
        ihd, _ = attach(medium, "ihd", Band.GHZ_2_4, 1)
        await send_many(ihd, 10, 0, 1)
        before = len(heard)
        medium.move("ihd", (50_000.0, 0.0, 0.0))  # out of range: the cached budget must not survive
        await send_many(ihd, 10, 0, 1)
        return before, len(heard) - before

    assert clock.run(main(), virtual=True) == (10, 0)
