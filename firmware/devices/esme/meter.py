"""The meter's state and the services the COSEM objects and the behaviour modules share.

`Meter` holds the NVM store, the profile, the object table and the alerts raised during the
current call; `Call` is one operation on it (a command's instruction, or the meter's own timer
work) with the meter time it happens at. Behaviour lives in the modules named after it
(`metering`, `prepayment`, `supply`, `activation`, `logs`, `timeline`); they read their
configuration from the objects' stored attributes through `Meter.value`, so a command that
writes an attribute changes the behaviour, and nothing is kept only in memory.

Meter time is UTC plus the offset ECS70 (Set Clock) leaves (`clock_offset`), so the clock can
be set without touching the host's time source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from firmware.devices.esme import alerts as alert_codes
from firmware.devices.esme import logs
from firmware.devices.esme.cosem import CosemObject
from firmware.devices.esme.faults import Faults
from firmware.devices.esme.load import Load
from firmware.devices.esme.logs import LogSpec
from firmware.devices.esme.profile import DeviceProfile
from firmware.devices.esme.security import PayloadSecurity
from firmware.devices.esme.store import Store
from firmware.gbcs.contract import CommandContext, RaisedAlert
from protocols.dlms import BitString, Boolean, Data, Integer, Obis

_T = TypeVar("_T")

#: Event log, security log and power event log (meters.md 2.6); which alert codes go where.
EVENT_LOG = "0-0:99.98.0.255"
SECURITY_LOG = "0-0:99.98.1.255"
POWER_LOG = "0-0:99.98.4.255"
_SECURITY_CODES = frozenset(
    {0x8F0C, 0x8F1C, 0x8F51, 0x8F52, 0x8F5B, 0x8F63, 0x8F64, 0x8F72, 0x8145, 0x81C6, 0x8F1E, 0x8F30, 0x8F3D, 0x8F53}
)
#: Alert configuration strings: WAN alerting and logging, per party (meters.md 2.6).
SUPPLIER_WAN = "0-30:97.98.15.255"
SUPPLIER_LOGGING = "0-30:97.98.18.255"
OPERATOR_WAN = "0-33:97.98.15.255"
OPERATOR_LOGGING = "0-33:97.98.18.255"


@dataclass
class Call:
    """One operation: the meter, the command it serves (None for the meter's own work) and its meter time."""

    meter: Meter
    context: CommandContext | None
    time: float


@dataclass
class Meter:
    store: Store
    profile: DeviceProfile
    objects: dict[Obis, CosemObject]
    load: Load
    security: PayloadSecurity | None
    faults: Faults
    log_specs: dict[str, LogSpec]
    alerts: list[RaisedAlert] = field(default_factory=list)
    _cache: dict[Any, Any] = field(default_factory=dict)
    _names: dict[str, CosemObject] = field(default_factory=dict)  #: objects by logical-name text, memoised

    # ---- time

    @property
    def clock_offset(self) -> float:
        return float(self.store.get("m/clock/offset", 0.0))

    def meter_time(self, utc: float) -> float:
        return utc + self.clock_offset

    # ---- stored attributes

    def obj(self, obis: str) -> CosemObject:
        found = self._names.get(obis)
        if found is None:
            found = self._names[obis] = self.objects[Obis.of(obis)]
        return found

    def value(self, obis: str, attribute: int) -> Data:
        """The stored value of attribute `attribute` of object `obis` (its default when never written)."""
        obj = self.obj(obis)
        spec = obj.attributes[attribute]
        if spec.default is None:
            raise KeyError(f"{obj.label} attribute {attribute} is not stored")
        return self.store.get_data(obj.key(attribute), spec.default)

    def raw_value(self, obis: str, attribute: int) -> bytes | None:
        """The stored bytes (None when never written): a cheap cache key."""
        return self.store.get(self.obj(obis).key(attribute))

    def set_value(self, obis: str, attribute: int, value: Data) -> None:
        obj = self.obj(obis)
        self.store.put_data(obj.key(attribute), value)

    def number(self, obis: str, attribute: int) -> int:
        """A stored integer attribute (0 when it holds something else)."""
        value = self.value(obis, attribute)
        if isinstance(value, Integer):
            return value.value
        return int(value.value) if isinstance(value, Boolean) else 0

    def flag(self, obis: str, attribute: int) -> bool:
        value = self.value(obis, attribute)
        return bool(value.value) if isinstance(value, (Boolean, Integer)) else False

    def cached(self, key: Any, build: Callable[[], _T]) -> _T:
        """`build()` memoised on `key` (which must capture every input, e.g. the stored bytes)."""
        if key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = build()
        return self._cache[key]

    # ---- state numbers

    def state(self, key: str, default: int = 0) -> int:
        return int(self.store.get(f"m/{key}", default))

    def set_state(self, key: str, value: int) -> None:
        self.store.put(f"m/{key}", value)

    # ---- alerts

    def raise_alert(self, code: int, time: float, *fields: Data, recipient: bytes | None = None) -> None:
        """Log `code` and send it as an alert, as the ECS25 configuration allows (critical ones always)."""
        bit = alert_codes.configured_bit(code)
        party_wan, party_log = (
            (SUPPLIER_WAN, SUPPLIER_LOGGING) if code >> 8 == 0x81 else (OPERATOR_WAN, OPERATOR_LOGGING)
        )
        if bit is None or _bit(self.value(party_log, 2), bit):
            log = SECURITY_LOG if code in _SECURITY_CODES else (POWER_LOG if code >> 8 == 0x80 else EVENT_LOG)
            logs.record_event(self, log, time, code)
        if bit is None or _bit(self.value(party_wan, 2), bit):
            payload = alert_codes.notification(code, time, *fields)
            self.alerts.append(RaisedAlert(alert_codes.message_code(code), payload, recipient))

    def take_alerts(self) -> tuple[RaisedAlert, ...]:
        raised, self.alerts = tuple(self.alerts), []
        return raised


def _bit(value: Data, number: int) -> bool:
    """Bit `number` of a 256-bit configuration string, bit 0 being the last bit on the wire."""
    if not isinstance(value, BitString) or number >= value.bits:
        return False
    return value.bit(value.bits - 1 - number)
