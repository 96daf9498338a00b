"""What happened when in a simulated day: the record behind `commshub home --report`'s plots.

Why: the table of a run says how many reads failed; a test engineer also
wants to see when - joins on a timeline, every read with its outcome and
round-trip time, how strongly the hub heard each device as the day went on,
how close each node came to its 868 MHz duty-cycle limit (radio.md 3.2), and
how busy the air was minute by minute. The scenario records these as it
runs; `tools.plot` draws them.

Recording must not slow the day (`bench/zigbee_han.py` runs it for 24
simulated hours), so it is appends to flat `array`s, and nothing arms a timer
of its own: a timer would cost a loop wake-up and could reorder events that
fall at the same instant, changing the run. The air is watched by one
sniffer (`AirRecorder`), which counts frames per minute per band and, on the
first frame of each new minute, reads the rolling-hour airtime of the nodes
with an 868 MHz radio from the medium's duty-cycle meters - the numbers the
regulated limit applies to (radio.md 3.1). The hub's view of each device is
tapped where its MAC hands data frames up (`MacInterface.on_data`), so every
frame the hub hears from a device as last hop counts, relayed ones included.

Times are seconds since the run started, as `DeviceReport.joined_at_s` is.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hal.radio import Band, ReceivedFrame

if TYPE_CHECKING:
    from firmware.zigbee.mac import MacInterface
    from firmware.zigbee.mac_types import DataIndication
    from hal.virtual import Medium

#: Bands in the order `RssiSeries.band` indexes them.
BANDS: tuple[Band, ...] = (Band.GHZ_2_4, Band.MHZ_868)
#: Width of a traffic bin, seconds.
MINUTE_S = 60.0


@dataclass(slots=True)
class ReadSeries:
    """Every read a device was the subject of: when it started, how long it took, whether it succeeded."""

    started_s: array[float] = field(default_factory=lambda: array("d"))
    latency_s: array[float] = field(default_factory=lambda: array("d"))
    ok: bytearray = field(default_factory=bytearray)  #: 1 for an answered read, 0 for a failed one

    def add(self, started_s: float, latency_s: float, ok: bool) -> None:
        self.started_s.append(started_s)
        self.latency_s.append(latency_s)
        self.ok.append(ok)

    def __len__(self) -> int:
        return len(self.ok)


@dataclass(slots=True)
class RssiSeries:
    """What the hub heard from a device, frame by frame: time, RSSI (dBm), band (an index into `BANDS`)."""

    time_s: array[float] = field(default_factory=lambda: array("d"))
    rssi_dbm: array[float] = field(default_factory=lambda: array("f"))
    band: bytearray = field(default_factory=bytearray)

    def __len__(self) -> int:
        return len(self.band)


@dataclass(frozen=True, slots=True)
class DeviceTimeline:
    """One node of the home over the run."""

    node: str
    role: str
    hub: str
    join_started_s: float | None  #: when its admission opened (None: not emulated)
    join_ended_s: float | None  #: when it had joined and been interviewed, or gave up
    joined: bool
    band: str | None  #: the band it joined on
    reads: ReadSeries
    rssi: RssiSeries


@dataclass(frozen=True, slots=True)
class DutySeries:
    """A node's 868 MHz airtime in the rolling hour, sampled about once a minute, and its regulated limit."""

    node: str
    limit_s: float  #: seconds of airtime allowed per rolling hour on its page (radio.md 3.2)
    time_s: Sequence[float]
    used_s: Sequence[float]


@dataclass(frozen=True, slots=True)
class Timeline:
    """The whole run's record (`HomeReport.timeline`)."""

    end_s: float  #: the run's length
    day_start_s: float  #: when the day of reads began (everyone had joined or given up)
    devices: tuple[DeviceTimeline, ...]
    frames_per_minute: dict[str, Sequence[int]]  #: band name -> frames that ended in each minute of the run
    duty: tuple[DutySeries, ...]


class AirRecorder:
    """A sniffer for `Medium.add_sniffer`: frames per minute per band, and rolling-hour airtime per minute.

    `watch_duty(node)` adds a node with an 868 MHz radio to the airtime
    samples (read from `medium.duty_cycle(node)`, the meter of the page that
    radio is tuned to). `finish(now)` takes the last sample.
    """

    def __init__(self, medium: Medium, start: float) -> None:
        self._medium = medium
        self.start = start  #: loop time of the run's start: sample times are relative to it
        self._counts: tuple[list[int], list[int]] = ([], [])  # by page 0 (2.4 GHz) and sub-GHz, per minute
        self._current = [0, 0]  # frames of the minute going on, by the same index
        self._next_minute = -math.inf  # loop time at which the minute going on ends
        self._duty: dict[str, tuple[array[float], array[float]]] = {}

    def watch_duty(self, node: str) -> None:
        self._duty.setdefault(node, (array("d"), array("d")))

    def __call__(self, frame: ReceivedFrame) -> None:
        if frame.timestamp >= self._next_minute:  # once a minute; the per-frame work is the line below
            self._new_minute(frame.timestamp)
        self._current[frame.channel.page != 0] += 1

    def _roll(self, now: float) -> None:
        """Make the minute holding `now` the one counted, filing those before it (a minute with no frame: 0)."""
        minute = int((now - self.start) // MINUTE_S)
        counting = self._next_minute != -math.inf  # a minute was being counted (not so before the first frame)
        for counts, count in zip(self._counts, self._current, strict=True):
            if counting:
                counts.append(count)
            counts.extend([0] * (minute - len(counts)))
        self._current = [0, 0]
        self._next_minute = self.start + (minute + 1) * MINUTE_S

    def _new_minute(self, now: float) -> None:
        self._roll(now)
        self._sample_duty(now)

    def _sample_duty(self, now: float) -> None:
        for node, (times, used) in self._duty.items():
            times.append(now - self.start)
            used.append(self._medium.duty_cycle(node).used(now))

    def finish(self, now: float) -> tuple[dict[str, Sequence[int]], tuple[DutySeries, ...]]:
        """Frames per minute by band name, and each watched node's airtime samples (the last one at `now`)."""
        self._sample_duty(now)
        if now >= self._next_minute:
            self._roll(now)
        frames: dict[str, Sequence[int]] = {
            band.value: [*counts, count] for band, counts, count in zip(BANDS, self._counts, self._current, strict=True)
        }
        duty = tuple(
            DutySeries(node, self._medium.duty_cycle(node).limit * 3600.0, times, used)
            for node, (times, used) in self._duty.items()
        )
        return frames, duty


class HubEars:
    """Taps a hub's MAC interfaces: the time, RSSI and band of every data frame it hears, by MAC source address.

    Sources are short addresses once a device has joined and EUI-64s while it
    associates; `series(nwk, ieee)` merges both into one device's series.
    """

    def __init__(self, now: Callable[[], float], start: float) -> None:
        self._now = now
        self.start = start
        self._heard: dict[int, tuple[array[float], array[float], bytearray]] = {}

    def tap(self, mac: MacInterface) -> None:
        """Record what `mac` hears, then hand it on to whoever listened before."""
        handed_on = mac.on_data
        assert handed_on is not None, "tap a MAC after its NWK layer attached"
        band = BANDS.index(mac.band)

        def heard(interface: MacInterface, indication: DataIndication) -> None:
            series = self._heard.get(indication.src.value)
            if series is None:
                series = self._heard[indication.src.value] = (array("d"), array("f"), bytearray())
            series[0].append(self._now() - self.start)
            series[1].append(indication.rssi)
            series[2].append(band)
            handed_on(interface, indication)

        mac.on_data = heard

    def series(self, *addresses: int | None) -> RssiSeries:
        """The frames heard from any of `addresses` (a device's NWK address and EUI-64), in time order."""
        parts = [self._heard[a] for a in addresses if a is not None and a in self._heard]
        if not parts:
            return RssiSeries()
        if len(parts) == 1:
            return RssiSeries(*parts[0])
        parts.sort(key=lambda part: part[0][0])  # an EUI-64 is heard while associating, its NWK address after
        merged = RssiSeries()
        for times, rssi, band in parts:
            merged.time_s.extend(times)
            merged.rssi_dbm.extend(rssi)
            merged.band.extend(band)
        if any(later < earlier for earlier, later in zip(merged.time_s, merged.time_s[1:], strict=False)):
            order = sorted(range(len(merged)), key=merged.time_s.__getitem__)
            merged = RssiSeries(
                array("d", (merged.time_s[i] for i in order)),
                array("f", (merged.rssi_dbm[i] for i in order)),
                bytearray(merged.band[i] for i in order),
            )
        return merged
