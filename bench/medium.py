"""Benchmark the virtual medium: frames delivered per wall second, and simulated/wall speed-up.

Workload: N nodes each send a 40-octet acknowledged data frame to a
hub every 10 s (unslotted CSMA-CA, retries on), on 2.4 GHz, in virtual time.
ns-3's lr-wpan model runs the same workload on this machine at about 800x,
196x and 4.4x real time for 50, 100 and 500 nodes; we print our speed-up
beside those and the ratio.

Nodes stand at seeded random spots within 20 m of the hub with no walls, so
every node hears every other (the hardest case for the medium: no frame can
be skipped as inaudible). The 500-node row simulates 600 s, not an hour,
to keep the run short; speed-ups are per simulated second, so they compare.

A second table ("fleet") places terraced homes side by side, each ESME
sending to its own hub (short address 0x0000 in its own PAN), and prints the
receptions judged per frame and the wall time per frame: per-frame work must
stay flat as homes that cannot hear a frame are added.
Run: `.venv/bin/python -m bench.medium`.
"""

from __future__ import annotations

import asyncio
import math
import random
import time

from hal import clock
from hal.radio import AddressFilter, Band, TxMode, TxStatus
from hal.virtual import Medium, VirtualRadio, load_floorplan
from protocols.ieee802154.fcs import append_fcs

#: ns-3 lr-wpan speed-ups (simulated / wall time) on this machine for the same workload.
NS3_SPEEDUP = {50: 800.0, 100: 196.0, 500: 4.4}
PERIOD = 10.0
FRAME_OCTETS = 40
PAN = 0x1A62


def _frame(seq: int, src: int, *, ack: bool = True) -> bytes:
    """A 40-octet PSDU: data frame (acked by default), PAN-compressed short addresses, to the hub (0x0000)."""
    mhr = (
        bytes((0x61 if ack else 0x41, 0x88, seq & 0xFF))
        + PAN.to_bytes(2, "little")
        + b"\x00\x00"
        + src.to_bytes(2, "little")
    )
    return append_fcs(mhr + bytes(FRAME_OCTETS - len(mhr) - 2))


def workload(nodes: int, seconds: float, seed: int = 0) -> dict[str, float]:
    """Run the workload for `seconds` of virtual time; return the figures."""
    outcome: dict[str, int] = {"sent": 0, "no_ack": 0, "busy": 0, "received": 0}

    async def main() -> Medium:
        medium = Medium(seed)
        place = random.Random(seed)
        medium.add_node("hub", (0.0, 0.0, 1.0))
        hub = medium.radio("hub", Band.GHZ_2_4)
        hub.set_address_filter(AddressFilter(pan_id=PAN, short_address=0, pan_coordinator=True))

        def received(_frame: object) -> None:
            outcome["received"] += 1

        hub.set_receiver(received)
        radios = []
        for number in range(1, nodes + 1):
            angle, radius = place.uniform(0, 2 * math.pi), 20.0 * math.sqrt(place.random())
            medium.add_node(f"n{number}", (radius * math.cos(angle), radius * math.sin(angle), 1.0))
            radio = medium.radio(f"n{number}", Band.GHZ_2_4)
            radio.set_address_filter(AddressFilter(pan_id=PAN, short_address=number))
            radios.append(radio)

        async def node(short: int, radio: VirtualRadio, offset: float) -> None:
            loop = asyncio.get_running_loop()
            sent = 0
            while True:
                due = offset + sent * PERIOD
                if due >= seconds:
                    return
                await asyncio.sleep(max(0.0, due - loop.time()))
                status = (await radio.transmit(_frame(sent, short), mode=TxMode.CSMA)).status
                key = {TxStatus.SENT: "sent", TxStatus.NO_ACK: "no_ack"}.get(status, "busy")
                outcome[key] += 1
                sent += 1

        await asyncio.gather(*(node(i + 1, r, place.uniform(0, PERIOD)) for i, r in enumerate(radios)))
        return medium

    started = time.perf_counter()
    medium = clock.run(main(), virtual=True, seed=seed)
    wall = time.perf_counter() - started
    return {
        "wall": wall,
        "simulated": seconds,
        "speedup": seconds / wall,
        "deliveries": medium.stats.deliveries,
        "transmissions": medium.stats.transmissions,
        **outcome,
    }


def main() -> None:
    print("virtual medium: N nodes -> hub, one 40-octet acked frame per node every 10 s, 2.4 GHz, CSMA-CA")
    print(
        f"{'nodes':>5}  {'simulated s':>11}  {'wall s':>7}  {'speed-up':>9}  {'ns-3':>6}  {'ratio':>6}  "
        f"{'frames on air':>13}  {'delivered/wall s':>16}  {'acked':>6}  {'no-ack':>6}  {'busy':>4}"
    )
    for nodes, seconds in ((50, 3600.0), (100, 3600.0), (500, 600.0)):  # 500: 600 s only (see below)
        row = workload(nodes, seconds)
        ns3 = NS3_SPEEDUP[nodes]
        print(
            f"{nodes:>5}  {seconds:>11.0f}  {row['wall']:>7.2f}  {row['speedup']:>8.0f}x  {ns3:>5g}x  "
            f"{row['speedup'] / ns3:>5.1f}x  {row['transmissions']:>13.0f}  {row['deliveries'] / row['wall']:>16.0f}  "
            f"{row['sent']:>6.0f}  {row['no_ack']:>6.0f}  {row['busy']:>4.0f}",
            flush=True,
        )
    print("  (the 500-node row simulates 600 s, not 3600 s, to keep the run short; speed-ups compare per second)")
    print("fleet: terraced homes side by side, each ESME -> its hub (0x0000, own PAN) every 50 ms, 20 s simulated")
    print(f"{'homes':>5}  {'frames':>7}  {'judged/frame':>12}  {'us/frame':>8}")
    for homes in (10, 50, 200):
        fleet = _fleet(homes)
        print(
            f"{homes:>5}  {fleet['frames']:>7.0f}  {fleet['judged'] / fleet['frames']:>12.2f}  "
            f"{1e6 * fleet['wall'] / fleet['frames']:>8.1f}",
            flush=True,
        )
    # raw delivery rate: two nodes, back-to-back unacked frames (no idle time to skip)
    flood = _flood(20_000)
    print(
        f"flood: {flood['frames']:.0f} unacked 40-octet frames between two nodes in {flood['wall']:.2f} s wall = "
        f"{flood['frames'] / flood['wall']:.0f} frames delivered per wall second"
    )


def _fleet(homes: int, seconds: float = 20.0) -> dict[str, float]:
    """Terraced homes 5 m apart; every ESME sends an unacked frame to its hub every 50 ms (wall time includes setup)."""

    async def main() -> Medium:
        medium = Medium(0)
        terraced = load_floorplan("terraced")
        senders = []
        for number in range(homes):
            medium.add_home(terraced, origin=(5.0 * number, 0.0, 0.0), prefix=f"h{number}-")
            hub = medium.radio(f"h{number}-hub", Band.GHZ_2_4)
            hub.set_address_filter(AddressFilter(pan_id=number, short_address=0, pan_coordinator=True))
            esme = medium.radio(f"h{number}-esme", Band.GHZ_2_4)
            esme.set_address_filter(AddressFilter(pan_id=number, short_address=1))
            senders.append(esme)

        async def send(radio: VirtualRadio, pan: int) -> None:
            await asyncio.sleep(pan * 0.05 / homes)
            for seq in range(int(seconds / 0.05)):
                mhr = bytes((0x41, 0x88, seq & 0xFF)) + pan.to_bytes(2, "little") + b"\x00\x00\x01\x00"
                await radio.transmit(append_fcs(mhr + bytes(FRAME_OCTETS - len(mhr) - 2)), mode=TxMode.DIRECT)
                await asyncio.sleep(0.05)

        await asyncio.gather(*(send(r, h) for h, r in enumerate(senders)))
        return medium

    started = time.perf_counter()
    medium = clock.run(main(), virtual=True)
    return {"frames": medium.stats.transmissions, "judged": medium.stats.judged, "wall": time.perf_counter() - started}


def _flood(frames: int) -> dict[str, float]:
    async def main() -> int:
        medium = Medium(1)
        medium.add_node("a", (0.0, 0.0, 0.0))
        medium.add_node("b", (5.0, 0.0, 0.0))
        sender, receiver = medium.radio("a", Band.GHZ_2_4), medium.radio("b", Band.GHZ_2_4)
        got: list[object] = []
        receiver.set_receiver(got.append)
        frame = _frame(0, 1, ack=False)
        for _ in range(frames):
            await sender.transmit(frame, mode=TxMode.DIRECT)
        return len(got)

    started = time.perf_counter()
    delivered = clock.run(main(), virtual=True)
    return {"frames": delivered, "wall": time.perf_counter() - started}


if __name__ == "__main__":
    main()
