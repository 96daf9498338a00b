"""A simulated day of a home: hubs, the emulated meters and displays, on `hal.virtual`'s air (`commshub home`).

Why here, above firmware (architecture.md: simulations compose a medium, hubs
and devices): the project's main job runs a whole HAN with no hardware and
reports what happened. This module is that scenario, once, for the CLI
(`tools/home.py`), the benchmark (`bench/zigbee_han.py`) and the tests. The
hub itself is built by `firmware.hub` (radio-agnostic: it is handed virtual
radios here), the devices by `firmware.devices`. Nothing here reads a file,
the environment or a clock: the caller hands in the loaded floor plan, the
`Medium` it was placed on (with any sniffers and faults), the options and a
seeded RNG, and runs it on `hal.clock`'s loop (virtual time for simulation).

What a run does, per hub node of the home (a block of flats has several):
1. start the hub's HAN (`firmware.hub.HubHan`) on one `VirtualRadio` per band
   - 2.4 GHz, plus 868 MHz when dual band (the default when any device's
   2.4 GHz link budget to its hub is too weak, see `needs_sub_ghz`);
2. create an emulated device for each node of the hub by role (`EMULATED`;
   in a dual band network GSMEs and IHDs get an 868 MHz radio too); roles we
   cannot emulate yet are skipped with the reason in the report;
3. admit each device by install code, ESMEs first (they are routers others
   may join through), let it join on whichever band reaches (retrying as real
   devices do), and wait for zigpy's interview to finish; progress is
   reported from the first join on;
4. run the day: each IHD reads its ESME's CurrentSummationDelivered every
   `ihd_interval` s over its own stack; the hub reads every meter through
   zigpy every `hub_interval` s (a sleepy GSME's read waits for its poll);
5. report per device (role, EUI-64, NWK address, band, joined at, reads ok
   and failed, last value read, mean RSSI at the hub), 868 MHz duty cycle per
   node, frames on air and simulated time (`report.HomeReport`), with the
   run's timeline for plots (`timeline.Timeline`: joins, every read, what the
   hub heard from each device, airtime and traffic per minute).

A device's failure - to join, to answer - is reported, never raised.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

import zigpy.device
import zigpy.exceptions

from firmware.devices import EmulatedDevice, electricity_meter, gas_meter, in_home_display
from firmware.devices.meters import METERING, SE_ENDPOINT
from firmware.devices.zcl_client import ZclReader
from firmware.hub import HanSettings, HubHan
from firmware.zigbee import DeliveryFailed, JoinError
from firmware.zigbee.application import eui64
from firmware.zigbee.aps import ApsIndication
from hal.radio import Band, Radio
from hal.virtual import BAND_MODELS, FloorPlan, Medium, NodeSpec
from protocols.zigbee import install_code_crc

from .report import DeviceReport, HomeReport, HubReport, Progress
from .timeline import AirRecorder, DeviceTimeline, HubEars, ReadSeries, RssiSeries, Timeline

LOGGER = logging.getLogger(__name__)

#: Roles we build an emulated device for (firmware.devices); others are skipped with a reason.
EMULATED = ("esme", "gsme", "ihd")
#: Roles given an 868 MHz radio beside the 2.4 GHz one in a dual band network (GB Dual Band devices;
#: the ESME stays on 2.4 GHz, next to the hub, as a router for the rest).
SUB_GHZ_ROLES = ("gsme", "ihd")
#: 2.4 GHz channels given to the hubs of a home in turn, so neighbouring flats do not share one.
HUB_CHANNELS = (15, 20, 25, 11, 26, 12, 13, 14, 16, 17, 18, 19, 21, 22, 23, 24)
#: A 2.4 GHz link whose budget leaves the signal less than this above the noise floor "needs" 868 MHz.
REACH_MARGIN_DB = 10.0

ProgressCallback = Callable[[Progress], None]


class HomeRunError(Exception):
    """The home cannot be run as asked (no hub node, an unknown hub name, bad options)."""


@dataclass(frozen=True, slots=True)
class HomeOptions:
    """How to run the home; every default is what `commshub home` uses."""

    duration_s: float = 3600.0  #: simulated time of the day phase, after everyone joined
    dual_band: bool | None = None  #: None: dual band where a device needs 868 MHz (`needs_sub_ghz`)
    ihd_interval: float = 10.0  #: seconds between an IHD's reads of its ESME
    hub_interval: float = 60.0  #: seconds between the hub's zigpy reads of each meter
    gsme_poll: float = 7.5  #: the sleepy gas meter's poll period
    join_timeout: float = 120.0  #: simulated seconds a device may take to join and be interviewed
    hub: str | None = None  #: run only this hub's network (e.g. one flat); None: every hub
    progress_every: float = 60.0  #: simulated seconds between progress callbacks of the day

    def __post_init__(self) -> None:
        for name in ("duration_s", "ihd_interval", "hub_interval", "gsme_poll", "join_timeout", "progress_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
                raise HomeRunError(f"option {name} must be a positive finite number, not {value!r}")


def install_code(rng: random.Random) -> bytes:
    """A fresh 16-octet install code followed by its CRC (radio.md 5.7)."""
    code = rng.randbytes(16)
    return code + install_code_crc(code)


def needs_sub_ghz(floorplan: FloorPlan, medium: Medium, hub: str) -> bool:
    """Whether some device of `hub` has a 2.4 GHz link too weak to rely on (static budget, radio.md 4)."""
    model = BAND_MODELS[Band.GHZ_2_4]
    floor = model.noise_floor_dbm + REACH_MARGIN_DB
    return any(
        model.default_tx_dbm + medium.link(hub, n.name, Band.GHZ_2_4).gain_db < floor
        for n in floorplan.nodes
        if n.hub == hub and n.role in EMULATED
    )


@dataclass(slots=True)
class _Member:
    """A node of a hub's network while the run goes on (mutable tallies; frozen into DeviceReport)."""

    spec: NodeSpec
    origin: float  #: loop time at the start of the run (timeline times are relative to it)
    device: EmulatedDevice | None = None
    zigpy_device: zigpy.device.Device | None = None
    join_started: float | None = None
    join_ended: float | None = None  #: joined and interviewed, or gave up
    joined_at: float | None = None
    reads_ok: int = 0
    reads_failed: int = 0
    last_value: int | None = None
    error: str | None = None
    skipped: str | None = None
    reads: ReadSeries = field(default_factory=ReadSeries)

    def read_done(self, started: float, value: int | None, error: str | None) -> None:
        """Tally a read that began at loop time `started` and ends now."""
        self.reads.add(started - self.origin, asyncio.get_running_loop().time() - started, error is None)
        if error is None:
            self.reads_ok += 1
            self.last_value = value
        else:
            self.reads_failed += 1
            self.error = self.error or error


class _Network:
    """One hub's HAN, its members, and the RSSI of what the hub hears from each."""

    def __init__(self, hub: NodeSpec, han: HubHan, bands: tuple[Band, ...], air: AirRecorder) -> None:
        self.hub = hub
        self.han = han
        self.bands = bands
        self.air = air  #: the run's air recorder, told which nodes have an 868 MHz radio
        self.members: list[_Member] = []
        self._rssi: dict[int, tuple[float, int]] = {}
        self.ears = HubEars(asyncio.get_running_loop().time, air.start)
        for mac in han.stack.macs:
            self.ears.tap(mac)
        if Band.MHZ_868 in bands:
            air.watch_duty(hub.name)
        delivered = han.stack.on_message
        assert delivered is not None

        def tap(ind: ApsIndication) -> None:
            total, count = self._rssi.get(ind.src, (0.0, 0))
            self._rssi[ind.src] = (total + ind.rssi, count + 1)
            delivered(ind)

        han.stack.on_message = tap

    def mean_rssi(self, nwk: int | None) -> float | None:
        total, count = self._rssi.get(nwk, (0.0, 0)) if nwk is not None else (0.0, 0)
        return round(total / count, 1) if count else None


async def run_home(
    home: FloorPlan,
    medium: Medium,
    options: HomeOptions = HomeOptions(),
    *,
    rng: random.Random,
    progress: ProgressCallback | None = None,
) -> HomeReport:
    """Run `home` (already placed on `medium`) as described in the module docstring.

    `rng` seeds the install codes and network settings; `progress` is called
    after each device's join and every `options.progress_every` simulated
    seconds of the day. Raises HomeRunError for a home without a hub or an
    unknown `options.hub`; device failures are reported, not raised."""
    every_hub = [n for n in home.nodes if n.role == "hub"]
    # Each hub's channels, PAN, keys and install codes come from its place in the whole home and its
    # own RNG, so `--hub NAME` rebuilds exactly the network that hub has in a run of the whole home.
    hub_seeds = {n.name: rng.getrandbits(64) for n in every_hub}
    hubs = [n for n in every_hub if options.hub is None or n.name == options.hub]
    if not hubs:
        known = ", ".join(n.name for n in every_hub) or "none"
        wanted = f"no hub node {options.hub!r}" if options.hub else "no hub node"
        raise HomeRunError(f"home {home.name!r}: {wanted} (hubs: {known})")
    hub_names = {n.name for n in hubs}
    joining = Progress("joining", 0, sum(1 for n in home.nodes if n.hub in hub_names and n.role in EMULATED))
    loop = asyncio.get_running_loop()
    start = loop.time()
    air = AirRecorder(medium, start)
    medium.add_sniffer(air)
    networks: list[_Network] = []
    try:
        for hub in hubs:
            hub_rng = random.Random(hub_seeds[hub.name])
            network = await _start_hub(home, medium, hub, every_hub.index(hub), options, hub_rng, air)
            networks.append(network)
            joining = await _join_all(network, home, medium, options, hub_rng, start, joining, progress)
        day_start = loop.time()
        end = day_start + options.duration_s
        tasks = [_day(network, day_start, end, options) for network in networks]
        if progress is not None:
            tasks.append(_progress(progress, day_start, end, options.progress_every))
        await asyncio.gather(*tasks)
        now = loop.time()
        report = _report(home, medium, networks, now - start, now - day_start, now)
        frames, duty = air.finish(now)
        timeline = Timeline(
            end_s=now - start,
            day_start_s=day_start - start,
            devices=tuple(_device_timeline(network, member) for network in networks for member in network.members),
            frames_per_minute=frames,
            duty=duty,
        )
        return replace(report, timeline=timeline)
    finally:
        medium.remove_sniffer(air)
        for network in networks:
            for member in network.members:
                if member.device is not None:
                    await member.device.close()
            await network.han.shutdown()


async def _start_hub(
    home: FloorPlan,
    medium: Medium,
    hub: NodeSpec,
    index: int,
    options: HomeOptions,
    rng: random.Random,
    air: AirRecorder,
) -> _Network:
    """The `index`-th hub of the home: its own 2.4 GHz channel and, when dual band, its own 868 MHz one."""
    dual = needs_sub_ghz(home, medium, hub.name) if options.dual_band is None else options.dual_band
    bands = (Band.GHZ_2_4, Band.MHZ_868) if dual else (Band.GHZ_2_4,)
    radios = [medium.radio(hub.name, band) for band in bands]
    sub_ghz = sorted(c for r in radios[1:] for c in r.info.channels if c.band is Band.MHZ_868)
    settings = HanSettings.random(
        rng,
        channel=HUB_CHANNELS[index % len(HUB_CHANNELS)],
        sub_ghz_channel=sub_ghz[index % len(sub_ghz)] if sub_ghz else None,
    )
    return _Network(hub, await HubHan.start(radios, settings), bands, air)


def _build(
    spec: NodeSpec, radios: list[Radio], code: bytes, options: HomeOptions, rng: random.Random
) -> EmulatedDevice:
    """The emulated device for a node's role; meters start with a random register (Wh, or dm3 of gas)."""
    if spec.role == "esme":
        return electricity_meter(radios, code, reading=rng.randrange(1_000, 100_000_000))
    if spec.role == "gsme":
        return gas_meter(radios, code, reading=rng.randrange(1_000, 10_000_000), poll_period=options.gsme_poll)
    return in_home_display(radios, code)


async def _join_all(
    network: _Network,
    home: FloorPlan,
    medium: Medium,
    options: HomeOptions,
    rng: random.Random,
    start: float,
    joining: Progress,
    progress: ProgressCallback | None,
) -> Progress:
    """Admit and join every emulated node of the hub, routers (ESMEs) first; returns the joining progress."""
    specs = [n for n in home.nodes if n.hub == network.hub.name]
    specs.sort(key=lambda spec: spec.role != "esme")
    channels = [[mac.channel] for mac in network.han.stack.macs]
    loop = asyncio.get_running_loop()
    for spec in specs:
        member = _Member(spec, origin=start)
        network.members.append(member)
        if spec.role not in EMULATED:
            member.skipped = f"no emulated device for role {spec.role!r} yet (emulated: {', '.join(EMULATED)})"
            continue
        code = install_code(rng)
        bands = network.bands if spec.role in SUB_GHZ_ROLES else (Band.GHZ_2_4,)
        device = _build(spec, [medium.radio(spec.name, band) for band in bands], code, options, rng)
        member.device = device
        if Band.MHZ_868 in bands:
            network.air.watch_duty(spec.name)
        member.join_started = loop.time() - start
        interviewed = await network.han.admit(device.ieee, code, time_s=int(options.join_timeout))
        try:
            async with asyncio.timeout(options.join_timeout):
                await device.join(channels=channels)
                member.zigpy_device = await interviewed
        except (JoinError, TimeoutError, DeliveryFailed, zigpy.exceptions.ZigbeeException) as error:
            member.error = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            LOGGER.info("%s did not join: %s", spec.name, member.error)
        else:
            member.joined_at = loop.time() - start
        member.join_ended = loop.time() - start
        joining = Progress("joining", joining.done + 1, joining.total)
        if progress is not None:
            progress(joining)
    return joining


async def _every(interval: float, start: float, end: float, action: Callable[[], Awaitable[None]]) -> None:
    """Call `action` at start, start + interval, ... while before `end`; a slot missed because the
    previous call ran long is skipped, not made up (due times are exact multiples, so no float drift)."""
    loop = asyncio.get_running_loop()
    slot = 0
    while (due := start + slot * interval) < end:
        await asyncio.sleep(max(0.0, due - loop.time()))
        await action()
        slot = max(slot + 1, math.ceil((loop.time() - start) / interval))


async def _hub_read(member: _Member) -> None:
    assert member.zigpy_device is not None
    cluster = member.zigpy_device.endpoints[SE_ENDPOINT].in_clusters[METERING]
    started = asyncio.get_running_loop().time()
    try:
        values, failures = await cluster.read_attributes(["current_summ_delivered"], allow_cache=False)
    except (zigpy.exceptions.ZigbeeException, TimeoutError) as error:
        member.read_done(started, None, f"{type(error).__name__}: {error}")
        return
    if "current_summ_delivered" in values:
        member.read_done(started, int(values["current_summ_delivered"]), None)
    else:
        member.read_done(started, None, f"read refused: {failures}")


async def _ihd_read(reader: ZclReader, member: _Member, esme: EmulatedDevice) -> None:
    started = asyncio.get_running_loop().time()
    try:
        value = await reader.read(esme.nwk)
    except (DeliveryFailed, TimeoutError, ValueError) as error:
        member.read_done(started, None, f"{type(error).__name__}: {error}")
        return
    member.read_done(started, value, None)


def _hub_reading(member: _Member) -> Callable[[], Awaitable[None]]:
    return lambda: _hub_read(member)


def _ihd_reading(reader: ZclReader, member: _Member, esme: EmulatedDevice) -> Callable[[], Awaitable[None]]:
    return lambda: _ihd_read(reader, member, esme)


async def _day(network: _Network, start: float, end: float, options: HomeOptions) -> None:
    joined = [m for m in network.members if m.joined_at is not None and m.device is not None]
    esme = next((m.device for m in joined if m.spec.role == "esme"), None)
    tasks = []
    for member in joined:
        if member.spec.role in ("esme", "gsme"):
            tasks.append(_every(options.hub_interval, start, end, _hub_reading(member)))
        elif member.spec.role == "ihd" and esme is not None and member.device is not None:
            reader = ZclReader(member.device.stack)
            tasks.append(_every(options.ihd_interval, start, end, _ihd_reading(reader, member, esme)))
    await asyncio.gather(*tasks)
    remaining = end - asyncio.get_running_loop().time()
    if remaining > 0:
        await asyncio.sleep(remaining)


async def _progress(report: ProgressCallback, start: float, end: float, every: float) -> None:
    loop = asyncio.get_running_loop()
    while loop.time() + every < end:
        await asyncio.sleep(every)
        report(Progress("day", loop.time() - start, end - start))


def _report(
    home: FloorPlan, medium: Medium, networks: list[_Network], simulated: float, day: float, now: float
) -> HomeReport:
    hubs, devices, duty = [], [], {}
    for network in networks:
        app = network.han.app
        stack = network.han.stack
        info = app.state.network_info
        hubs.append(
            HubReport(
                node=network.hub.name,
                eui64=str(app.state.node_info.ieee),
                pan_id=int(info.pan_id),
                channel=int(info.channel),
                bands=tuple(b.value for b in network.bands),
                sub_ghz_channel=str(stack.macs[1].channel) if len(stack.macs) > 1 else None,
                network_key=bytes(info.network_key.key).hex(),
            )
        )
        if Band.MHZ_868 in network.bands:
            duty[network.hub.name] = round(medium.duty_cycle(network.hub.name).used(now), 6)
        for member in network.members:
            devices.append(_device_report(network, member))
            if member.device is not None and any(mac.band is Band.MHZ_868 for mac in member.device.stack.macs):
                duty[member.spec.name] = round(medium.duty_cycle(member.spec.name).used(now), 6)
    return HomeReport(
        home=home.name,
        hubs=tuple(hubs),
        devices=tuple(devices),
        simulated_s=round(simulated, 6),
        day_s=round(day, 6),
        frames_on_air=medium.stats.transmissions,
        duty_cycle_s=duty,
    )


def _device_report(network: _Network, member: _Member) -> DeviceReport:
    base = DeviceReport(
        node=member.spec.name, role=member.spec.role, hub=network.hub.name, skipped=member.skipped, error=member.error
    )
    device = member.device
    if device is None:
        return base
    parent_iface = device.stack.nwk.state.parent_iface
    joined = member.joined_at is not None
    return DeviceReport(
        node=member.spec.name,
        role=member.spec.role,
        hub=network.hub.name,
        eui64=str(eui64(device.ieee)),
        nwk=device.nwk if joined else None,
        band=parent_iface.band.value if joined and parent_iface is not None else None,
        joined_at_s=None if member.joined_at is None else round(member.joined_at, 6),
        reads_ok=member.reads_ok,
        reads_failed=member.reads_failed,
        last_value=member.last_value,
        mean_rssi_dbm=network.mean_rssi(device.nwk) if joined else None,
        mac_frames_sent=sum(mac.counters.sent for mac in device.stack.macs),
        error=member.error,
    )


def _device_timeline(network: _Network, member: _Member) -> DeviceTimeline:
    device = member.device
    joined = member.joined_at is not None
    parent_iface = device.stack.nwk.state.parent_iface if device is not None and joined else None
    return DeviceTimeline(
        node=member.spec.name,
        role=member.spec.role,
        hub=network.hub.name,
        join_started_s=member.join_started,
        join_ended_s=member.join_ended,
        joined=joined,
        band=None if parent_iface is None else parent_iface.band.value,
        reads=member.reads,
        rssi=RssiSeries() if device is None else network.ears.series(device.nwk if joined else None, device.ieee),
    )
