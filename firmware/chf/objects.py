"""The CHF's COSEM objects (gbcs.md 5.7): what each CHF use case reads, writes and calls.

| object | class | logical name | use cases |
|---|---|---|---|
| CHF device log | 104 ZigBee Network Control | 0-0:30.3.0.255 | CCS01 (m1, a3, a2), CCS02 (m2), CCS03 (m5), |
|  |  |  | CCS04/05/06 (a4), CCS07 (m4) |
| GPF device log | 104 | 0-0:30.3.1.255 | CCS07 (m4) |
| CHF identity | 1 Data | 0-0:96.1.1.255, 0-0:96.1.4.255, 0-0:96.1.6.255 | ECS26i |
| CHF event log / security log | 7 Profile Generic | 0-0:99.98.0.255 / 0-0:99.98.1.255 | ECS35c / ECS35d |
| sub-GHz configuration | 1 | 0-0:94.44.10.0 | DBCH03 (get), DBCH04 (set) |
| sub-GHz channel scan request | 1 | 0-0:94.44.10.1 | DBCH05 (set) |
| sub-GHz channel | 1 | 0-0:94.44.10.2 | DBCH01 |
| sub-GHz channel log | 7 | 0-0:94.44.10.3 | DBCH02 |

The identity objects hold the CHF's EUI-64, its model and its manufacturer identifier
[?: gbcs.md names the three objects, not which is which]. Logs are read with a range
descriptor whose bounds are u32 ZigBee UTC times (or DLMS date-times), or with an entry
descriptor (meters.md 3.2); the columns are always all three.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from firmware.chf.alerts import ChfAlerts, log_entries
from firmware.chf.commissioning import Commissioning
from firmware.chf.cosem import (
    OK,
    OTHER_REASON,
    SCOPE_OF_ACCESS_VIOLATED,
    SUCCESS,
    TYPE_UNMATCHED,
    Call,
    CosemObject,
    Outcome,
)
from firmware.chf.device_log import DeviceEntry, valid_install_code
from firmware.chf.dual_band import DualBand
from firmware.chf.sub_ghz import SubGhzConfiguration, channel_mask, mask_data
from firmware.gbcs.alerts import zigbee_utc
from protocols.dlms import (
    Array,
    Boolean,
    Data,
    DataType,
    DateTime,
    DlmsDecodeError,
    Integer,
    Obis,
    OctetString,
    Structure,
    octets,
    u16,
)
from protocols.dlms.selective import EntryDescriptor, RangeDescriptor, SelectiveAccess

CHF_DEVICE_LOG = Obis.of("0-0:30.3.0.255")
GPF_DEVICE_LOG = Obis.of("0-0:30.3.1.255")
EVENT_LOG = Obis.of("0-0:99.98.0.255")
SECURITY_LOG = Obis.of("0-0:99.98.1.255")
IDENTITY = (Obis.of("0-0:96.1.1.255"), Obis.of("0-0:96.1.4.255"), Obis.of("0-0:96.1.6.255"))
SUB_GHZ_CONFIGURATION = Obis.of("0-0:94.44.10.0")
SUB_GHZ_SCAN = Obis.of("0-0:94.44.10.1")
SUB_GHZ_CHANNEL = Obis.of("0-0:94.44.10.2")
SUB_GHZ_CHANNEL_LOG = Obis.of("0-0:94.44.10.3")
DATA, PROFILE_GENERIC, ZIGBEE_NETWORK_CONTROL = 1, 7, 104
_MAX_DEVICE_TYPE = 6
LogSource = Callable[[], list[tuple[float, int, bytes]]]


@dataclass(frozen=True, slots=True)
class ChfObjects:
    """What the object table reads and changes."""

    eui: bytes
    model: bytes
    manufacturer: bytes
    commissioning: Commissioning
    dual_band: DualBand
    alerts: ChfAlerts
    security_log: LogSource
    gpf_backup: Callable[[float], Data] | None

    def table(self) -> list[CosemObject]:
        objects = [
            self._device_log(),
            *(self._constant(obis, octets(value)) for obis, value in zip(IDENTITY, self._identity(), strict=True)),
            self._log(EVENT_LOG, self.alerts.events),
            self._log(SECURITY_LOG, self.security_log),
            self._log(SUB_GHZ_CHANNEL_LOG, self.dual_band.channel_log),
            CosemObject(
                DATA,
                SUB_GHZ_CONFIGURATION,
                get={1: _name(SUB_GHZ_CONFIGURATION), 2: lambda call: Outcome(SUCCESS, self._configuration())},
                set={2: self._configure},
            ),
            CosemObject(DATA, SUB_GHZ_SCAN, get={1: _name(SUB_GHZ_SCAN)}, set={2: self._scan}),
            CosemObject(
                DATA,
                SUB_GHZ_CHANNEL,
                get={1: _name(SUB_GHZ_CHANNEL), 2: lambda call: Outcome(SUCCESS, self._channel())},
            ),
        ]
        gpf_backup = self.gpf_backup
        if gpf_backup is not None:
            objects.append(
                CosemObject(
                    ZIGBEE_NETWORK_CONTROL,
                    GPF_DEVICE_LOG,
                    get={1: _name(GPF_DEVICE_LOG)},
                    action={4: lambda call, value: Outcome(SUCCESS, gpf_backup(call.utc))},
                )
            )
        return objects

    def _identity(self) -> tuple[bytes, bytes, bytes]:
        return self.eui, self.model, self.manufacturer

    def _constant(self, obis: Obis, value: Data) -> CosemObject:
        return CosemObject(DATA, obis, get={1: _name(obis), 2: lambda call: Outcome(SUCCESS, value)})

    # -- CHF device log ---------------------------------------------------------------------------

    def _device_log(self) -> CosemObject:
        log = self.commissioning.log
        return CosemObject(
            ZIGBEE_NETWORK_CONTROL,
            CHF_DEVICE_LOG,
            get={
                1: _name(CHF_DEVICE_LOG),
                2: lambda call: Outcome(SUCCESS, Boolean(log.joining_enabled)),
                3: lambda call: Outcome(SUCCESS, u16(log.join_timeout)),
                4: lambda call: Outcome(SUCCESS, log.active_devices()),
            },
            set={2: self._enable_joining, 3: self._join_timeout},
            action={1: self._register, 2: self._unregister, 3: self._unregister_all, 4: self._backup, 5: self._restore},
        )

    def _enable_joining(self, call: Call, value: Data) -> Outcome:
        if not isinstance(value, Boolean):
            return Outcome(TYPE_UNMATCHED)
        call.actions += self.commissioning.set_joining(call.utc, enabled=value.value)
        return OK

    def _join_timeout(self, call: Call, value: Data) -> Outcome:
        if not isinstance(value, Integer) or value.type is not DataType.LONG_UNSIGNED:
            return Outcome(TYPE_UNMATCHED)
        call.actions += self.commissioning.set_joining(call.utc, timeout=value.value)
        return OK

    def _register(self, call: Call, value: Data) -> Outcome:
        entry = _registration(value)
        if entry is None:
            return Outcome(TYPE_UNMATCHED)
        added, actions, raised = self.commissioning.register(entry, call.utc)
        if not added:
            return Outcome(OTHER_REASON)  # the log is full [?: GBCS's result code for it]
        call.actions += actions
        call.alerts += raised
        return OK

    def _unregister(self, call: Call, value: Data) -> Outcome:
        if not isinstance(value, OctetString) or len(value.value) != 8:
            return Outcome(TYPE_UNMATCHED)
        removed, actions, raised = self.commissioning.unregister(value.value, call.utc)
        if not removed:
            return Outcome(OTHER_REASON)  # not in the log [?]
        call.actions += actions
        call.alerts += raised
        return OK

    def _unregister_all(self, call: Call, value: Data) -> Outcome:
        actions, raised = self.commissioning.unregister_all(call.utc)
        call.actions += actions
        call.alerts += raised
        return OK

    def _backup(self, call: Call, value: Data) -> Outcome:
        return Outcome(SUCCESS, self.commissioning.log.backup(call.utc))

    def _restore(self, call: Call, value: Data) -> Outcome:
        restored = _restoration(value)
        if restored is None:
            return Outcome(TYPE_UNMATCHED)
        actions, raised = self.commissioning.restore(*restored, call.utc)
        call.actions += actions
        call.alerts += raised
        return OK

    # -- sub-GHz ----------------------------------------------------------------------------------

    def _configuration(self) -> Data:
        return self.dual_band.configuration().to_data()

    def _configure(self, call: Call, value: Data) -> Outcome:
        configuration = SubGhzConfiguration.from_data(value)
        if configuration is None:
            return Outcome(TYPE_UNMATCHED)
        call.alerts.append(self.dual_band.configure(configuration, call.utc))
        return OK

    def _scan(self, call: Call, value: Data) -> Outcome:
        if not isinstance(value, Integer) or value.type is not DataType.UNSIGNED:
            return Outcome(TYPE_UNMATCHED)
        call.actions += self.dual_band.request_scan()
        return OK

    def _channel(self) -> Data:
        return mask_data(channel_mask(self.dual_band.channel()))

    # -- logs -------------------------------------------------------------------------------------

    def _log(self, obis: Obis, source: LogSource) -> CosemObject:
        def everything(call: Call) -> Outcome:
            return Outcome(SUCCESS, log_entries(source(), 0, 0xFFFFFFFF))

        def selected(call: Call, access: SelectiveAccess) -> Outcome:
            entries = source()
            if isinstance(access, EntryDescriptor):
                last = access.to_entry or len(entries)
                return Outcome(SUCCESS, log_entries(entries[access.from_entry - 1 : last], 0, 0xFFFFFFFF))
            bounds = _range(access)
            if bounds is None:
                return Outcome(SCOPE_OF_ACCESS_VIOLATED)
            return Outcome(SUCCESS, log_entries(entries, *bounds))

        return CosemObject(PROFILE_GENERIC, obis, get={1: _name(obis), 2: everything}, selective={2: selected})


def _name(obis: Obis) -> Callable[[Call], Outcome]:
    """Attribute 1 of every object: its logical name."""
    return lambda call: Outcome(SUCCESS, octets(obis.raw))


def _registration(value: Data) -> DeviceEntry | None:
    """CCS01's `structure{ octet-string(8) EUI, enum device type, octet-string install code, enum }`."""
    if not isinstance(value, Structure) or len(value.items) != 4:
        return None
    eui, device_type, code, _ = value.items
    if not (isinstance(eui, OctetString) and len(eui.value) == 8 and isinstance(code, OctetString)):
        return None
    if not isinstance(device_type, Integer) or device_type.type is not DataType.ENUM:
        return None
    if device_type.value > _MAX_DEVICE_TYPE or not valid_install_code(code.value):
        return None
    return DeviceEntry(eui.value, code.value, device_type.value)


def _restoration(value: Data) -> tuple[bytes, list[tuple[bytes, bytes]]] | None:
    """CCS03's `structure{ octet-string(8), array of structure{ EUI, install code } }`."""
    if not isinstance(value, Structure) or len(value.items) != 2:
        return None
    network_id, devices = value.items
    if not isinstance(network_id, OctetString) or len(network_id.value) != 8 or not isinstance(devices, Array):
        return None
    pairs = []
    for item in devices.items:
        if not isinstance(item, Structure) or len(item.items) != 2:
            return None
        eui, code = item.items
        if not (isinstance(eui, OctetString) and len(eui.value) == 8 and isinstance(code, OctetString)):
            return None
        if not valid_install_code(code.value):
            return None
        pairs.append((eui.value, code.value))
    return network_id.value, pairs


def _range(access: RangeDescriptor) -> tuple[int, int] | None:
    """The range bounds as ZigBee UTC seconds: u32 values as sent, or DLMS date-times converted."""
    bounds = []
    for value in (access.from_value, access.to_value):
        if isinstance(value, Integer) and value.value >= 0:
            bounds.append(value.value)
        elif isinstance(value, OctetString) and len(value.value) == 12:
            try:
                utc = DateTime.parse(value.value).to_utc()
            except DlmsDecodeError:
                return None
            if utc is None:
                return None
            bounds.append(zigbee_utc(utc))
        else:
            return None
    return bounds[0], bounds[1]
