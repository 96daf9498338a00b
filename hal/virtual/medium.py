"""The simulated air: nodes in homes, transmissions in flight, who hears what (radio.md 4.6).

Theory of operation
-------------------
* Time is the running asyncio loop's (`hal.clock`): a transmission occupies
  its channel from `start` to `end = start + airtime` and is judged at `end`
  by a `loop.call_at` callback, so in a `VirtualTimeLoop` an hour of traffic
  costs only the callbacks it needs. Randomness comes only from the seed:
  link shadowing is a pure function of (seed, band, node pair), per-frame
  draws come from the medium's `random.Random(seed)` in event order.
* Link budgets are computed once per node pair and band (path loss, walls,
  floors, enclosures, shadowing: `propagation`, `home`) and cached; moving a
  node clears the cache; a link tests only the walls of homes whose bounding
  box its path enters. Per frame, only radios that can be concerned and can
  hear the sender at all are visited: the addressee(s) through per-channel
  indexes keyed by (PAN ID, short address) and EUI-64, promiscuous and
  unfiltered radios, ACK listeners, and for broadcasts the transmitter's
  cached list of nodes that can hear it. Nodes that cannot hear a frame cost
  nothing, however many homes share the channel.
* An aborted frame (channel change, close, power-off) leaves the air at the
  abort: its `end` is cut to that instant.
* Receiver and sniffer exceptions are kept and raised by `check()` (which
  every transmit calls); a fault in the medium's own end-of-frame work still
  completes the sender's transmission, so nothing can hang a sender.
* Reception at `end`, for each candidate receiver R (radio.md 4.6):
  - R must be powered and tuned to the channel for the whole frame and not
    transmitting during it (half-duplex);
  - lock-on: if another frame G, audible at R above the noise floor, started
    earlier, R was locked on G and misses this one, unless this one started
    within G's SHR and is stronger by the capture margin; a later frame that
    starts within this one's SHR and is stronger by the margin steals R;
  - the frame is cut into chunks at every start/end of overlapping
    transmissions and jams; per chunk `SINR = S / (N + sum I)` gives a BER and
    the chunk survives with `(1 - BER)^bits`; the product is the success
    probability, drawn once (ns-3's method). Frames of the same PHY are not
    noise to each other (DSSS processing gain does not help against the same
    spreading codes), so a chunk shared with other frames is lost outright
    unless this frame is stronger than their sum by the capture margin: equal
    frames collide, a much stronger one captures;
  - `faults.frame_loss` then drops a seeded fraction of what would arrive.
  Damaged frames reach only promiscuous radios (with a flipped bit, so their
  FCS really is wrong); everything else is silently lost, as on real air.
* CCA and energy detect read the summed in-channel power at the instants a
  transmission or jam begins within the measurement window (power only rises
  at those instants, so that is the peak).
* Bands never interfere; adjacent channels are not modelled (co-channel only).
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hal.duty_cycle import DEFAULT_PAGE
from hal.radio import Band, Channel, RadioCaps, RadioError, ReceivedFrame, Receiver
from protocols.ieee802154.header import Header

from .duty_cycle import DutyCycleMeter
from .home import Home, Material, Point, Slab, Wall
from .propagation import BAND_MODELS, BandModel, dbm_to_mw, mw_to_dbm

if TYPE_CHECKING:
    from .radio import VirtualRadio

_EMPTY: dict = {}
#: Up to this many radios are checked pair by pair rather than through the sender's "can hear" set.
_SMALL_GROUP = 16


@dataclass(frozen=True)
class Link:
    """The static budget of one node pair on one band (what the medium caches, spelled out)."""

    a: str
    b: str
    band: Band
    distance_m: float
    walls: tuple[str, ...]  #: materials of the walls crossed
    floors: tuple[str, ...]  #: materials of the floor slabs crossed
    path_loss_db: float
    obstruction_db: float  #: walls + floors + enclosures
    shadowing_db: float

    @property
    def gain_db(self) -> float:
        """Received power minus transmit power."""
        return -self.path_loss_db - self.obstruction_db + self.shadowing_db


@dataclass
class Faults:
    """Injected faults; change them at any time."""

    frame_loss: float = 0.0  #: probability that a frame which would be received is lost anyway


@dataclass
class MediumStats:
    """Counters for benchmarks and surveys."""

    transmissions: int = 0  #: frames put on the air (ACKs included)
    deliveries: int = 0  #: frames handed to a receiving radio (good or, to promiscuous radios, damaged)
    judged: int = 0  #: receptions judged (radio visits at a frame's end): the per-frame work


class Node:
    """A place in the world that may own one radio per band."""

    __slots__ = ("enclosure", "hub", "index", "name", "position", "power_changed_at", "powered", "radios", "role")

    def __init__(
        self, index: int, name: str, position: Point, role: str, enclosure: Material | None, hub: str | None
    ) -> None:
        self.index = index
        self.name = name
        self.position = position
        self.role = role
        self.enclosure = enclosure
        self.hub = hub
        self.powered = True
        self.power_changed_at = -math.inf
        self.radios: dict[Band, VirtualRadio] = {}


class Transmission:
    """A frame (or a jam) on one channel from `start` to `end`."""

    __slots__ = (
        "aborted",
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
        shr_end: float,
        tx_dbm: float,
        psdu: bytes,
        header: Header | None,
        uniform: bool = False,
    ) -> None:
        self.node = node
        self.radio = radio
        self.channel = channel
        self.start = start
        self.end = end
        self.shr_end = shr_end
        self.tx_dbm = tx_dbm
        self.psdu = psdu
        self.header = header
        self.uniform = uniform  #: a jam heard at `tx_dbm` everywhere (no position)
        self.overlaps: list[Transmission] = []
        self.aborted = False
        self.done: asyncio.Future[bool] | None = None


class _EnergyWatch:
    __slots__ = ("node", "peak_mw")

    def __init__(self, node: Node) -> None:
        self.node = node
        self.peak_mw = 0.0


class _ChannelState:
    """Everything the medium indexes per channel."""

    __slots__ = ("ack_listeners", "active", "by_ext", "by_short", "watchers", "wide")

    def __init__(self) -> None:
        self.active: list[Transmission] = []
        self.wide: dict[VirtualRadio, None] = {}  # promiscuous or unfiltered: every frame
        self.by_short: dict[tuple[int | None, int], dict[VirtualRadio, None]] = {}  # (filter PAN, short)
        self.by_ext: dict[int, dict[VirtualRadio, None]] = {}
        self.ack_listeners: dict[VirtualRadio, None] = {}  # waiting for an ACK, or no ACK_TIMEOUT (soft MAC)
        self.watchers: list[_EnergyWatch] = []


class ReceiverError(RuntimeError):
    """A receiver or sniffer raised while the medium handed it a frame (raised by `Medium.check`)."""


def _position(name: str, position: Point) -> Point:
    """`position` as three finite floats (a nan or inf coordinate would poison every link budget)."""
    x, y, z = (float(c) for c in position)
    if not all(math.isfinite(c) for c in (x, y, z)):
        raise ValueError(f"node {name!r}: position must be three finite numbers, not {position!r}")
    return x, y, z


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
        self._nodes: dict[str, Node] = {}
        self._by_index: list[Node] = []
        self._homes: list[Home] = []
        self._obstacles: list[_Obstacles] = []  # per placed home: its bounding box, walls and slabs
        self._gains: dict[tuple[Band, int, int], float] = {}
        self._audible: dict[tuple[Band, int], tuple[Node, ...]] = {}
        self._audible_sets: dict[tuple[Band, int], frozenset[Node]] = {}
        self._clear_ber: dict[tuple[Band, int, int, float], float] = {}  # BER with noise only, per link and power
        self._channels: dict[Channel, _ChannelState] = {}
        self._sniffers: list[Receiver] = []
        self._meters: dict[tuple[str, int], DutyCycleMeter] = {}
        self.errors: list[tuple[object, Exception]] = []  #: (receiver, exception) not yet raised by `check`
        self._max_tx_dbm = max(m.max_tx_dbm for m in self.models.values())

    # ---------------------------------------------------------------- the world
    def add_home(self, home: Home, origin: Point = (0.0, 0.0, 0.0), prefix: str = "") -> Home:
        """Place `home` at `origin`, its nodes named `prefix + name`; returns the placed home.

        Homes may touch (terraces, semis): a wall both homes declare at the same
        place, such as a shared party wall, is counted once.
        """
        placed = home.placed(origin, prefix)
        for spec in placed.nodes:
            if spec.name in self._nodes:
                raise ValueError(f"node {spec.name!r} already exists; place the home with another prefix")
        self._homes.append(placed)
        known = {w for group in self._obstacles for w in group.walls}  # a shared party wall is one wall
        self._obstacles.append(_Obstacles.of(tuple(w for w in placed.walls if w not in known), placed.slabs))
        for spec in placed.nodes:
            self._add(spec.name, spec.position, spec.role, spec.enclosure, spec.hub)
        self._invalidate()
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
        if name in self._nodes:
            raise ValueError(f"node {name!r} already exists")
        self._add(name, position, role, enclosure, hub)
        self._invalidate()

    def _add(self, name: str, position: Point, role: str, enclosure: Material | None, hub: str | None) -> None:
        node = Node(len(self._by_index), name, _position(name, position), role, enclosure, hub)
        self._nodes[name] = node
        self._by_index.append(node)

    def move(self, name: str, position: Point) -> None:
        """Move a node; every cached link budget is recomputed on demand."""
        self.node(name).position = _position(name, position)
        self._invalidate()

    def _invalidate(self) -> None:
        self._gains.clear()
        self._audible.clear()
        self._audible_sets.clear()
        self._clear_ber.clear()

    @property
    def homes(self) -> tuple[Home, ...]:
        return tuple(self._homes)

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(self._nodes)

    def node(self, name: str) -> Node:
        try:
            return self._nodes[name]
        except KeyError:
            raise KeyError(f"no node named {name!r} on this medium") from None

    # ---------------------------------------------------------------- links
    def link(self, a: str, b: str, band: Band) -> Link:
        """The full link budget between two nodes (for surveys and tests)."""
        first, second = self.node(a), self.node(b)
        model = self.models[band]
        pa, pb = first.position, second.position
        distance = math.dist(pa, pb)
        near = [group for group in self._obstacles if group.may_cross(pa, pb)]
        walls = tuple(w.material for group in near for w in group.walls if w.crossed_by(pa, pb))
        floors = tuple(s.material for group in near for s in group.slabs if s.crossed_by(pa, pb))
        enclosures = tuple(n.enclosure for n in (first, second) if n.enclosure is not None)
        obstruction = sum(m.loss_db(band) for m in walls + floors + enclosures)
        return Link(
            a,
            b,
            band,
            distance,
            tuple(m.name for m in walls),
            tuple(m.name for m in floors),
            model.path_loss_db(distance),
            obstruction,
            model.shadowing_db(self.seed, a, b),
        )

    def gain_db(self, a: Node, b: Node, band: Band) -> float:
        """Cached `Link.gain_db` of nodes a and b (symmetric)."""
        key = (band, a.index, b.index) if a.index < b.index else (band, b.index, a.index)
        gain = self._gains.get(key)
        if gain is None:
            gain = self._gains[key] = self.link(a.name, b.name, band).gain_db
        return gain

    def _audible_from(self, node: Node, band: Band) -> tuple[Node, ...]:
        """Nodes that could hear `node` on `band` at the highest transmit power (cached)."""
        key = (band, node.index)
        found = self._audible.get(key)
        if found is None:
            floor = self.models[band].audible_dbm - self._max_tx_dbm
            found = tuple(n for n in self._by_index if n is not node and self.gain_db(node, n, band) >= floor)
            self._audible[key] = found
            self._audible_sets[key] = frozenset(found)
        return found

    def _audible_set(self, node: Node, band: Band) -> frozenset[Node]:
        key = (band, node.index)
        found = self._audible_sets.get(key)
        if found is None:
            self._audible_from(node, band)
            found = self._audible_sets[key]
        return found

    def _rx_dbm(self, tx: Transmission, node: Node, band: Band) -> float:
        if tx.uniform:
            return tx.tx_dbm
        if tx.node is node:
            return math.inf
        return tx.tx_dbm + self.gain_db(tx.node, node, band)  # type: ignore[arg-type]

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
        if not powered:
            for radio in owner.radios.values():
                radio._abort_on_air()

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
        """
        if duration <= 0:
            raise ValueError(f"jam duration must be positive, not {duration!r}")
        source = None if at is None else self.node(at)
        loop = asyncio.get_running_loop()
        begin = max(loop.time(), start if start is not None else loop.time())
        burst = Transmission(
            source, None, channel, begin, begin + duration, begin, power_dbm, b"", None, uniform=source is None
        )
        loop.call_at(begin, self._put_on_air, burst)
        loop.call_at(burst.end, self._take_off_air, burst)

    # ---------------------------------------------------------------- channel indexes (used by radios)
    def _channel(self, channel: Channel) -> _ChannelState:
        state = self._channels.get(channel)
        if state is None:
            state = self._channels[channel] = _ChannelState()
        return state

    def _index(self, radio: VirtualRadio) -> None:
        """(Re)enter `radio` in its channel's indexes after any change of channel, filter or mode."""
        self._unindex(radio)
        if radio.closed:
            return
        state = self._channel(radio.channel)
        keys: list[tuple[dict, object]] = []
        if radio.promiscuous or radio.address_filter is None:
            state.wide[radio] = None
        else:
            short = radio.address_filter.short_address
            if short is not None:
                keys.append((state.by_short, (radio.address_filter.pan_id, short)))
            keys.append((state.by_ext, radio.effective_extended_address))
        for index, key in keys:
            index.setdefault(key, {})[radio] = None
        radio._indexed_on, radio._index_keys = radio.channel, keys
        self._listen_for_acks(radio)

    def _listen_for_acks(self, radio: VirtualRadio) -> None:
        """Radios waiting for an ACK, and soft-MAC radios (no ACK_TIMEOUT), are offered every ACK."""
        if radio._indexed_on is None:
            return
        listeners = self._channels[radio._indexed_on].ack_listeners
        if radio.awaiting_ack or not radio.has_ack_timeout:
            listeners[radio] = None
        else:
            listeners.pop(radio, None)

    def _unindex(self, radio: VirtualRadio) -> None:
        channel = radio._indexed_on
        if channel is None:
            return
        state = self._channels[channel]
        state.wide.pop(radio, None)
        state.ack_listeners.pop(radio, None)
        for index, key in radio._index_keys:
            members = index[key]
            del members[radio]
            if not members:
                del index[key]
        radio._indexed_on, radio._index_keys = None, []

    # ---------------------------------------------------------------- transmissions (used by radios)
    def _transmit(
        self, radio: VirtualRadio, psdu: bytes, header: Header | None, airtime: float, shr: float
    ) -> Transmission:
        """Put `psdu` on the air from `radio` now; `tx.done` resolves (True unless aborted) at the end."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        tx = Transmission(
            radio.node, radio, radio.channel, start, start + airtime, start + shr, radio.power_dbm, psdu, header
        )
        tx.done = loop.create_future()
        self.stats.transmissions += 1
        self._put_on_air(tx)
        loop.call_at(tx.end, self._take_off_air, tx)
        return tx

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

    def _abort(self, tx: Transmission) -> None:
        """Cut `tx` off now (its radio changed channel, closed or lost power): it leaves the air at once.

        Its `end` becomes now, so frames it overlapped see interference only
        until now, and CCA no longer hears it.
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

    def _take_off_air(self, tx: Transmission) -> None:
        if tx.aborted:  # already taken off the air by `_abort`
            return
        state = self._channels[tx.channel]
        state.active.remove(tx)
        if tx.radio is None:  # a jam
            return
        try:
            self._sniff(tx)
            self._deliver(tx, state)
        finally:  # whatever went wrong above, the sender must learn that its frame is done (never a hang)
            if tx.done is not None and not tx.done.done():
                tx.done.set_result(True)

    def _sniff(self, tx: Transmission) -> None:
        if not self._sniffers:
            return
        frame = ReceivedFrame(tx.psdu, tx.channel, tx.tx_dbm, 255, tx.end, True)
        for sniffer in self._sniffers:
            self._hand(sniffer, frame)

    def _hand(self, receiver: Receiver, frame: ReceivedFrame) -> None:
        """Call a receiver; what it raises is kept for `check`, so one bad callback cannot stop the air."""
        try:
            receiver(frame)
        except Exception as exc:  # noqa: BLE001 - kept and re-raised by check()
            self.errors.append((receiver, exc))

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

    def _candidates(self, tx: Transmission, state: _ChannelState) -> list[VirtualRadio] | tuple:
        """The radios that may receive `tx`: the addressee(s) and wide/ACK listeners, within hearing only."""
        header = tx.header
        if header is None:
            return self._everyone(tx)
        if header.frame_type == 2:  # ACK: only those who wait for one or must see every frame
            return self._near(tx, state.wide, state.ack_listeners)
        mode, dst = header.dst_mode, header.dst_addr
        if mode == 2 and dst != 0xFFFF:
            pan = header.dst_pan
            if pan is None or pan == 0xFFFF:  # any PAN's radio with that short address: ask the neighbours
                return self._everyone(tx)
            by_short = state.by_short
            return self._near(tx, state.wide, by_short.get((pan, dst), _EMPTY), by_short.get((None, dst), _EMPTY))
        if mode == 3:
            return self._near(tx, state.wide, state.by_ext.get(dst, _EMPTY))
        return self._everyone(tx)

    def _near(self, tx: Transmission, *groups: dict[VirtualRadio, None]) -> list[VirtualRadio]:
        """The radios of `groups` whose node can hear the sender at all.

        A small group (the usual addressee) is checked pair by pair against
        cached link gains; a large one (many unfiltered or soft-MAC radios)
        against the sender's cached "can hear" set, walking whichever side
        is smaller, so radios far away cost nothing per frame.
        """
        sender, band = tx.node, tx.channel.band
        audible = self._audible_sets.get((band, sender.index))  # type: ignore[union-attr]
        floor = self.models[band].audible_dbm - self._max_tx_dbm
        found: dict[VirtualRadio, None] = {}
        for group in groups:
            if audible is None and len(group) > _SMALL_GROUP:
                audible = self._audible_set(sender, band)  # type: ignore[arg-type]
            if audible is None:
                for radio in group:
                    if radio.node is not sender and self.gain_db(sender, radio.node, band) >= floor:  # type: ignore[arg-type]
                        found[radio] = None
            elif len(group) <= len(audible):
                for radio in group:
                    if radio.node in audible:
                        found[radio] = None
            else:
                for node in audible:
                    radio = node.radios.get(band)
                    if radio is not None and radio in group:
                        found[radio] = None
        return list(found)

    def _everyone(self, tx: Transmission) -> tuple:
        band = tx.channel.band
        found = []
        for node in self._audible_from(tx.node, band):  # type: ignore[arg-type]
            radio = node.radios.get(band)
            if radio is not None and radio._indexed_on == tx.channel:
                found.append(radio)
        return tuple(found)

    def _deliver(self, tx: Transmission, state: _ChannelState) -> None:
        band = tx.channel.band
        model = self.models[band]
        for radio in self._candidates(tx, state):
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
            radio._heard(ReceivedFrame(psdu, tx.channel, round(rssi, 1), model.lqi(sinr_db), tx.end, ok), tx.header)

    def _damage(self, psdu: bytes) -> bytes:
        """The frame as a receiver that lost it saw it: one bit flipped, so its FCS fails."""
        damaged = bytearray(psdu)
        bit = self.rng.randrange(len(damaged) * 8)
        damaged[bit >> 3] ^= 1 << (bit & 7)
        return bytes(damaged)

    def _reception(self, tx: Transmission, radio: VirtualRadio, model: BandModel) -> tuple[bool, float, float] | None:
        """(received intact?, RSSI dBm, worst SINR dB) at `radio`, or None when it hears nothing."""
        node = radio.node
        if node is tx.node or not node.powered or node.power_changed_at > tx.start or radio.tuned_at > tx.start:
            return None
        band = tx.channel.band
        signal_dbm = self._rx_dbm(tx, node, band)
        if signal_dbm < model.audible_dbm:
            return None
        noise_mw = model.noise_floor_mw
        if not tx.overlaps:
            sinr_db = signal_dbm - model.noise_floor_dbm
            key = (band, tx.node.index, node.index, tx.tx_dbm)  # type: ignore[union-attr]
            ber = self._clear_ber.get(key)
            if ber is None:
                ber = self._clear_ber[key] = model.ber(10.0 ** (sinr_db / 10.0))
            success = (1.0 - ber) ** ((tx.end - tx.start) / model.bit_s)
            return self.rng.random() < success, signal_dbm, sinr_db
        interferers = []
        for other in tx.overlaps:
            if other.radio is radio:
                return None  # half-duplex: we were transmitting
            other_dbm = self._rx_dbm(other, node, band)
            if other_dbm < model.audible_dbm:
                continue
            if other.radio is not None and other_dbm >= model.noise_floor_dbm:
                earlier = other.start < tx.start or (other.start == tx.start and other_dbm > signal_dbm)
                if earlier and not (tx.start < other.shr_end and signal_dbm >= other_dbm + model.capture_db):
                    return None  # locked on the earlier frame
                if not earlier and other.start < tx.shr_end and other_dbm >= signal_dbm + model.capture_db:
                    return None  # captured by a much stronger later frame
            interferers.append((other.start, other.end, dbm_to_mw(other_dbm), other.radio is not None))
        signal_mw = dbm_to_mw(signal_dbm)
        capture = 10.0 ** (model.capture_db / 10.0)
        edges = sorted({tx.start, tx.end, *(t for s, e, _, _ in interferers for t in (s, e) if tx.start < t < tx.end)})
        success, worst = 1.0, math.inf
        for begin, finish in itertools.pairwise(edges):
            frames = jams = 0.0
            for s, e, mw, is_frame in interferers:
                if s < finish and e > begin:
                    if is_frame:
                        frames += mw
                    else:
                        jams += mw
            sinr = signal_mw / (noise_mw + frames + jams)
            worst = min(worst, sinr)
            if signal_mw < capture * frames:
                success = 0.0  # another frame of our own PHY is not noise: we lose the symbols we share
            else:
                success *= (1.0 - model.ber(sinr)) ** ((finish - begin) / model.bit_s)
        return success > 0.0 and self.rng.random() < success, signal_dbm, mw_to_dbm(worst)

    # ---------------------------------------------------------------- energy (used by radios)
    async def _peak_energy_dbm(self, radio: VirtualRadio, duration: float) -> float:
        """Peak in-channel power (noise floor included) seen at `radio` over `duration` seconds."""
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


class _Obstacles:
    """One placed home's walls and slabs with their bounding box, so far-away links skip them all."""

    __slots__ = ("high", "low", "slabs", "walls")

    def __init__(self, walls: tuple[Wall, ...], slabs: tuple[Slab, ...], low: Point, high: Point) -> None:
        self.walls, self.slabs, self.low, self.high = walls, slabs, low, high

    @classmethod
    def of(cls, walls: tuple[Wall, ...], slabs: tuple[Slab, ...]) -> _Obstacles:
        xs = [c for w in walls for c in (w.x1, w.x2)] + [c for s in slabs for c in (s.x_low, s.x_high)]
        ys = [c for w in walls for c in (w.y1, w.y2)] + [c for s in slabs for c in (s.y_low, s.y_high)]
        zs = [c for w in walls for c in (w.z_low, w.z_high)] + [s.z for s in slabs]
        if not xs:
            return cls(walls, slabs, (math.inf,) * 3, (-math.inf,) * 3)  # nothing to cross
        return cls(walls, slabs, (min(xs), min(ys), min(zs)), (max(xs), max(ys), max(zs)))

    def may_cross(self, a: Point, b: Point) -> bool:
        """False when the segment a-b's bounding box misses this home's (then no wall or slab is crossed)."""
        (lx, ly, lz), (hx, hy, hz) = self.low, self.high
        return (
            (a[0] if a[0] < b[0] else b[0]) <= hx
            and (a[0] if a[0] > b[0] else b[0]) >= lx
            and (a[1] if a[1] < b[1] else b[1]) <= hy
            and (a[1] if a[1] > b[1] else b[1]) >= ly
            and (a[2] if a[2] < b[2] else b[2]) <= hz
            and (a[2] if a[2] > b[2] else b[2]) >= lz
        )
