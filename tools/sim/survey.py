"""A site survey in simulation: every node swaps test frames with its hub on both bands.

Why: the question an installer asks before choosing a single- or dual-band
hub is "which devices reach the hub on 2.4 GHz, which only on 868 MHz, and
at what cost in sub-GHz duty cycle?". This runs that experiment on a
`Medium` (both bands at once - they do not interfere) and returns plain
data; `commshub survey` only formats it. It is an experiment run on the
virtual air, not hardware abstraction, so it sits with the other
simulations above firmware (`tools/sim/`, architecture.md).

Method: on each band every non-hub node and its hub take turns on a fixed,
staggered schedule (one slot per node per `interval`, so the survey's own
frames never collide): the node sends a 40-octet data frame to the hub, half
a slot later the hub sends one to the node. Frames ask for no ACK, so each
frame is one trial of the link; every started interval is a round (0.5 s
surveys once rather than not at all); the packet error rate is
`1 - received / sent` over both directions. Sub-GHz frames are subject to
the duty-cycle limit like any other (refusals are counted, not sent).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass

from hal.radio import AddressFilter, Band, Channel, ReceivedFrame, Receiver, TxMode, TxStatus
from hal.virtual import DEFAULT_CHANNEL, FloorPlan, Medium, NodeSpec, VirtualRadio
from protocols.ieee802154.fcs import append_fcs
from protocols.ieee802154.header import peek

#: Octets of a survey test frame (PSDU, FCS included), as in the issue's benchmark workload.
TEST_FRAME_OCTETS = 40
#: The survey's channels: 2.4 GHz channel 11 and GB868 page 28 channel 0.
SURVEY_CHANNELS: dict[Band, Channel] = dict(DEFAULT_CHANNEL)

Progress = Callable[[float, float], None]
#: Test-frame payload: readable in a capture, and no heuristic dissector mistakes it for its protocol.
_PAYLOAD = b"(commshub survey)"


@dataclass(frozen=True, slots=True)
class LinkReport:
    """One node's link to its hub on one band, as measured."""

    node: str
    role: str
    hub: str
    distance_m: float
    walls: int
    floors: int
    enclosure: str | None  #: the material boxing in the node or its hub (meter box, cabinet), if any
    enclosure_db: float  #: the loss those enclosures add to the link on this band
    sent: int  #: test frames sent, both directions
    received: int  #: of those, received intact
    refused: int  #: frames the duty-cycle limit refused (868 MHz only)
    mean_rssi_dbm: float | None  #: over the frames received; None if none were
    duty_cycle_s: float | None  #: the node's 868 MHz airtime in the rolling hour (None on 2.4 GHz)

    @property
    def per(self) -> float | None:
        """Packet error rate over both directions (None if nothing could be sent)."""
        return None if self.sent == 0 else 1.0 - self.received / self.sent


@dataclass(frozen=True, slots=True)
class SurveyReport:
    home: str
    seconds: float
    seed: int
    links: dict[Band, tuple[LinkReport, ...]]
    hub_duty_cycle_s: dict[str, float]  #: each hub's 868 MHz airtime in the rolling hour at the end

    def to_dict(self) -> dict:
        """JSON-ready form (the CLI's --json)."""
        return {
            "home": self.home,
            "seconds": self.seconds,
            "seed": self.seed,
            "bands": {
                band.value: [
                    {
                        "node": r.node,
                        "role": r.role,
                        "hub": r.hub,
                        "distance_m": round(r.distance_m, 2),
                        "walls": r.walls,
                        "floors": r.floors,
                        "enclosure": r.enclosure,
                        "enclosure_db": round(r.enclosure_db, 1),
                        "mean_rssi_dbm": _round(r.mean_rssi_dbm),
                        "per": _round(r.per, 4),
                        "sent": r.sent,
                        "received": r.received,
                        "refused": r.refused,
                        "duty_cycle_s": _round(r.duty_cycle_s, 6),
                        "duty_cycle_percent": _round(None if r.duty_cycle_s is None else r.duty_cycle_s / 36, 4),
                    }
                    for r in reports
                ]
                for band, reports in self.links.items()
            },
            "hub_duty_cycle_s": {hub: round(s, 6) for hub, s in self.hub_duty_cycle_s.items()},
        }


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(slots=True)
class _Tally:
    sent: int = 0
    received: int = 0
    refused: int = 0
    rssi_sum: float = 0.0


def _hub(spec: NodeSpec) -> str:
    """The hub a non-hub node belongs to (a loaded floor plan always names it)."""
    if spec.hub is None:
        raise ValueError(f"node {spec.name!r} has no hub")
    return spec.hub


def _counting(count: Callable[[Band, ReceivedFrame, str], None], band: Band, name: str) -> Receiver:
    """A receiver that counts what `name`'s radio on `band` hears."""
    return lambda frame: count(band, frame, name)


def _frame(seq: int, pan: int, dst: int, src: int) -> bytes:
    """A PAN-compressed short/short data frame, no ACK request, padded to TEST_FRAME_OCTETS."""
    mhr = bytes((0x41, 0x88, seq & 0xFF)) + pan.to_bytes(2, "little") + dst.to_bytes(2, "little")
    mhr += src.to_bytes(2, "little")
    body = TEST_FRAME_OCTETS - len(mhr) - 2
    return append_fcs(mhr + (_PAYLOAD * body)[:body])


async def survey(
    home: FloorPlan,
    *,
    seconds: float = 60.0,
    seed: int = 0,
    interval: float = 1.0,
    sniffer: Receiver | None = None,
    progress: Progress | None = None,
) -> SurveyReport:
    """Place `home` on a fresh `Medium(seed)` and survey every node's link to its hub for `seconds`."""
    if seconds <= 0 or interval <= 0:
        raise ValueError("survey seconds and interval must be positive")
    medium = Medium(seed)
    placed = medium.add_home(home)
    if sniffer is not None:
        medium.add_sniffer(sniffer)
    hubs = [spec.name for spec in placed.nodes if spec.role == "hub"]
    members = [spec for spec in placed.nodes if spec.role != "hub"]
    hub_of = {spec.name: _hub(spec) for spec in members}
    pans = {hub: 0x1A00 + i for i, hub in enumerate(hubs)}
    shorts = {spec.name: 1 + i for i, spec in enumerate(members)}
    tallies = {(band, spec.name): _Tally() for band in Band for spec in members}
    by_short = {short: name for name, short in shorts.items()}

    def count(band: Band, frame: ReceivedFrame, name: str) -> None:
        tally = tallies[(band, name)]
        tally.received += 1
        tally.rssi_sum += frame.rssi

    def hub_receiver(band: Band) -> Receiver:
        def receive(frame: ReceivedFrame) -> None:
            source = peek(frame.psdu).src_addr
            name = None if source is None else by_short.get(source)
            if name is not None:
                count(band, frame, name)

        return receive

    radios: dict[tuple[Band, str], VirtualRadio] = {}
    for band in Band:
        for hub in hubs:
            radio = radios[(band, hub)] = medium.radio(hub, band)
            radio.set_address_filter(AddressFilter(pan_id=pans[hub], short_address=0, pan_coordinator=True))
            radio.set_receiver(hub_receiver(band))
        for spec in members:
            radio = radios[(band, spec.name)] = medium.radio(spec.name, band)
            radio.set_address_filter(AddressFilter(pan_id=pans[hub_of[spec.name]], short_address=shorts[spec.name]))
            radio.set_receiver(_counting(count, band, spec.name))
        for radio in (r for (b, _), r in radios.items() if b is band):
            await radio.set_channel(SURVEY_CHANNELS[band])

    slot = interval / max(1, len(members))
    rounds = math.ceil(seconds / interval - 1e-9)  # a part-round still runs: 0.5 s at 1 s intervals sends once

    async def send(sender: VirtualRadio, frame: bytes, tally: _Tally) -> None:
        result = await sender.transmit(frame, mode=TxMode.DIRECT)
        if result.status is TxStatus.SENT:
            tally.sent += 1
        elif result.status is TxStatus.DUTY_CYCLE:
            tally.refused += 1

    async def exchange(index: int, name: str, hub: str) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(index * slot)
        pan, short = pans[hub], shorts[name]
        for round_number in range(rounds):
            started = loop.time()
            up = _frame(round_number, pan, 0, short)
            await asyncio.gather(*(send(radios[(b, name)], up, tallies[(b, name)]) for b in Band))
            await asyncio.sleep(max(0.0, started + slot / 2 - loop.time()))
            down = _frame(round_number, pan, short, 0)
            await asyncio.gather(*(send(radios[(b, hub)], down, tallies[(b, name)]) for b in Band))
            await asyncio.sleep(max(0.0, started + interval - loop.time()))

    async def report_progress(report: Progress) -> None:
        step = seconds / 10
        for tick in range(1, 10):
            await asyncio.sleep(step)
            report(tick * step, seconds)

    ticker = asyncio.ensure_future(report_progress(progress)) if progress is not None else None
    await asyncio.gather(*(exchange(i, spec.name, hub_of[spec.name]) for i, spec in enumerate(members)))
    await asyncio.sleep(slot)  # let the last frames land
    if ticker is not None:
        ticker.cancel()
    now = asyncio.get_running_loop().time()
    links = {}
    for band in Band:
        rows = []
        for spec in members:
            tally = tallies[(band, spec.name)]
            hub = hub_of[spec.name]
            link = medium.link(spec.name, hub, band)
            boxes = [m for m in (spec.enclosure, placed.node(hub).enclosure) if m is not None]
            rows.append(
                LinkReport(
                    node=spec.name,
                    role=spec.role,
                    hub=hub,
                    distance_m=link.distance_m,
                    walls=len(link.walls),
                    floors=len(link.floors),
                    enclosure=" + ".join(m.name for m in boxes) or None,
                    enclosure_db=sum(m.loss_db(band) for m in boxes),
                    sent=tally.sent,
                    received=tally.received,
                    refused=tally.refused,
                    mean_rssi_dbm=tally.rssi_sum / tally.received if tally.received else None,
                    duty_cycle_s=medium.duty_cycle(spec.name).used(now) if band is Band.MHZ_868 else None,
                )
            )
        links[band] = tuple(rows)
    hub_duty = {hub: medium.duty_cycle(hub).used(now) for hub in hubs}
    return SurveyReport(home.name, seconds, seed, links, hub_duty)
