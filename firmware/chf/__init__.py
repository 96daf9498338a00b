"""The Communications Hub Function as a sans-I/O machine (gbcs.md 2.3, 5.7, 6; docs/chf.md).

- `Chf(*, eui, nvm, keystore, parties, config=None, gpf=None, authority=None)`: events in
  (`wan_message`, `device_message`, `tunnel_data`, `gsme_get`, `gsme_put`, `device_joined`,
  `device_left`, `link_statistics`, `duty_cycle`, `energy_scan_result`, `tunnel_send_failed`,
  `firmware_transferred`, `timer_fired`, `resume`), orders out (`actions`); `deadline()`.
- `actions`: `ToWan`, `ToDevice`, `SetTunnelMessagePending`, `PermitJoin`, `RemoveDevice`,
  `ChangeSubGhzChannel`, `StartEnergyScan`, `SuspendZclMessages`.
- `ChfConfig`; `Fault` / `FaultKind` / `Faults` (injected hardware faults of the CHF's COSEM objects: the
  ESME model's fault API, `firmware.devices.esme.faults`, serves both DLMS servers).
"""

from firmware.chf.actions import (
    Action,
    ChangeSubGhzChannel,
    PermitJoin,
    RemoveDevice,
    SetTunnelMessagePending,
    StartEnergyScan,
    SuspendZclMessages,
    ToDevice,
    ToWan,
)
from firmware.chf.chf import Chf, GasProxy
from firmware.chf.config import ChfConfig
from firmware.devices.esme.faults import Fault, FaultKind, Faults

__all__ = [
    "Action",
    "ChangeSubGhzChannel",
    "Chf",
    "ChfConfig",
    "Fault",
    "FaultKind",
    "Faults",
    "GasProxy",
    "PermitJoin",
    "RemoveDevice",
    "SetTunnelMessagePending",
    "StartEnergyScan",
    "SuspendZclMessages",
    "ToDevice",
    "ToWan",
]
