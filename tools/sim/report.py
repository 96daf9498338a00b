"""What a simulated home run reports: per hub, per device, and overall (the data `commshub home` formats).

Why apart from the scenario: the report is plain data that the CLI, the
benchmark and the tests read (`HomeReport.to_dict` is the `--json` output);
how the run produces it is `scenario`'s business.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .timeline import Timeline


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


#: The columns of the per-device table (`commshub home`'s table and the HTML report's), one `device_row` each.
DEVICE_COLUMNS = (
    "node",
    "role",
    "hub",
    "EUI-64",
    "NWK",
    "band",
    "joined s",
    "reads ok",
    "failed",
    "last value",
    "RSSI dBm",
    "note",
)


def _cell(value: object, fmt: str = "{}") -> str:
    return "-" if value is None else fmt.format(value)


def device_row(device: DeviceReport) -> tuple[str, ...]:
    """The device's cells under `DEVICE_COLUMNS`, "-" for what it does not have (the note may be empty)."""
    return (
        device.node,
        device.role,
        device.hub,
        _cell(device.eui64),
        _cell(device.nwk, "0x{:04X}"),
        _cell(device.band),
        _cell(device.joined_at_s, "{:.2f}"),
        str(device.reads_ok),
        str(device.reads_failed),
        _cell(device.last_value),
        _cell(device.mean_rssi_dbm, "{:.1f}"),
        device.skipped or device.error or "",
    )


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
    timeline: Timeline | None = field(default=None, compare=False, repr=False)  #: when things happened, for plots

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
        """The report as JSON-ready data (`--json`); the timeline is left out: it is for plots, and large."""
        return {
            "home": self.home,
            "hubs": [asdict(hub) for hub in self.hubs],
            "devices": [asdict(device) for device in self.devices],
            "simulated_s": self.simulated_s,
            "day_s": self.day_s,
            "frames_on_air": self.frames_on_air,
            "duty_cycle_s": dict(self.duty_cycle_s),
            "ok": self.ok,
            "problems": self.problems(),
        }


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a run is: `done` of `total` devices while joining, or simulated seconds of the day."""

    phase: str  #: "joining" or "day"
    done: float
    total: float
