"""The gas mirror: the GPF's copy of the GSME's data, and the daily consumption log the GPF keeps from it.

Why: the GSME sleeps; the GPF answers the reads GBCS gives it from what the meter last
pushed (meters.md 4.5; gbcs.md 6.3 - by default every 30 minutes).

- `update(values, utc, gsme_utc)`: a wake-up's attribute values ((cluster, attribute) ->
  value, the form `firmware.devices.gsme.Gsme.mirror_values` gives) replace the mirror's;
  the time of the update and, when the meter reported it, its own clock are kept.
- Daily reads. At the first update of a UTC day the GPF takes its midnight reading: the
  values it held when the day began (the last update before midnight), time-stamped at
  midnight. From it (meters.md 1.2): the daily consumption log GCS61 reads from the GPF
  alone (the day's consumption is the next midnight's Metering CurrentSummationDelivered
  0x0702/0x0000 minus its own midnight's; 731 days, the depth GCS61 asks for), and the daily
  read logs GCS16a / GCS16b read - a Metering snapshot (summation, four tier registers, four
  block counters) and a Prepayment snapshot (debts and balances), cause 1 "general", 31 days
  of each, the fields the GSME's own snapshots carry (`firmware.devices.gsme`).
- Clock reliability of what the GPF answers (the status byte of a response's
  date-time, RTDS GCS13b/GCS60a): `00` the values carry the GPF's own, reliable time;
  `04` ("different clock base") they were time-stamped by the GSME's clock, which agrees
  with the hub's within the tolerance; `02` (doubtful) the GSME's clock is unreliable - it
  disagrees by more than the tolerance, or its last GCS28 Set Clock response said so [?:
  GBCS names the variants RELIABLE_GPF / RELIABLE_GSME / UNRELIABLE, not this rule].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from firmware.devices.gsme.prepay import SNAPSHOT_FIELDS
from firmware.gbcs.alerts import zigbee_utc
from protocols.gbz import zcl

if TYPE_CHECKING:
    from hal.nvm import Nvm

METERING, SUMMATION = 0x0702, 0x0000
DAY = 86_400
CLOCK_RELIABLE, CLOCK_DOUBTFUL, CLOCK_GSME_BASE = 0x00, 0x02, 0x04
#: Seconds by which the GSME's clock may differ from the hub's and still be reliable (ours).
CLOCK_TOLERANCE = 10
PREPAYMENT = 0x0705
DAILY_SAMPLES, DAILY_READS = 731, 31
GENERAL_CAUSE = 0x00000001  #: snapshot cause of a daily read (meters.md 1.2)
#: The attributes of a Metering daily snapshot: summation, tier 1-4 registers, block 1-4 counters (meters.md 4.1).
METERING_SNAPSHOT = (0x0000, 0x0100, 0x0102, 0x0104, 0x0106, 0x0700, 0x0701, 0x0702, 0x0703)
#: The attributes of a Prepayment daily snapshot, in payload type 0's order (meters.md 4.2).
PREPAYMENT_SNAPSHOT = tuple(zcl.attribute_id(PREPAYMENT, name) for name in SNAPSHOT_FIELDS)
_VALUES = "gpf.mirror.values"
_UPDATED = "gpf.mirror.updated"
_GSME_CLOCK = "gpf.mirror.gsme-clock"
_MIDNIGHT = "gpf.mirror.midnight"
DAILY_LOG = "gpf.daily-consumption"
SNAPSHOTS = {METERING: "gpf.snapshots", PREPAYMENT: "gpf.prepay-snapshots"}


def _key(cluster: int, attribute: int) -> str:
    return f"{cluster:04x}:{attribute:04x}"


def _plain(value: Any) -> Any:
    """A ZCL value as NVM stores it (zigpy's typed ints, bytes and strings as the plain ones)."""
    if isinstance(value, bool | int):
        return int(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return str(value)


class GasMirror:
    """The GPF's copy of the GSME's values, in NVM (see the module docstring)."""

    def __init__(self, nvm: Nvm) -> None:
        self._nvm = nvm

    def values(self) -> dict[tuple[int, int], Any]:
        stored = self._nvm.get(_VALUES, {})
        return {(int(key[:4], 16), int(key[5:], 16)): value for key, value in stored.items()}

    def value(self, cluster: int, attribute: int) -> Any:
        return self._nvm.get(_VALUES, {}).get(_key(cluster, attribute))

    @property
    def updated(self) -> float | None:
        updated: float | None = self._nvm.get(_UPDATED)
        return updated

    def update(self, values: Mapping[tuple[int, int], Any], utc: float, gsme_utc: float | None = None) -> None:
        """A wake-up's values; `gsme_utc` the meter's own clock at that moment, when it reported it."""
        with self._nvm.transaction() as tx:
            stored = dict(self._nvm.get(_VALUES, {}))
            updated = self.updated
            if updated is not None and zigbee_utc(utc) // DAY > zigbee_utc(updated) // DAY:
                self._midnight(stored, zigbee_utc(utc) // DAY * DAY)
            stored.update({_key(cluster, attribute): _plain(value) for (cluster, attribute), value in values.items()})
            tx.put(_VALUES, stored)
            tx.put(_UPDATED, utc)
            if gsme_utc is not None:
                tx.put(_GSME_CLOCK, {**self._nvm.get(_GSME_CLOCK, {}), "offset": gsme_utc - utc})

    def apply(self, cluster: int, attributes: Mapping[int, Any]) -> None:
        """Set attributes a tap-off command changed (the GSME confirmed them)."""
        stored = dict(self._nvm.get(_VALUES, {}))
        stored.update({_key(cluster, attribute): _plain(value) for attribute, value in attributes.items()})
        self._nvm.put(_VALUES, stored)

    # -- daily reads ---------------------------------------------------------------------------

    def _midnight(self, stored: dict[str, Any], midnight: int) -> None:
        """The midnight reading from the values held when the day began (see the module docstring)."""
        summation = stored.get(_key(METERING, SUMMATION))
        previous = self._nvm.get(_MIDNIGHT)
        if summation is not None:
            if previous is not None and previous["summation"] is not None:
                consumption = max(0, summation - previous["summation"])
                self._nvm.append(DAILY_LOG, {"time": previous["time"], "value": consumption}, keep=DAILY_SAMPLES)
            self._nvm.put(_MIDNIGHT, {"time": midnight, "summation": summation})
        for cluster, attributes in ((METERING, METERING_SNAPSHOT), (PREPAYMENT, PREPAYMENT_SNAPSHOT)):
            readings = [stored.get(_key(cluster, attribute)) for attribute in attributes]
            if all(reading is not None for reading in readings):
                entry = {"time": midnight, "cause": GENERAL_CAUSE, "values": readings}
                self._nvm.append(SNAPSHOTS[cluster], entry, keep=DAILY_READS)

    def daily_consumption(self) -> list[tuple[int, int]]:
        """(ZigBee UTC start of day, consumption) for each completed day, oldest first."""
        return [(entry["time"], entry["value"]) for _, entry in self._nvm.log(DAILY_LOG)]

    def snapshots(self, cluster: int) -> list[tuple[int, dict[str, Any]]]:
        """The daily snapshots of `cluster` (Metering or Prepayment), oldest first, with their ids."""
        return self._nvm.log(SNAPSHOTS[cluster])

    # -- clock reliability ----------------------------------------------------------------------

    def gsme_clock_reported(self, reliable: bool, gsme_utc: float, utc: float) -> None:
        """The GSME's answer to GCS28 Set Clock: its time at `utc`, and whether it holds its clock reliable."""
        self._nvm.put(_GSME_CLOCK, {"reliable": reliable, "offset": gsme_utc - utc})

    def clock_status(self) -> int:
        """The clock status byte of the GPF's dated responses (see the module docstring)."""
        clock = self._nvm.get(_GSME_CLOCK, {})
        if clock.get("reliable") is False:
            return CLOCK_DOUBTFUL
        offset = clock.get("offset")
        if offset is None:
            return CLOCK_RELIABLE
        return CLOCK_GSME_BASE if abs(offset) <= CLOCK_TOLERANCE else CLOCK_DOUBTFUL
