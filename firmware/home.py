"""A hub with a virtual home: the composition root of `commshub home` (architecture.md, `firmware.hub`).

Why: the project's main job runs a whole HAN with no hardware - a hub on our
ZigBee stack behind zigpy's `ControllerApplication`, the home's meters and
displays as emulated devices, all on `hal.virtual`'s air - and reports what
happened. This module is that assembly, once, for the CLI (`tools/home.py`),
the benchmark (`bench/zigbee_han.py`) and the tests. Nothing here reads a
file, the environment or a clock: the caller hands in the loaded `FloorPlan`, the
`Medium` it was placed on (with any sniffers and faults), the options and a
seeded RNG, and runs it on `hal.clock`'s loop (virtual time for simulation).

What a run does, per hub node of the home (a block of flats has several):
1. build the hub: a zigpy `ControllerApplication` on one `VirtualRadio` per
   band - 2.4 GHz, plus 868 MHz when dual band (the default when any device's
   2.4 GHz link budget to its hub is too weak, see `needs_sub_ghz`);
2. create an emulated device for each node of the hub by role (`EMULATED`;
   in a dual band network GSMEs and IHDs get an 868 MHz radio too); roles we
   cannot emulate yet are skipped with the reason in the report;
3. admit each device by install code through zigpy (`permit_with_link_key`),
   ESMEs first (they are routers others may join through), let it join on
   whichever band reaches, and wait for zigpy's interview to finish;
4. run the day: each IHD reads its ESME's CurrentSummationDelivered every
   `ihd_interval` s over its own stack; the hub reads every meter through
   zigpy every `hub_interval` s (a sleepy GSME's read waits for its poll);
5. report per device (role, EUI-64, NWK address, band, joined at, reads ok
   and failed, last value read, mean RSSI at the hub), 868 MHz duty cycle per
   node, frames on air and simulated time (`HomeReport`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import zigpy.config as conf
import zigpy.device
import zigpy.exceptions
import zigpy.types as t
import zigpy.util
import zigpy.zcl.foundation as zf

from firmware.devices import EmulatedDevice, electricity_meter, gas_meter, in_home_display
from firmware.devices.meters import CURRENT_SUMMATION_DELIVERED, METERING, PROFILE_SMART_ENERGY, SE_ENDPOINT
from firmware.zigbee import DeliveryFailed, JoinError, ZigbeeStack
from firmware.zigbee.application import ControllerApplication, eui64
from firmware.zigbee.aps import ApsIndication
from hal.radio import Band, Radio
from hal.virtual import BAND_MODELS, FloorPlan, Medium, NodeSpec
from protocols.zigbee import install_code_crc

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
#: zigpy request timeouts aside, how long one IHD read may wait for its answer (simulated seconds).
IHD_READ_TIMEOUT = 10.0


class HomeRunError(Exception):
    """The home cannot be run as asked (no hub node, an unknown hub name, bad options)."""


@dataclass(frozen=True)
class HomeOptions:
    """How to run the home; every default is what `commshub home` uses."""

    duration_s: float = 3600.0  #: simulated time of the day phase, after everyone joined
    dual_band: bool | None = None  #: None: dual band where a device needs 868 MHz (`needs_sub_ghz`)
    ihd_interval: float = 10.0  #: seconds between an IHD's reads of its ESME
    hub_interval: float = 60.0  #: seconds between the hub's zigpy reads of each meter
    gsme_poll: float = 7.5  #: the sleepy gas meter's poll period
    join_timeout: float = 120.0  #: simulated seconds a device may take to join and be interviewed
    hub: str | None = None  #: run only this hub's network (e.g. one flat); None: every hub
    progress_every: float = 60.0  #: simulated seconds between progress callbacks

    def __post_init__(self) -> None:
        for name in ("duration_s", "ihd_interval", "hub_interval", "gsme_poll", "join_timeout", "progress_every"):
            if not getattr(self, name) > 0:
                raise HomeRunError(f"option {name} must be positive, not {getattr(self, name)}")


@dataclass(frozen=True)
class DeviceReport:
    """One node of the home after the run.

    `reads_ok`/`reads_failed` count the reads this device is the subject of:
    for a meter the hub's zigpy reads of it, for an IHD its own reads of the
    ESME. `mean_rssi_dbm` is over the frames the hub received from it (last hop).
    """

    node: str
    role: str
    hub: str
    eui64: str | None = None
    nwk: int | None = None
    band: str | None = None
    joined_at_s: float | None = None
    reads_ok: int = 0
    reads_failed: int = 0
    last_value: int | None = None
    mean_rssi_dbm: float | None = None
    mac_frames_sent: int = 0
    error: str | None = None  #: why it did not join, or the first read failure
    skipped: str | None = None  #: why no device was emulated for this node

    @property
    def joined(self) -> bool:
        return self.joined_at_s is not None


@dataclass(frozen=True)
class HubReport:
    """One hub's network."""

    node: str
    eui64: str
    pan_id: int
    channel: int
    bands: tuple[str, ...]
    sub_ghz_channel: str | None
    network_key: str  #: hex, so a `--pcap` capture can be decrypted (Wireshark's ZigBee keys)


@dataclass(frozen=True)
class HomeReport:
    """What happened in the home; `ok` when every emulated device joined and no read failed."""

    home: str
    hubs: tuple[HubReport, ...]
    devices: tuple[DeviceReport, ...]
    simulated_s: float  #: from the first hub starting to the end of the day
    day_s: float  #: the day phase alone
    frames_on_air: int
    duty_cycle_s: dict[str, float] = field(default_factory=dict)  #: 868 MHz airtime in the last rolling hour

    def problems(self) -> list[str]:
        """One line per device that did not join or had a failed read."""
        lines = []
        for d in self.devices:
            if d.skipped is None and not d.joined:
                lines.append(f"{d.node} ({d.role}) did not join: {d.error}")
            elif d.reads_failed:
                lines.append(
                    f"{d.node} ({d.role}): {d.reads_failed} of {d.reads_ok + d.reads_failed} reads failed"
                    f" (first: {d.error})"
                )
        return lines

    @property
    def ok(self) -> bool:
        return not self.problems()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["problems"] = self.problems()
        return data


def install_code(rng: random.Random) -> bytes:
    """A fresh 16-octet install code followed by its CRC (radio.md 5.7)."""
    code = rng.randbytes(16)
    return code + install_code_crc(code)


def needs_sub_ghz(home: FloorPlan, medium: Medium, hub: str) -> bool:
    """Whether some device of `hub` has a 2.4 GHz link too weak to rely on (static budget, radio.md 4)."""
    model = BAND_MODELS[Band.GHZ_2_4]
    floor = model.noise_floor_dbm + REACH_MARGIN_DB
    return any(
        model.default_tx_dbm + medium.link(hub, n.name, Band.GHZ_2_4).gain_db < floor
        for n in home.nodes
        if n.hub == hub and n.role in EMULATED
    )


def _read_request(tsn: int) -> bytes:
    header = zf.ZCLHeader.general(tsn, zf.GeneralCommand.Read_Attributes)
    return header.serialize() + CURRENT_SUMMATION_DELIVERED.to_bytes(2, "little")


def _summation(payload: bytes) -> int | None:
    """CurrentSummationDelivered from a ZCL Read Attributes Response, or None if it holds no value."""
    try:
        _header, rest = zf.ZCLHeader.deserialize(payload)
        response, _ = zf.ReadAttributesResponse.deserialize(rest)
    except (ValueError, KeyError):
        return None
    for record in response.status_records:
        if record.attrid == CURRENT_SUMMATION_DELIVERED and record.status == zf.Status.SUCCESS:
            return int(record.value.value)
    return None


class ZclReader:
    """Reads CurrentSummationDelivered from other nodes over a bare `ZigbeeStack` (an IHD's side; no zigpy).

    Answers are matched to the waiting request by source and ZCL sequence number and consumed;
    every other indication goes on to the stack's previous `on_message` (the device's own ZCL/ZDO server).
    """

    def __init__(self, stack: ZigbeeStack) -> None:
        self._stack = stack
        self._pending: dict[tuple[int, int], asyncio.Future[bytes]] = {}
        self._tsn = 0
        self._next = stack.on_message
        stack.on_message = self._indication

    def _indication(self, ind: ApsIndication) -> None:
        if ind.cluster == METERING and len(ind.payload) > 1:
            waiter = self._pending.pop((ind.src, ind.payload[1]), None)
            if waiter is not None:
                if not waiter.done():
                    waiter.set_result(ind.payload)
                return
        if self._next is not None:
            self._next(ind)

    async def read(self, dst: int) -> int:
        """The summation at `dst`; raises DeliveryFailed, TimeoutError or ValueError (no value)."""
        self._tsn = (self._tsn + 1) & 0xFF
        key = (dst, self._tsn)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            await self._stack.send(
                dst,
                cluster=METERING,
                profile=PROFILE_SMART_ENERGY,
                src_endpoint=SE_ENDPOINT,
                dst_endpoint=SE_ENDPOINT,
                payload=_read_request(self._tsn),
            )
            payload = await asyncio.wait_for(future, IHD_READ_TIMEOUT)
        finally:
            self._pending.pop(key, None)
        value = _summation(payload)
        if value is None:
            raise ValueError("response without CurrentSummationDelivered")
        return value


class _Initialized:
    """zigpy listener: one future per EUI-64, resolved when zigpy has interviewed that device."""

    def __init__(self) -> None:
        self.waiting: dict[t.EUI64, asyncio.Future[zigpy.device.Device]] = {}

    def expect(self, ieee: t.EUI64) -> asyncio.Future[zigpy.device.Device]:
        return self.waiting.setdefault(ieee, asyncio.get_running_loop().create_future())

    def device_initialized(self, device: zigpy.device.Device) -> None:
        future = self.waiting.get(device.ieee)
        if future is not None and not future.done():
            future.set_result(device)


@dataclass
class _Member:
    """A node of a hub's network while the run goes on (mutable tallies; frozen into DeviceReport)."""

    spec: NodeSpec
    device: EmulatedDevice | None = None
    zigpy_device: zigpy.device.Device | None = None
    joined_at: float | None = None
    reads_ok: int = 0
    reads_failed: int = 0
    last_value: int | None = None
    error: str | None = None
    skipped: str | None = None

    def read_done(self, value: int | None, error: str | None) -> None:
        if error is None:
            self.reads_ok += 1
            self.last_value = value
        else:
            self.reads_failed += 1
            self.error = self.error or error


class _Network:
    """One hub, its zigpy application and its members."""

    def __init__(self, hub: NodeSpec, app: ControllerApplication, bands: tuple[Band, ...]) -> None:
        self.hub = hub
        self.app = app
        self.bands = bands
        self.members: list[_Member] = []
        self.listener = _Initialized()
        app.add_listener(self.listener)
        self._rssi: dict[int, tuple[float, int]] = {}
        delivered = app.stack.on_message
        assert delivered is not None

        def tap(ind: ApsIndication) -> None:
            total, count = self._rssi.get(ind.src, (0.0, 0))
            self._rssi[ind.src] = (total + ind.rssi, count + 1)
            delivered(ind)

        app.stack.on_message = tap

    def mean_rssi(self, nwk: int | None) -> float | None:
        total, count = self._rssi.get(nwk, (0.0, 0)) if nwk is not None else (0.0, 0)
        return round(total / count, 1) if count else None


async def run_home(
    home: FloorPlan,
    medium: Medium,
    options: HomeOptions = HomeOptions(),
    *,
    rng: random.Random,
    progress: Callable[[float, float], None] | None = None,
) -> HomeReport:
    """Run `home` (already placed on `medium`) as described in the module docstring.

    `rng` seeds the install codes and network settings; `progress(done_s, total_s)` is called every
    `options.progress_every` simulated seconds of the day. Raises HomeRunError for a home without a
    hub or an unknown `options.hub`; device failures are reported, not raised."""
    every_hub = [n for n in home.nodes if n.role == "hub"]
    # Each hub's channels, PAN, keys and install codes come from its place in the whole home and its
    # own RNG, so `--hub NAME` rebuilds exactly the network that hub has in a run of the whole home.
    hub_seeds = {n.name: rng.getrandbits(64) for n in every_hub}
    hubs = [n for n in every_hub if options.hub is None or n.name == options.hub]
    if not hubs:
        known = ", ".join(n.name for n in home.nodes if n.role == "hub") or "none"
        wanted = f"no hub node {options.hub!r}" if options.hub else "no hub node"
        raise HomeRunError(f"home {home.name!r}: {wanted} (hubs: {known})")
    loop = asyncio.get_running_loop()
    start = loop.time()
    networks: list[_Network] = []
    try:
        for hub in hubs:
            hub_rng = random.Random(hub_seeds[hub.name])
            network = await _start_hub(home, medium, hub, every_hub.index(hub), options, hub_rng)
            networks.append(network)
            await _join_all(network, home, medium, options, hub_rng, start)
        day_start = loop.time()
        end = day_start + options.duration_s
        tasks = [_day(network, day_start, end, options) for network in networks]
        if progress is not None:
            tasks.append(_progress(progress, day_start, end, options.progress_every))
        await asyncio.gather(*tasks)
        now = loop.time()
        return _report(home, medium, networks, now - start, now - day_start, now)
    finally:
        for network in networks:
            for member in network.members:
                if member.device is not None:
                    await member.device.close()
            await network.app.shutdown()


async def _start_hub(
    home: FloorPlan, medium: Medium, hub: NodeSpec, index: int, options: HomeOptions, rng: random.Random
) -> _Network:
    """The `index`-th hub of the home: its own 2.4 GHz channel and, when dual band, its own 868 MHz one."""
    dual = needs_sub_ghz(home, medium, hub.name) if options.dual_band is None else options.dual_band
    bands = (Band.GHZ_2_4, Band.MHZ_868) if dual else (Band.GHZ_2_4,)
    radios = [medium.radio(hub.name, band) for band in bands]
    sub_ghz = sorted(c for r in radios[1:] for c in r.info.channels if c.band is Band.MHZ_868)
    config = {
        conf.CONF_DEVICE: {conf.CONF_DEVICE_PATH: "commshub:virtual"},
        conf.CONF_NWK: {
            conf.CONF_NWK_CHANNEL: HUB_CHANNELS[index % len(HUB_CHANNELS)],
            conf.CONF_NWK_PAN_ID: rng.randrange(0x0001, 0xFFF7),
            conf.CONF_NWK_EXTENDED_PAN_ID: ":".join(f"{b:02x}" for b in rng.randbytes(8)),
            conf.CONF_NWK_KEY: list(rng.randbytes(16)),
        },
        conf.CONF_TOPO_SCAN_ENABLED: False,
        "commshub": {"radios": radios, "sub_ghz_channels": [sub_ghz[index % len(sub_ghz)]] if sub_ghz else None},
    }
    app = await ControllerApplication.new(config, auto_form=True)
    return _Network(hub, app, bands)


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
    network: _Network, home: FloorPlan, medium: Medium, options: HomeOptions, rng: random.Random, start: float
) -> None:
    """Admit and join every emulated node of the hub, routers (ESMEs) first."""
    specs = [n for n in home.nodes if n.hub == network.hub.name]
    specs.sort(key=lambda n: n.role != "esme")
    stack = network.app.stack
    channels = [[mac.channel] for mac in stack.macs]
    for spec in specs:
        member = _Member(spec)
        network.members.append(member)
        if spec.role not in EMULATED:
            member.skipped = f"no emulated device for role {spec.role!r} yet (emulated: {', '.join(EMULATED)})"
            continue
        code = install_code(rng)
        bands = network.bands if spec.role in SUB_GHZ_ROLES else (Band.GHZ_2_4,)
        device = _build(spec, [medium.radio(spec.name, band) for band in bands], code, options, rng)
        member.device = device
        ieee = eui64(device.ieee)
        interviewed = network.listener.expect(ieee)
        await network.app.permit_with_link_key(
            ieee, zigpy.util.convert_install_code(code), time_s=int(options.join_timeout)
        )
        try:
            async with asyncio.timeout(options.join_timeout):
                await device.join(channels=channels)
                member.zigpy_device = await interviewed
        except (JoinError, TimeoutError, DeliveryFailed, zigpy.exceptions.ZigbeeException) as e:
            member.error = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            LOGGER.info("%s did not join: %s", spec.name, member.error)
            continue
        member.joined_at = asyncio.get_running_loop().time() - start


async def _every(interval: float, start: float, end: float, action: Callable[[], Awaitable[None]]) -> None:
    """Call `action` at start, start + interval, ... while before `end`; a slot missed because the
    previous call ran long is skipped, not made up (due times are exact multiples, so no float drift)."""
    loop = asyncio.get_running_loop()
    slot = 0
    while (due := start + slot * interval) < end:
        await asyncio.sleep(max(0.0, due - loop.time()))
        await action()
        slot = max(slot + 1, math.ceil((loop.time() - start) / interval))


async def _hub_read(network: _Network, member: _Member) -> None:
    assert member.zigpy_device is not None
    cluster = member.zigpy_device.endpoints[SE_ENDPOINT].in_clusters[METERING]
    try:
        values, failures = await cluster.read_attributes(["current_summ_delivered"], allow_cache=False)
    except (zigpy.exceptions.ZigbeeException, TimeoutError) as e:
        member.read_done(None, f"{type(e).__name__}: {e}")
        return
    if "current_summ_delivered" in values:
        member.read_done(int(values["current_summ_delivered"]), None)
    else:
        member.read_done(None, f"read refused: {failures}")


async def _ihd_read(reader: ZclReader, member: _Member, esme: EmulatedDevice) -> None:
    try:
        value = await reader.read(esme.nwk)
    except (DeliveryFailed, TimeoutError, ValueError) as e:
        member.read_done(None, f"{type(e).__name__}: {e}")
        return
    member.read_done(value, None)


async def _day(network: _Network, start: float, end: float, options: HomeOptions) -> None:
    joined = [m for m in network.members if m.joined_at is not None and m.device is not None]
    esme = next((m.device for m in joined if m.spec.role == "esme"), None)
    tasks = []
    for member in joined:
        if member.spec.role in ("esme", "gsme"):
            tasks.append(_every(options.hub_interval, start, end, lambda m=member: _hub_read(network, m)))
        elif member.spec.role == "ihd" and esme is not None:
            reader = ZclReader(member.device.stack)  # type: ignore[union-attr]
            tasks.append(_every(options.ihd_interval, start, end, lambda r=reader, m=member: _ihd_read(r, m, esme)))
    await asyncio.gather(*tasks)
    remaining = end - asyncio.get_running_loop().time()
    if remaining > 0:
        await asyncio.sleep(remaining)


async def _progress(report: Callable[[float, float], None], start: float, end: float, every: float) -> None:
    loop = asyncio.get_running_loop()
    while loop.time() + every < end:
        await asyncio.sleep(every)
        report(loop.time() - start, end - start)


def _report(
    home: FloorPlan, medium: Medium, networks: list[_Network], simulated: float, day: float, now: float
) -> HomeReport:
    hubs, devices, duty = [], [], {}
    for network in networks:
        stack = network.app.stack
        info = network.app.state.network_info
        hubs.append(
            HubReport(
                node=network.hub.name,
                eui64=str(network.app.state.node_info.ieee),
                pan_id=int(info.pan_id),
                channel=int(info.channel),
                bands=tuple(b.value for b in network.bands),
                sub_ghz_channel=str(stack.macs[1].channel) if len(stack.macs) > 1 else None,
                network_key=bytes(info.network_key.key).hex(),
            )
        )
        if Band.MHZ_868 in network.bands:
            duty[network.hub.name] = round(medium.duty_cycle(network.hub.name).used(now), 6)
        for m in network.members:
            devices.append(_device_report(network, m))
            if m.device is not None and any(mac.band is Band.MHZ_868 for mac in m.device.stack.macs):
                duty[m.spec.name] = round(medium.duty_cycle(m.spec.name).used(now), 6)
    return HomeReport(
        home=home.name,
        hubs=tuple(hubs),
        devices=tuple(devices),
        simulated_s=round(simulated, 6),
        day_s=round(day, 6),
        frames_on_air=medium.stats.transmissions,
        duty_cycle_s=duty,
    )


def _device_report(network: _Network, m: _Member) -> DeviceReport:
    base = DeviceReport(node=m.spec.name, role=m.spec.role, hub=network.hub.name, skipped=m.skipped, error=m.error)
    device = m.device
    if device is None:
        return base
    parent_iface = device.stack.nwk.state.parent_iface
    joined = m.joined_at is not None
    return DeviceReport(
        node=m.spec.name,
        role=m.spec.role,
        hub=network.hub.name,
        eui64=str(eui64(device.ieee)),
        nwk=device.nwk if joined else None,
        band=parent_iface.band.value if joined and parent_iface is not None else None,
        joined_at_s=None if m.joined_at is None else round(m.joined_at, 6),
        reads_ok=m.reads_ok,
        reads_failed=m.reads_failed,
        last_value=m.last_value,
        mean_rssi_dbm=network.mean_rssi(device.nwk) if joined else None,
        mac_frames_sent=sum(mac.counters.sent for mac in device.stack.macs),
        error=m.error,
    )
