"""Who listens where: per-channel indexes of the radios, and which of them one frame may concern.

Why a module of its own: the medium must find, for every frame, the few
radios that can be concerned by it - without visiting every radio on the
channel, however many homes share it. That needs indexes kept in step with
every radio's channel, address filter, mode and ACK wait (`attach`,
`listen_for_acks`, `detach`), and a choice per frame (`candidates`):

* an ACK concerns radios waiting for one (and soft MACs, which see them all)
  and those that take every frame (promiscuous or unfiltered);
* a unicast concerns its addressee, found by (PAN ID, short address) or by
  EUI-64, and those that take every frame;
* a broadcast (or a frame with no readable header) concerns every radio on
  the channel;
* each only if its node can hear the sender at all (`placement`'s cached link
  gains), walking whichever is smaller: the group of radios, or the sender's
  cached "can hear" set. Radios far away cost nothing per frame.

Candidates come in node order where the whole channel is walked, and in the
order radios were filed otherwise: the order the medium makes its draws in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hal.radio import BROADCAST_ADDRESS, BROADCAST_PAN_ID, Channel

from .placement import Placement

if TYPE_CHECKING:
    from .medium import Transmission
    from .radio import VirtualRadio

_EMPTY: dict[VirtualRadio, None] = {}
#: Up to this many radios are checked pair by pair rather than through the sender's "can hear" set.
_SMALL_GROUP = 16
#: Frame type of an ACK (radio.md 2.1).
_ACK_FRAME = 2
#: Destination addressing modes (radio.md 2.2).
_SHORT_MODE, _EXTENDED_MODE = 2, 3


@dataclass(slots=True)
class _ChannelListeners:
    """The radios tuned to one channel, indexed by what frames they take."""

    attached: dict[VirtualRadio, None] = field(default_factory=dict)  # every radio tuned here
    wide: dict[VirtualRadio, None] = field(default_factory=dict)  # promiscuous or unfiltered: every frame
    #: radios by (filter PAN, short address)
    by_short: dict[tuple[int | None, int], dict[VirtualRadio, None]] = field(default_factory=dict)
    by_ext: dict[int, dict[VirtualRadio, None]] = field(default_factory=dict)
    #: radios waiting for an ACK, or with no ACK_TIMEOUT (a soft MAC's)
    ack_listeners: dict[VirtualRadio, None] = field(default_factory=dict)


class _Filing:
    """Where one radio is filed, and the radio state it was filed by (channel, filter, mode)."""

    __slots__ = ("channel", "ext", "filter", "listeners", "promiscuous", "short", "wide")

    def __init__(self, radio: VirtualRadio, listeners: _ChannelListeners) -> None:
        self.channel, self.filter, self.promiscuous, self.listeners = (
            radio.channel,
            radio.address_filter,
            radio.promiscuous,
            listeners,
        )
        self.wide = radio.promiscuous or radio.address_filter is None
        self.short: tuple[int | None, int] | None = None
        self.ext: int | None = None
        if radio.address_filter is not None and not self.wide:
            if radio.address_filter.short_address is not None:
                self.short = (radio.address_filter.pan_id, radio.address_filter.short_address)
            self.ext = radio.effective_extended_address

    def files(self, radio: VirtualRadio) -> bool:
        """Whether this filing still matches the radio's channel, filter and mode.

        By identity: the values are immutable, and a radio that was given an
        equal value anew is simply filed again."""
        return (
            self.channel is radio.channel
            and self.filter is radio.address_filter
            and self.promiscuous is radio.promiscuous
        )


class Listeners:
    """The radios on every channel, indexed, and the choice of those one frame may concern."""

    def __init__(self, placement: Placement) -> None:
        self.placement = placement
        self._channels: dict[Channel, _ChannelListeners] = {}
        self._filed: dict[VirtualRadio, _Filing] = {}

    def _on(self, channel: Channel) -> _ChannelListeners:
        listeners = self._channels.get(channel)
        if listeners is None:
            listeners = self._channels[channel] = _ChannelListeners()
        return listeners

    def attach(self, radio: VirtualRadio) -> None:
        """File `radio` by its channel, filter and mode (again, after any change of them); forget a closed one."""
        if radio.closed:
            self.detach(radio)
            return
        current = self._filed.get(radio)
        if current is None or not current.files(radio):
            self.detach(radio)
            listeners = self._on(radio.channel)
            current = self._filed[radio] = _Filing(radio, listeners)
            listeners.attached[radio] = None
            if current.wide:
                listeners.wide[radio] = None
            if current.short is not None:
                listeners.by_short.setdefault(current.short, {})[radio] = None
            if current.ext is not None:
                listeners.by_ext.setdefault(current.ext, {})[radio] = None
        self.listen_for_acks(radio, radio.awaiting_ack)

    def listen_for_acks(self, radio: VirtualRadio, wanted: bool) -> None:
        """Offer `radio` every ACK on its channel (`wanted`: it waits for one, or has no ACK_TIMEOUT), or stop."""
        filing = self._filed.get(radio)
        if filing is None:
            return
        if wanted or not radio.has_ack_timeout:
            filing.listeners.ack_listeners[radio] = None
        else:
            filing.listeners.ack_listeners.pop(radio, None)

    def detach(self, radio: VirtualRadio) -> None:
        """Take `radio` out of every index."""
        filing = self._filed.pop(radio, None)
        if filing is None:
            return
        listeners = filing.listeners
        listeners.attached.pop(radio, None)
        listeners.wide.pop(radio, None)
        listeners.ack_listeners.pop(radio, None)
        if filing.short is not None:
            _leave(listeners.by_short, filing.short, radio)
        if filing.ext is not None:
            _leave(listeners.by_ext, filing.ext, radio)

    def candidates(self, tx: Transmission) -> list[VirtualRadio]:
        """The radios that may receive `tx`: the addressee(s) and wide/ACK listeners, within hearing only."""
        listeners = self._on(tx.channel)
        header = tx.header
        if header is None:
            return self._everyone(tx, listeners)
        if header.frame_type == _ACK_FRAME:  # only those who wait for one or must see every frame
            return self._near(tx, listeners.wide, listeners.ack_listeners)
        mode, dst = header.dst_mode, header.dst_addr
        if dst is None:  # no destination address: for the PAN coordinator, or anyone listening
            return self._everyone(tx, listeners)
        if mode == _SHORT_MODE and dst != BROADCAST_ADDRESS:
            pan = header.dst_pan
            if pan is None or pan == BROADCAST_PAN_ID:  # any PAN's radio with that short address: ask the neighbours
                return self._everyone(tx, listeners)
            by_short = listeners.by_short
            return self._near(tx, listeners.wide, by_short.get((pan, dst), _EMPTY), by_short.get((None, dst), _EMPTY))
        if mode == _EXTENDED_MODE:
            return self._near(tx, listeners.wide, listeners.by_ext.get(dst, _EMPTY))
        return self._everyone(tx, listeners)

    def _near(self, tx: Transmission, *groups: dict[VirtualRadio, None]) -> list[VirtualRadio]:
        """The radios of `groups` whose node can hear the sender at all.

        A small group (the usual addressee) is checked pair by pair against
        cached link gains; a large one (many unfiltered or soft-MAC radios)
        against the sender's cached "can hear" set, walking whichever side
        is smaller, so radios far away cost nothing per frame.
        """
        sender, band = tx.node, tx.channel.band
        assert sender is not None
        placement = self.placement
        audible = placement.cached_audible_set(sender, band)
        floor = placement.audible_floor[band]
        found: dict[VirtualRadio, None] = {}
        for group in groups:
            if audible is None and len(group) > _SMALL_GROUP:
                audible = placement.audible_set(sender, band)
            if audible is None:
                for radio in group:
                    if radio.node is not sender and placement.gain_db(sender, radio.node, band) >= floor:
                        found[radio] = None
            elif len(group) <= len(audible):
                for radio in group:
                    if radio.node in audible:
                        found[radio] = None
            else:
                for node in audible:
                    owned = node.radios.get(band)
                    if owned is not None and owned in group:
                        found[owned] = None
        return list(found)

    def _everyone(self, tx: Transmission, listeners: _ChannelListeners) -> list[VirtualRadio]:
        """Every radio on the channel that can hear the sender at all, in node order (the order draws are made in).

        Walks whichever is smaller: the radios tuned to the channel (checked
        pair by pair), or the sender's cached "can hear" set; a home of many
        nodes with few radios open costs per broadcast what its radios do.
        """
        band = tx.channel.band
        sender = tx.node
        assert sender is not None
        placement = self.placement
        radios = listeners.attached
        audible = placement.cached_audible_set(sender, band)
        if audible is not None and len(audible) < len(radios):
            filed = self._filed
            found = []
            for node in placement.audible_from(sender, band):
                radio = node.radios.get(band)
                if radio is not None:
                    filing = filed.get(radio)
                    if filing is not None and filing.channel == tx.channel:
                        found.append(radio)
            return found
        floor = placement.audible_floor[band]
        found = [r for r in radios if r.node is not sender and placement.gain_db(sender, r.node, band) >= floor]
        found.sort(key=_node_index)
        return found


def _node_index(radio: VirtualRadio) -> int:
    return radio.node.index


def _leave(index: dict[Any, dict[VirtualRadio, None]], key: object, radio: VirtualRadio) -> None:
    """Take `radio` out of `index[key]`, and the key out of the index once no radio is left under it."""
    members = index[key]
    del members[radio]
    if not members:
        del index[key]
