"""What a simulated home run reports: per hub, per device, and overall (the data `commshub home` formats).

Why apart from the scenario: the report is plain data that the CLI, the
benchmark and the tests read (`HomeReport.to_dict` is the `--json` output);
how the run produces it is `scenario`'s business.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class HubReport:
    """One hub's network."""

    node: str
    eui64: str
    pan_id: int
    channel: int
    bands: tuple[str, ...]
    sub_ghz_channel: str | None
    network_key: str  #: hex, so a `--pcap` capture can be decrypted (Wireshark's ZigBee keys)


@dataclass(frozen=True, slots=True)
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
        for device in self.devices:
            if device.skipped is None and not device.joined:
                lines.append(f"{device.node} ({device.role}) did not join: {device.error}")
            elif device.reads_failed:
                total = device.reads_ok + device.reads_failed
                lines.append(
                    f"{device.node} ({device.role}): {device.reads_failed} of {total} reads failed"
                    f" (first: {device.error})"
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


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a run is: `done` of `total` devices while joining, or simulated seconds of the day."""

    phase: str  #: "joining" or "day"
    done: float
    total: float
