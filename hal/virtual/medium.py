"""The simulated air: transmissions in flight on each channel, and who hears what (radio.md 4.6).

Theory of operation
-------------------
The medium is split by job: `placement` says where nodes stand and what each
link's static gain is, `listeners` keeps who is tuned where and picks the
radios a frame may concern, `reception.judge` decides (as a pure function)
how likely one receiver is to decode one frame, and this module is the air
itself - transmissions in flight, delivery, carrier sense, jams, sniffers,
duty-cycle meters and injected faults.

The seam to the radios is small and public. A radio calls:
* `attach(radio)` after any change of channel, address filter or mode (the
  medium files it in its channel's indexes), `listen_for_acks(radio, wanted)`
  when it starts or stops waiting for an ACK, `detach(radio)` when it closes;
* `transmit(radio, psdu, header, airtime)` to put a frame on the air (the
  returned `Transmission`'s `done` resolves at its end), `abort(transmission)`
  to cut one short;
* `energy(radio, duration)` for CCA and energy detection.
The medium calls the radio's `deliver(frame, header)` with each frame it
receives, and reads its public state (node, channel, filter, caps flags).

* Time is the running asyncio loop's (`hal.clock`): a transmission occupies
  its channel from `start` to `end = start + airtime` and is judged at `end`
  by a `loop.call_at` callback, so in a `VirtualTimeLoop` an hour of traffic
  costs only the callbacks it needs. Randomness comes only from the seed:
  link shadowing is a pure function of (seed, band, node pair), per-frame
  draws come from the medium's `random.Random(seed)` in event order.
* Per frame, only radios that can be concerned and can hear the sender at all
  are visited: the addressee(s) through per-channel indexes keyed by (PAN ID,
  short address) and EUI-64, promiscuous and unfiltered radios, ACK
  listeners, and for broadcasts the sender's cached list of nodes that can
  hear it. Nodes that cannot hear a frame cost nothing, however many homes
  share the channel.
* An aborted frame (channel change, close, power-off) leaves the air at the
  abort: its `end` is cut to that instant.
* Receiver and sniffer exceptions are kept and raised by `check()` (which
  every transmit calls); a fault in the medium's own end-of-frame work still
  completes the sender's transmission, so nothing can hang a sender.
* A receiver must be powered and tuned to the channel for the whole frame
  and not transmitting during it (half-duplex); then `reception.judge` gives
  the chance it decodes the frame, drawn once, and `faults.frame_loss` drops
  a seeded fraction of what would arrive. Damaged frames reach only
  promiscuous radios (with a flipped bit, so their FCS really is wrong);
  everything else is silently lost, as on real air.
* CCA and energy detect read the summed in-channel power at the instants a
  transmission or jam begins within the measurement window (power only rises
  at those instants, so that is the peak).
* Bands never interfere; adjacent channels are not modelled (co-channel only).
"""

from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hal.duty_cycle import DEFAULT_PAGE
from hal.radio import Band, Channel, RadioCaps, RadioError, ReceivedFrame, Receiver
from protocols.ieee802154.header import Header
from protocols.ieee802154.phy import PhyTiming, timing

from .duty_cycle import DutyCycleMeter
from .floorplan import FloorPlan, Material, Point
from .listeners import Listeners
from .placement import Link, Node, Placement
from .propagation import BAND_MODELS, BandModel, dbm_to_mw, mw_to_dbm
from .reception import Overlap, clear_success, judge

if TYPE_CHECKING:
    from .radio import VirtualRadio


class MediumError(ValueError):
    """A value the medium cannot use (a fault probability, a jam), named in the message."""


def _finite(name: str, value: object) -> float:
    """`value` as a finite float, or MediumError naming `name` and the value."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise MediumError(f"{name} must be a finite number, not {value!r}")
    return float(value)


@dataclass(slots=True)
class Faults:
    """Injected faults; change them at any time. Values are checked when set (MediumError naming them).

    The check is in `__setattr__`, so reading a fault (once per frame) costs a
    plain attribute read.
    """

    frame_loss: float = 0.0  #: probability (0..1) that a frame which would be received is lost anyway

    def __setattr__(self, name: str, value: object) -> None:
        probability = _finite(name, value)
        if not 0.0 <= probability <= 1.0:
            raise MediumError(f"{name} must be a probability in [0, 1], not {value!r}")
        object.__setattr__(self, name, probability)


@dataclass(slots=True)
class MediumStats:
    """Counters for benchmarks and surveys."""

    transmissions: int = 0  #: frames put on the air (ACKs included)
    deliveries: int = 0  #: frames handed to a receiving radio (good or, to promiscuous radios, damaged)
    judged: int = 0  #: receptions judged (radio visits at a frame's end): the per-frame work


class Transmission:
    """A frame (or a jam) on one channel from `start` to `end`; `done` resolves (True unless aborted) at the end."""

    __slots__ = (
        "aborted",
        "bit",
        "channel",
        "done",
        "end",
        "header",
        "node",
        "overlaps",
        "psdu",
        "radio",
        "shr_end",
        "start",
        "tx_dbm",
        "uniform",
    )

    def __init__(
        self,
        node: Node | None,
        radio: VirtualRadio | None,
        channel: Channel,
        start: float,
        end: float,
        tx_dbm: float,
        psdu: bytes,
        header: Header | None,
        uniform: bool = False,
        phy: PhyTiming | None = None,
    ) -> None:
        if phy is None:
            phy = timing(channel.page)
        self.node = node
        self.radio = radio
        self.channel = channel
        self.start = start
        self.end = end
        self.shr_end = start + phy.shr_time if radio is not None else start
        self.bit = phy.bit
        self.tx_dbm = tx_dbm
        self.psdu = psdu
        self.header = header
        self.uniform = uniform  #: a jam heard at `tx_dbm` everywhere (no position)
        self.overlaps: list[Transmission] = []
        self.aborted = False
        self.done: asyncio.Future[bool] | None = None


@dataclass(slots=True)
class _EnergyWatch:
    """One CCA or energy detection in progress: the node measuring, and the peak power seen so far."""

    node: Node
    peak_mw: float = 0.0


@dataclass(slots=True)
class _ChannelAir:
    """What is on one channel's air now, and the CCAs / energy detections listening to it."""

    active: list[Transmission] = field(default_factory=list)
    watchers: list[_EnergyWatch] = field(default_factory=list)


class ReceiverError(RuntimeError):
    """A receiver or sniffer raised while the medium handed it a frame (raised by `Medium.check`)."""


def _now() -> float:
    return asyncio.get_running_loop().time()


class Medium:
    """The shared air of one or more homes: place nodes, make radios, inject faults, sniff."""

    def __init__(self, seed: int = 0, *, models: dict[Band, BandModel] | None = None) -> None:
        self.seed = seed
        self.models = dict(BAND_MODELS if models is None else models)
        self.faults = Faults()
        self.stats = MediumStats()
        self.rng = random.Random(seed)
        self.placement = Placement(seed, self.models)
        self._clear_ber: dict[tuple[Band, int, int, float], float] = {}  # BER with noise only, per link and power
        self.listeners = Listeners(self.placement)
        self._channels: dict[Channel, _ChannelAir] = {}
        self._sniffers: list[Receiver] = []
        self._meters: dict[tuple[str, int], DutyCycleMeter] = {}
        self.errors: list[tuple[object, Exception]] = []  #: (receiver, exception) not yet raised by `check`

    # ---------------------------------------------------------------- the world (see `placement`)
    def add_home(self, floorplan: FloorPlan, origin: Point = (0.0, 0.0, 0.0), prefix: str = "") -> FloorPlan:
        """Place a home's `floorplan` at `origin`, its nodes named `prefix + name`; returns the placed floor plan.

        Homes may touch (terraces, semis): a wall both homes declare at the same
        place, such as a shared party wall, is counted once.
        """
        placed = self.placement.add_floorplan(floorplan, origin, prefix)
        self._clear_ber.clear()
        return placed

    def add_node(
        self,
        name: str,
        position: Point,
        *,
        role: str = "other",
        enclosure: Material | None = None,
        hub: str | None = None,
    ) -> None:
        """A free-standing node (only the walls of homes already placed lie between it and others)."""
        self.placement.add_node(name, position, role=role, enclosure=enclosure, hub=hub)
        self._clear_ber.clear()

    def move(self, name: str, position: Point) -> None:
        """Move a node; every cached link budget is recomputed on demand."""
        self.placement.move(name, position)
        self._clear_ber.clear()

    @property
    def homes(self) -> tuple[FloorPlan, ...]:
        return self.placement.floorplans

    @property
    def nodes(self) -> tuple[str, ...]:
        return self.placement.names

    def node(self, name: str) -> Node:
        return self.placement.node(name)

    def link(self, node_a: str, node_b: str, band: Band) -> Link:
        """The full link budget between two nodes (for surveys and tests)."""
        return self.placement.link(node_a, node_b, band)

    def gain_db(self, first: Node, second: Node, band: Band) -> float:
        """Cached `Link.gain_db` of two nodes (symmetric)."""
        return self.placement.gain_db(first, second, band)

    def _rx_dbm(self, tx: Transmission, node: Node, band: Band) -> float:
        if tx.uniform:
            return tx.tx_dbm
        sender = tx.node
        if sender is node or sender is None:
            return math.inf
        return tx.tx_dbm + self.placement.gain_db(sender, node, band)

    # ---------------------------------------------------------------- radios
    def radio(
        self, node: str, band: Band, caps: RadioCaps | None = None, extended_address: int | None = None
    ) -> VirtualRadio:
        """A new `VirtualRadio` for `node` on `band` (one open radio per node and band)."""
        from .radio import VirtualRadio

        owner = self.node(node)
        if band in owner.radios:
            raise RadioError(f"node {node!r} already has an open {band.value} radio")
        radio = VirtualRadio(self, owner, band, caps=caps, extended_address=extended_address)
        owner.radios[band] = radio
        self.attach(radio)
        return radio

    def duty_cycle(self, node: str, page: int | None = None) -> DutyCycleMeter:
        """The node's sub-GHz airtime meter for channel `page` (created on first use).

        radio.md 4.6 keeps one ledger per node and page, each with its page's
        regulated limit (`hal.duty_cycle.regulated_limit`). `page=None` means the
        page the node's 868 MHz radio is tuned to (page 28 if it has none).
        """
        owner = self.node(node)
        if page is None:
            radio = owner.radios.get(Band.MHZ_868)
            page = DEFAULT_PAGE if radio is None else radio.channel.page
        meter = self._meters.get((node, page))
        if meter is None:
            meter = self._meters[(node, page)] = DutyCycleMeter(node, page=page)
        return meter

    def add_sniffer(self, receiver: Receiver) -> None:
        """Call `receiver` with every frame on every channel, as an ideal sniffer hears it.

        An ideal sniffer misses nothing and reports the sender's transmit power
        as RSSI and LQI 255; ACKs included, jams and aborted frames excluded.
        An exception it raises is kept for `check` (see there).
        """
        self._sniffers.append(receiver)

    def remove_sniffer(self, receiver: Receiver) -> None:
        self._sniffers.remove(receiver)

    def set_powered(self, node: str, powered: bool) -> None:
        """Power a node off (its radios neither send nor hear; a frame on air is cut) or back on."""
        owner = self.node(node)
        if owner.powered == powered:
            return
        owner.powered = powered
        try:
            owner.power_changed_at = _now()
        except RuntimeError:  # no loop yet: nothing can be on the air
            owner.power_changed_at = -math.inf
            return
        if not powered:
            for radio in owner.radios.values():
                radio.abort()

    def jam(
        self,
        channel: Channel,
        *,
        duration: float,
        power_dbm: float,
        start: float | None = None,
        at: str | None = None,
    ) -> None:
        """A burst of interference on `channel` from `start` (default now) for `duration` seconds.

        With `at=None` the burst is received at `power_dbm` by every node (e.g.
        a nearby Wi-Fi transmitter); with `at=NODE` it is transmitted at
        `power_dbm` from that node's position and propagates like a frame.
        Raises MediumError for a duration that is not a positive finite number,
        or a power or start that is not finite.
        """
        length = _finite("jam duration", duration)
        if length <= 0:
            raise MediumError(f"jam duration must be positive, not {duration!r}")
        power = _finite("jam power_dbm", power_dbm)
        if not isinstance(channel, Channel):
            raise MediumError(f"jam channel must be a hal.radio.Channel, not {channel!r}")
        source = None if at is None else self.node(at)
        loop = asyncio.get_running_loop()
        begin = loop.time() if start is None else max(loop.time(), _finite("jam start", start))
        burst = Transmission(source, None, channel, begin, begin + length, power, b"", None, uniform=source is None)
        loop.call_at(begin, self._put_on_air, burst)
        loop.call_at(burst.end, self._take_off_air, burst)

    # ---------------------------------------------------------------- the seam: attaching radios
    def _channel(self, channel: Channel) -> _ChannelAir:
        state = self._channels.get(channel)
        if state is None:
            state = self._channels[channel] = _ChannelAir()
        return state

    def attach(self, radio: VirtualRadio) -> None:
        """File `radio` by its channel, filter and mode; call again after any change of them."""
        self.listeners.attach(radio)

    def listen_for_acks(self, radio: VirtualRadio, wanted: bool) -> None:
        """Offer `radio` every ACK on its channel while `wanted` (it waits for one), or stop."""
        self.listeners.listen_for_acks(radio, wanted)

    def detach(self, radio: VirtualRadio) -> None:
        """Forget `radio` (it closed): it hears nothing more, and its node may open another on its band."""
        self.listeners.detach(radio)
        if radio.node.radios.get(radio.band) is radio:
            del radio.node.radios[radio.band]

    # ---------------------------------------------------------------- the seam: transmissions
    def transmit(self, radio: VirtualRadio, psdu: bytes, header: Header | None, airtime: float) -> Transmission:
        """Put `psdu` on the air from `radio` now, for `airtime` seconds; its `done` resolves at the end."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        tx = Transmission(
            radio.node, radio, radio.channel, start, start + airtime, radio.power_dbm, psdu, header, phy=radio.timing
        )
        tx.done = loop.create_future()
        self.stats.transmissions += 1
        self._put_on_air(tx)
        loop.call_at(tx.end, self._take_off_air, tx)
        return tx

    def abort(self, tx: Transmission) -> None:
        """Cut `tx` off now (its radio changed channel, closed or lost power): it leaves the air at once.

        Its `end` becomes now, so frames it overlapped see interference only
        until now, and CCA no longer hears it; its `done` resolves False.
        """
        if tx.aborted:
            return
        tx.aborted = True
        now = _now()
        if now < tx.end:
            tx.end = now
        active = self._channels[tx.channel].active
        if tx in active:
            active.remove(tx)
        if tx.done is not None and not tx.done.done():
            tx.done.set_result(False)

    def _put_on_air(self, tx: Transmission) -> None:
        state = self._channel(tx.channel)
        for other in state.active:
            other.overlaps.append(tx)
            tx.overlaps.append(other)
        state.active.append(tx)
        band = tx.channel.band
        for watch in state.watchers:
            total = sum(self._rx_mw(t, watch.node, band) for t in state.active)
            if total > watch.peak_mw:
                watch.peak_mw = total

    def _rx_mw(self, tx: Transmission, node: Node, band: Band) -> float:
        if tx.node is node and not tx.uniform:
            return 0.0  # a radio's own signal is not "energy on the channel" for its own CCA
        dbm = self._rx_dbm(tx, node, band)
        return dbm_to_mw(dbm) if dbm >= self.models[band].audible_dbm else 0.0

    def _take_off_air(self, tx: Transmission) -> None:
        if tx.aborted:  # already taken off the air by `abort`
            return
        state = self._channels[tx.channel]
        state.active.remove(tx)
        if tx.radio is None:  # a jam
            return
        try:
            self._sniff(tx)
            self._deliver(tx)
        finally:  # whatever went wrong above, the sender must learn that its frame is done (never a hang)
            if tx.done is not None and not tx.done.done():
                tx.done.set_result(True)

    def _sniff(self, tx: Transmission) -> None:
        if not self._sniffers:
            return
        frame = ReceivedFrame(tx.psdu, tx.channel, tx.tx_dbm, 255, tx.end, True)
        for sniffer in self._sniffers:
            try:
                sniffer(frame)
            except Exception as exc:  # noqa: BLE001 - kept and re-raised by check()
                self.errors.append((sniffer, exc))

    def check(self) -> None:
        """Raise `ReceiverError` if a receiver or sniffer raised since the last check, and forget them.

        Receivers run inside the medium's end-of-frame callbacks, where an
        exception would stop the delivery to everyone else; so the medium
        keeps them and raises the first (as `__cause__`, with the count) here.
        Every `VirtualRadio.transmit` calls this before returning, so a
        failing receiver fails the next transmission on the same medium;
        call it at the end of a simulation to catch the rest.
        """
        if not self.errors:
            return
        (receiver, first), count = self.errors[0], len(self.errors)
        self.errors.clear()
        raise ReceiverError(f"{count} receiver error(s) on the medium; first, from {receiver!r}: {first!r}") from first

    def _deliver(self, tx: Transmission) -> None:
        band = tx.channel.band
        model = self.models[band]
        for radio in self.listeners.candidates(tx):
            self.stats.judged += 1
            heard = self._reception(tx, radio, model)
            if heard is None:
                continue
            ok, rssi, sinr_db = heard
            if ok and self.faults.frame_loss > 0.0 and self.rng.random() < self.faults.frame_loss:
                continue
            if not ok and not radio.promiscuous:
                continue
            psdu = tx.psdu if ok else self._damage(tx.psdu)
            self.stats.deliveries += 1
            frame = ReceivedFrame(psdu, tx.channel, round(rssi, 1), model.lqi(sinr_db), tx.end, ok)
            try:
                radio.deliver(frame, tx.header)
            except Exception as exc:  # noqa: BLE001 - a receiver's fault, kept and re-raised by check()
                self.errors.append((radio, exc))

    def _damage(self, psdu: bytes) -> bytes:
        """The frame as a receiver that lost it saw it: one bit flipped, so its FCS fails."""
        damaged = bytearray(psdu)
        bit = self.rng.randrange(len(damaged) * 8)
        damaged[bit >> 3] ^= 1 << (bit & 7)
        return bytes(damaged)

    def _reception(self, tx: Transmission, radio: VirtualRadio, model: BandModel) -> tuple[bool, float, float] | None:
        """(received intact?, RSSI dBm, worst SINR dB) at `radio`, or None when it hears nothing."""
        node = radio.node
        sender = tx.node
        if node is sender or not node.powered or node.power_changed_at > tx.start or radio.tuned_at > tx.start:
            return None
        assert sender is not None
        band = tx.channel.band
        signal_dbm = self._rx_dbm(tx, node, band)
        if signal_dbm < model.audible_dbm:
            return None
        if not tx.overlaps:
            sinr_db = signal_dbm - model.noise_floor_dbm
            key = (band, sender.index, node.index, tx.tx_dbm)
            ber = self._clear_ber.get(key)
            if ber is None:
                ber = self._clear_ber[key] = model.ber(10.0 ** (sinr_db / 10.0))
            return self.rng.random() < clear_success(ber, tx.end - tx.start, tx.bit), signal_dbm, sinr_db
        overlaps: list[Overlap] = []
        audible = model.audible_dbm
        for other in tx.overlaps:
            if other.radio is radio:
                return None  # half-duplex: we were transmitting
            other_dbm = self._rx_dbm(other, node, band)
            if other_dbm >= audible:
                overlaps.append((other.start, other.end, other.shr_end, other_dbm, other.radio is not None))
        verdict = judge(tx.start, tx.end, tx.shr_end, signal_dbm, overlaps, model, tx.bit)
        if verdict is None:
            return None
        success, sinr_db = verdict
        return success > 0.0 and self.rng.random() < success, signal_dbm, sinr_db

    # ---------------------------------------------------------------- the seam: energy
    async def energy(self, radio: VirtualRadio, duration: float) -> float:
        """Peak in-channel power (noise floor included) seen at `radio` over `duration` seconds, in dBm."""
        model = self.models[radio.band]
        state = self._channel(radio.channel)
        watch = _EnergyWatch(radio.node)
        watch.peak_mw = sum(self._rx_mw(t, radio.node, radio.band) for t in state.active)
        state.watchers.append(watch)
        try:
            await asyncio.sleep(duration)
        finally:
            state.watchers.remove(watch)
        return mw_to_dbm(model.noise_floor_mw + watch.peak_mw)
