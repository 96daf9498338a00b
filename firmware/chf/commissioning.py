"""Commissioning: the device-log changes GBCS asks of the CHF, and the HAN orders and alerts they lead to.

CCS01 registers a device (EUI, type, install code), CCS02 unregisters it, CCS03 restores a
whole log from a backup, and class-104 attributes 2/3 enable joining for a join timeout
(gbcs.md 5.7, 6.4). What follows from each change:

- every change of the log's membership raises CS14 (0x0018, alert 0x8F12 "CHF device log
  changed") carrying the backup structure, so the DCC keeps a copy to restore from [?: GBCS
  names the alert; when it fires is our reading];
- an unregistered device is removed from the HAN (`RemoveDevice`); what was waiting for it
  is failed by the CHF (`Chf` sees the order);
- while joining is enabled, each entry that has not joined gets a join window of the join
  timeout (`PermitJoin` with the link key of its install code; radio.md 5.7); a window
  closes when the device joins, when it lapses, or when joining is disabled (a
  `PermitJoin` of 0 seconds withdraws it). A restore (a replacement hub taking over a home)
  opens windows for every restored device whether or not joining was enabled: they must
  all join the new hub (for the join timeout, or an hour when none is set).
- the HAN side reports joins and leaves (`joined`, `left`); a device not in the log is
  removed again at once and logged [?].
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.chf import alerts as chf_alerts
from firmware.chf.actions import Action, PermitJoin, RemoveDevice
from firmware.chf.alerts import ChfAlerts
from firmware.chf.device_log import DeviceEntry, DeviceLog
from firmware.gbcs.contract import RaisedAlert

if TYPE_CHECKING:
    from hal.nvm import Nvm


#: Seconds a restored device may take to join when no join timeout is set.
RESTORE_WINDOW = 3600


class Commissioning:
    """Device-log changes and their consequences (see the module docstring)."""

    def __init__(self, nvm: Nvm, log: DeviceLog, alerts: ChfAlerts) -> None:
        self._nvm = nvm
        self.log = log
        self._alerts = alerts
        #: Registrations (the entry) and removals (the EUI) since the CHF last took them, for the GPF device log.
        self.changes: list[DeviceEntry | bytes] = []

    def take_changes(self) -> list[DeviceEntry | bytes]:
        changes, self.changes = self.changes, []
        return changes

    def changed(self, utc: float) -> RaisedAlert:
        """CS14: the log changed; the alert carries its backup."""
        return self._alerts.raise_alert(chf_alerts.DEVICE_LOG_CHANGED, utc, self.log.backup(utc))

    def register(self, entry: DeviceEntry, utc: float) -> tuple[bool, list[Action], list[RaisedAlert]]:
        """Method 1: add or update an entry; joining opens for it if enabled. False when the log is full."""
        known = self.log.entry(entry.eui)
        if known is not None:
            entry = DeviceEntry(
                entry.eui, entry.install_code, entry.device_type, known.joined, known.sleepy, known.sub_ghz
            )
        with self._nvm.transaction():
            if not self.log.put(entry):
                return False, [], []
            self.changes.append(entry)
            actions = self.open_windows(utc) if self.log.joining_enabled else []
            return True, actions, [self.changed(utc)]

    def unregister(self, eui: bytes, utc: float) -> tuple[bool, list[Action], list[RaisedAlert]]:
        """Method 2: remove an entry and the device from the HAN. False when it is not in the log."""
        with self._nvm.transaction():
            if not self.log.remove(eui):
                return False, [], []
            self.changes.append(eui)
            return True, [RemoveDevice(eui)], [self.changed(utc)]

    def unregister_all(self, utc: float) -> tuple[list[Action], list[RaisedAlert]]:
        """Method 3: empty the log."""
        euis = [entry.eui for entry in self.log.entries()]
        with self._nvm.transaction():
            self.log.replace_all([])
            self.changes += euis
            return [RemoveDevice(eui) for eui in euis], [self.changed(utc)]

    def restore(
        self, network_id: bytes, pairs: list[tuple[bytes, bytes]], utc: float
    ) -> tuple[list[Action], list[RaisedAlert]]:
        """Method 5: the log becomes the backup's devices; each may join (see the module docstring)."""
        before = {entry.eui for entry in self.log.entries()}
        kept = {eui for eui, _ in pairs}
        with self._nvm.transaction():
            self.log.replace_all([DeviceEntry(eui, code) for eui, code in pairs])
            self.log.set_network_id(network_id)
            self.changes += sorted(before - kept)
            actions: list[Action] = [RemoveDevice(eui) for eui in sorted(before - kept)]
            actions += self.open_windows(utc, force=True)
            return actions, [self.changed(utc)]

    def set_joining(self, utc: float, *, enabled: bool | None = None, timeout: int | None = None) -> list[Action]:
        """Attributes 2 / 3: enabling opens windows, disabling withdraws the open ones."""
        with self._nvm.transaction():
            self.log.set_joining(enabled=enabled, timeout=timeout)
            if enabled is False:
                return self._close_windows()
            return self.open_windows(utc) if self.log.joining_enabled else []

    def open_windows(self, utc: float, *, force: bool = False) -> list[Action]:
        """A join window for each entry that has not joined and has none open."""
        seconds = self.log.join_timeout * 60
        if seconds <= 0:
            if not force:
                return []
            seconds = RESTORE_WINDOW
        actions: list[Action] = []
        for entry in self.log.entries():
            if entry.joined or (entry.join_until is not None and entry.join_until > utc):
                continue
            self.log.update(entry.eui, join_until=utc + seconds)
            actions.append(PermitJoin(entry.eui, entry.install_code, entry.link_key(), seconds))
        return actions

    def _close_windows(self) -> list[Action]:
        actions: list[Action] = []
        for entry in self.log.entries():
            if entry.join_until is not None:
                self.log.update(entry.eui, join_until=None)
                actions.append(PermitJoin(entry.eui, entry.install_code, entry.link_key(), 0))
        return actions

    def lapse_windows(self, utc: float) -> None:
        """Forget windows whose time is over (the HAN side's permit lapses by itself)."""
        for entry in self.log.entries():
            if entry.join_until is not None and entry.join_until <= utc:
                self.log.update(entry.eui, join_until=None)

    def next_lapse(self) -> float | None:
        """UTC of the next window to lapse."""
        ends = [entry.join_until for entry in self.log.entries() if entry.join_until is not None]
        return min(ends) if ends else None

    def joined(self, eui: bytes, *, sleepy: bool, sub_ghz: bool) -> DeviceEntry | None:
        """The HAN side admitted `eui`; None when it is not in the log."""
        return self.log.update(eui, joined=True, sleepy=sleepy, sub_ghz=sub_ghz, join_until=None)

    def left(self, eui: bytes) -> DeviceEntry | None:
        return self.log.update(eui, joined=False)
