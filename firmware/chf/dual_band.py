"""Dual-band (sub-GHz) management of the CHF: configuration, channel, channel log, scans and duty-cycle levels.

GBCS DBCH01-DBCH11 (gbcs.md 5.7, radio.md 3.2-3.3). Theory of operation:

- **Duty-cycle levels.** The HAN side feeds the hub's own 868 MHz airtime over the rolling
  hour (`hal.duty_cycle`, a fraction of the hour) with `reading(...)`. Four levels:
  NORMAL below the Normal-Limited threshold, LIMITED from it, CRITICAL from the
  Limited-Critical threshold (both from the DBCH configuration, hundredths of a percent),
  REGULATED from the regulated limit of the page in use (ETSI / R22: 100 s/h on pages
  28-29, 90 s/h on 30-31; `hal.duty_cycle.REGULATED_LIMITS`). A level is entered when the
  reading reaches its threshold and left when the reading falls below it; crossing several
  thresholds in one reading takes each step in turn. Each step up raises its "action
  taken" alert and each step down its "fell below" alert (0x8F20-0x8F25, radio.md 3.3);
  only 0x8F20 has a use case (DBCH06, with the EUI of the device acted on), the others
  travel as generic critical alerts. Actions (radio.md 3.2, the Silicon Labs Sub-GHz
  server): entering LIMITED suspends ZCL messages to the busiest client the reading
  names, entering CRITICAL suspends them to all; at REGULATED the hub may not transmit, so
  remote-party messages for sub-GHz devices are discarded with a DBCH10 alert
  (`discarding`).
- **Channel.** A fresh hub starts on its configured channel and logs it. A DBCH05 scan
  request asks the HAN side for an energy scan of the allowed channels; the result is
  assessed: the quietest allowed channel wins when it is quieter than the channel in use
  by at least the configured margin, and the hub moves to it (DBCH07, and a channel-log
  entry); the assessment outcome is reported either way (DBCH08: changed or not, then
  0 scan completed / 1 no allowed channel measured) [?: the outcome bytes' meanings].
- **Channel log** (DBCH02): `{time, 0x8F26, channel mask(4) ‖ octet-string(1) reason}`,
  reason 0 commissioning, 1 requested scan [?: RTDS shows 00-03, not their meaning].
- **Configuration** (DBCH03/04): `sub_ghz.SubGhzConfiguration`; a change raises DBCH09
  with the new configuration.
- **Capacity** (DBCH11): at most `capacity` devices on the sub-GHz band; `no_capacity`
  raises the alert for a device turned away.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING

from firmware.chf import alerts as chf_alerts
from firmware.chf.actions import Action, ChangeSubGhzChannel, StartEnergyScan, SuspendZclMessages
from firmware.chf.alerts import ChfAlerts
from firmware.chf.sub_ghz import DEFAULT_CONFIGURATION, SubGhzConfiguration, channel_mask, mask_data
from firmware.gbcs.contract import RaisedAlert
from hal.duty_cycle import regulated_limit
from hal.radio import Channel
from protocols.dlms import Data, octets, structure

if TYPE_CHECKING:
    from hal.nvm import Nvm

_CONFIGURATION = "dbch.configuration"
_CHANNEL = "dbch.channel"
_LEVEL = "dbch.level"
_SCAN = "dbch.scan-pending"
CHANNEL_LOG = "dbch.channel-log"
REASON_COMMISSIONING, REASON_SCAN = 0, 1
OUTCOME_UNCHANGED, OUTCOME_CHANGED = 0, 1
SCAN_COMPLETED, SCAN_NOTHING_MEASURED = 0, 1


class Level(enum.IntEnum):
    """Duty-cycle levels, lowest first (radio.md 3.3)."""

    NORMAL = 0
    LIMITED = 1
    CRITICAL = 2
    REGULATED = 3


#: Level -> (alert on entering it, alert on falling back below it).
_LEVEL_ALERTS = {
    Level.LIMITED: (chf_alerts.LIMITED_ACTION_TAKEN, chf_alerts.BELOW_LIMITED),
    Level.CRITICAL: (chf_alerts.CRITICAL_ACTION_TAKEN, chf_alerts.BELOW_CRITICAL),
    Level.REGULATED: (chf_alerts.REGULATED_ACTION_TAKEN, chf_alerts.BELOW_REGULATED),
}


class DualBand:
    """The CHF's sub-GHz state in NVM (see the module docstring)."""

    def __init__(
        self,
        nvm: Nvm,
        alerts: ChfAlerts,
        *,
        channel: Channel,
        capacity: int,
        suspend_minutes: int,
        scan_margin_db: float,
    ) -> None:
        self._nvm = nvm
        self._alerts = alerts
        self._first_channel = channel
        self.capacity = capacity
        self._suspend_minutes = suspend_minutes
        self._margin = scan_margin_db
        self._started = False

    def start(self, utc: float) -> None:
        """On the first start of a fresh hub: the default configuration, the first channel and its log entry."""
        if self._started:
            return
        self._started = True
        if self._nvm.get(_CHANNEL) is not None:
            return
        channel = self._first_channel
        with self._nvm.transaction() as tx:
            tx.put(_CONFIGURATION, DEFAULT_CONFIGURATION.to_nvm())
            tx.put(_CHANNEL, [channel.page, channel.number])
            tx.put(_LEVEL, int(Level.NORMAL))
            self._log_channel(channel, REASON_COMMISSIONING, utc)

    # -- configuration and channel ---------------------------------------------------------------

    def configuration(self) -> SubGhzConfiguration:
        stored = self._nvm.get(_CONFIGURATION)
        return DEFAULT_CONFIGURATION if stored is None else SubGhzConfiguration.from_nvm(stored)

    def configure(self, configuration: SubGhzConfiguration, utc: float) -> RaisedAlert:
        """DBCH04: keep the new configuration; DBCH09 reports it."""
        self._nvm.put(_CONFIGURATION, configuration.to_nvm())
        return self._alerts.raise_alert(chf_alerts.CONFIGURATION_CHANGED, utc, configuration.to_data())

    def channel(self) -> Channel:
        stored = self._nvm.get(_CHANNEL)
        return self._first_channel if stored is None else Channel(*stored)

    def _log_channel(self, channel: Channel, reason: int, utc: float) -> None:
        data = channel_mask(channel).to_bytes(4, "big") + bytes((0x09, 0x01, reason))  # mask, then os(1)
        self._nvm.append(CHANNEL_LOG, {"utc": int(utc), "code": chf_alerts.CHANNEL_CHANGED, "data": data}, keep=100)

    def channel_log(self) -> list[tuple[float, int, bytes]]:
        return [(entry["utc"], entry["code"], entry["data"]) for _, entry in self._nvm.log(CHANNEL_LOG)]

    # -- scans -----------------------------------------------------------------------------------

    def request_scan(self) -> list[Action]:
        """DBCH05: ask for an energy scan of the allowed channels (one at a time)."""
        if self._nvm.get(_SCAN, False):
            return []
        self._nvm.put(_SCAN, True)
        return [StartEnergyScan(self.configuration().allowed_channels())]

    def scan_result(self, energies: Mapping[Channel, float], utc: float) -> tuple[list[Action], list[RaisedAlert]]:
        """Assess an energy scan (dBm per channel): maybe change channel; report the outcome (DBCH07, DBCH08)."""
        self._nvm.put(_SCAN, False)
        allowed = set(self.configuration().allowed_channels())
        measured = {channel: energy for channel, energy in energies.items() if channel in allowed}
        current = self.channel()
        if not measured:
            return [], [self._assessment(OUTCOME_UNCHANGED, SCAN_NOTHING_MEASURED, utc)]
        best = min(measured, key=lambda channel: (measured[channel], channel))
        here = energies.get(current)
        if best == current or (here is not None and here - measured[best] < self._margin):
            return [], [self._assessment(OUTCOME_UNCHANGED, SCAN_COMPLETED, utc)]
        self._nvm.put(_CHANNEL, [best.page, best.number])
        self._log_channel(best, REASON_SCAN, utc)
        changed = self._alerts.raise_alert(
            chf_alerts.CHANNEL_CHANGED, utc, structure(mask_data(channel_mask(best)), octets(bytes((REASON_SCAN,))))
        )
        return [ChangeSubGhzChannel(best)], [changed, self._assessment(OUTCOME_CHANGED, SCAN_COMPLETED, utc)]

    def _assessment(self, outcome: int, scan: int, utc: float) -> RaisedAlert:
        members: Data = structure(octets(bytes((outcome,))), octets(bytes((scan,))))
        return self._alerts.raise_alert(chf_alerts.SCAN_ASSESSMENT, utc, members)

    # -- duty cycle ------------------------------------------------------------------------------

    @property
    def level(self) -> Level:
        return Level(self._nvm.get(_LEVEL, 0))

    def thresholds(self) -> dict[Level, float]:
        """Each level's threshold as a fraction of the hour."""
        configuration = self.configuration()
        return {
            Level.LIMITED: configuration.limited,
            Level.CRITICAL: configuration.critical,
            Level.REGULATED: regulated_limit(self.channel().page),
        }

    def level_for(self, used: float) -> Level:
        thresholds = self.thresholds()
        reached = [level for level, threshold in thresholds.items() if used >= threshold]
        return max(reached, default=Level.NORMAL)

    def reading(self, used: float, utc: float, busiest: bytes | None) -> tuple[list[Action], list[RaisedAlert]]:
        """A duty-cycle reading (fraction of the hour): move through the levels, acting and alerting per step."""
        before, after = self.level, self.level_for(used)
        if before == after:
            return [], []
        actions: list[Action] = []
        raised: list[RaisedAlert] = []
        if after > before:
            for level in range(before + 1, after + 1):
                entered = Level(level)
                if entered is Level.LIMITED:
                    device = busiest or bytes(8)
                    raised.append(self._alerts.raise_alert(_LEVEL_ALERTS[entered][0], utc, octets(device)))
                    if busiest is not None:
                        actions.append(SuspendZclMessages(busiest, self._suspend_minutes))
                else:
                    raised.append(self._alerts.raise_alert(_LEVEL_ALERTS[entered][0], utc))
                    if entered is Level.CRITICAL:
                        actions.append(SuspendZclMessages(None, self._suspend_minutes))
        else:
            for level in range(before, after, -1):
                raised.append(self._alerts.raise_alert(_LEVEL_ALERTS[Level(level)][1], utc))
        self._nvm.put(_LEVEL, int(after))
        return actions, raised

    @property
    def discarding(self) -> bool:
        """At the regulated limit the hub must not transmit on the sub-GHz band."""
        return self.level is Level.REGULATED

    def discarded(self, identity: bytes, utc: float) -> RaisedAlert:
        """DBCH10: a remote-party message for a sub-GHz device was discarded (its 25-byte identity)."""
        return self._alerts.raise_alert(chf_alerts.MESSAGE_DISCARDED, utc, octets(identity))

    def no_capacity(self, eui: bytes, utc: float) -> RaisedAlert:
        """DBCH11: a device could not be admitted to the sub-GHz HAN."""
        return self._alerts.raise_alert(chf_alerts.NO_SUB_GHZ_CAPACITY, utc, octets(eui))
