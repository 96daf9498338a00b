"""Metering, identity, configuration, log and infrastructure objects of a SMETS2 ESME (meters.md 2.1, 2.2, 2.5, 2.6).

Collections (class 1 0-0:94.44.34.n) are the structures GBCS reads through the data
protection objects; their layouts are meters.md 2.2's (and match the RTDS plaintexts):
import {active dlu, {0, Wh}, reactive dlu, {0, varh} [, second element dlu]}, TOU
{48 dlu [, 4 dlu]}, blocks {64 dlu}, power {W dlu, {0, W}, primary W dlu}, prepayment
{meter balance, EC, accumulated debt, time debt 1, time debt 2, payment debt} (all dl).
"""

from __future__ import annotations

from collections.abc import Callable

from firmware.devices.esme import dates, metering, prepayment
from firmware.devices.esme.classes_basic import (
    VARH,
    WATT,
    WH,
    data,
    data_computed,
    demand_register,
    extended_data,
    extended_register,
    register,
    register_activation,
    scaler_unit,
)
from firmware.devices.esme.classes_infra import PROTECTED, data_protection, image_transfer, push_setup, security_setup
from firmware.devices.esme.classes_payment import limiter
from firmware.devices.esme.classes_time import clock, profile_generic, schedule
from firmware.devices.esme.cosem import CosemObject, Reader
from firmware.devices.esme.load import SLOT
from firmware.devices.esme.logs import log_specs
from firmware.devices.esme.meter import Call
from firmware.devices.esme.profile import DeviceProfile, Variant
from firmware.devices.esme.schema import DT12, U16, U32, Bits, Octets
from protocols.dlms import BitString, Boolean, Data, Obis, array, bits, i32, octets, structure, u16, u32

ALERT_STRING_BITS = 256
ALL_ALERTS = bits(ALERT_STRING_BITS, (1 << ALERT_STRING_BITS) - 1)


def _wh(key: str) -> Reader:
    return lambda call: u32(int(metering.energy(call.meter, key)) & 0xFFFFFFFF)


def _power(call: Call) -> int:
    demand = call.meter.load.demand(int(call.time // SLOT))
    return int(demand.import_w) if metering.supply.connected(call.meter) else 0


def _import_collection(call: Call) -> Data:
    meter = call.meter
    fields = [_wh("import")(call), scaler_unit(0, WH), _wh("reactive")(call), scaler_unit(0, VARH)]
    if meter.profile.variant is Variant.TWIN:
        fields.append(_wh("secondary")(call))
    return structure(*fields)


def _tou_collection(call: Call) -> Data:
    tou = array([u32(int(value)) for value in metering.energies(call.meter, "tou", metering.TOU_RATES)])
    if call.meter.profile.variant is Variant.TWIN:
        return structure(tou, array([u32(int(value)) for value in metering.energies(call.meter, "tou2", 4)]))
    return structure(tou)


def _block_collection(call: Call) -> Data:
    return structure(array([u32(int(value)) for value in metering.energies(call.meter, "blocks", 64)]))


def _power_collection(call: Call) -> Data:
    watts = u32(_power(call))
    return structure(watts, scaler_unit(0, WATT), watts)


def _money(value: float) -> Data:
    return i32(max(-(1 << 31), min((1 << 31) - 1, int(value))))


def _prepayment_collection(call: Call) -> Data:
    meter = call.meter
    emergency = prepayment.money(meter, "p/ec") if prepayment.ec_active(meter) else 0.0
    values = (
        prepayment.money(meter, "p/balance"),
        emergency,
        prepayment.money(meter, "p/accumulated"),
        prepayment.money(meter, "p/debt1"),
        prepayment.money(meter, "p/debt2"),
        prepayment.money(meter, "p/debt3"),
    )
    return structure(*(_money(value) for value in values))


def _max_demand(which: str) -> tuple[Reader, Reader]:
    def value(call: Call) -> Data:
        return u32(metering.max_demand(call.meter, which)[0])

    def captured(call: Call) -> Data:
        stamp = metering.max_demand(call.meter, which)[1]
        return octets(
            dates.date_time(dates.from_stamp(stamp)) if stamp else b"\xff\xff" + b"\xff" * 7 + b"\x80\x00\xff"
        )

    return value, captured


def _last_reset(which: str) -> Reader:
    def read(call: Call) -> Data:
        stamp = call.meter.store.get(f"m/md/{which}/reset")
        return octets(
            dates.date_time(dates.from_stamp(stamp)) if stamp else b"\xff\xff" + b"\xff" * 7 + b"\x80\x00\xff"
        )

    return read


def _voltage_counter(which: str, phase: str) -> tuple[Reader, Callable[[Call], None]]:
    def read(call: Call) -> Data:
        return u32(call.meter.state(f"v/{which}/{phase}"))

    def reset(call: Call) -> None:
        call.meter.set_state(f"v/{which}/{phase}", 0)

    return read, reset


def _alert_strings(party: int, setters: tuple[int, ...]) -> list[CosemObject]:
    """ECS25: 512-bit writes (mask || values) update the 256-bit strings read back at index + 4 (meters.md 2.6)."""
    objects = []
    for index in setters:
        target = f"0-{party}:97.98.{index + 4}.255"

        def apply(call: Call, value: Data, target: str = target) -> None:
            current = call.meter.value(target, 2)
            raw = int.from_bytes(value.data, "big") if isinstance(value, BitString) else 0
            mask, wanted = raw >> ALERT_STRING_BITS, raw & ((1 << ALERT_STRING_BITS) - 1)
            old = int.from_bytes(current.data, "big") if isinstance(current, BitString) else 0
            call.meter.set_value(target, 2, bits(ALERT_STRING_BITS, (old & ~mask) | (wanted & mask)))

        objects.append(
            data(
                f"0-{party}:97.98.{index}.255",
                f"Alert configuration write {index} (party {party})",
                bits(512, 0),
                Bits(512, 512),
                apply,
            )
        )
        objects.append(data(target, f"Alert configuration {index + 4} (party {party})", ALL_ALERTS))
    return objects


def _stamp_now(call: Call) -> Data:
    return u32(dates.stamp(call.time))


def metering_objects(profile: DeviceProfile) -> list[CosemObject]:
    identity = profile.identity
    fixed, configurable, export = _max_demand("fixed"), _max_demand("configurable"), _max_demand("export")

    def reset_md(which: str) -> Callable[[Call], None]:
        return lambda call: metering.reset_max_demand(call.meter, which, call.time)

    objects = [
        clock(),
        data_computed("0-0:94.44.100.255", "Buffer time stamp (seconds since 2000)", _stamp_now),
        register("1-0:1.8.0.255", "Active energy import", _wh("import")),
        register("1-0:2.8.0.255", "Active energy export", _wh("export")),
        register("1-0:3.8.0.255", "Reactive energy import", _wh("reactive"), 0, VARH),
        register("1-0:4.8.0.255", "Reactive energy export", lambda call: u32(0), 0, VARH),
        register("1-0:1.7.0.255", "Instantaneous active power import", lambda call: u32(_power(call)), 0, WATT),
        demand_register(
            "1-0:1.4.0.255",
            "Average active power import (current period)",
            lambda call: u32(_power(call)),
            fixed[0],
            fixed[1],
            SLOT,
        ),
        register_activation(
            "0-0:14.0.0.255", "Register activation", [(3, "1-0:1.8.0.255"), (3, "1-0:2.8.0.255"), (3, "1-0:3.8.0.255")]
        ),
        data_computed("0-0:94.44.34.10", "Import register collection", _import_collection),
        data_computed("0-0:94.44.34.1", "Tariff TOU register collection", _tou_collection),
        data_computed("0-0:94.44.34.2", "Tariff TOU block register collection", _block_collection),
        data_computed("0-0:94.44.34.20", "Instantaneous power import collection", _power_collection),
        data_computed("0-0:94.44.34.30", "Prepayment register collection", _prepayment_collection),
        extended_register(
            "1-0:1.6.0.255", "Maximum demand import (fixed period)", fixed[0], fixed[1], 0, WATT, reset_md("fixed")
        ),
        extended_register(
            "1-0:1.6.1.255",
            "Maximum demand import (configurable period)",
            configurable[0],
            configurable[1],
            0,
            WATT,
            reset_md("configurable"),
        ),
        extended_register("1-0:2.6.0.255", "Maximum demand export", export[0], export[1], 0, WATT, reset_md("export")),
        data_computed("0-0:94.44.5.0", "Maximum demand import (configurable) last reset", _last_reset("configurable")),
        data_computed("0-0:94.44.5.1", "Maximum demand import (fixed) last reset", _last_reset("fixed")),
        data_computed("0-0:94.44.5.2", "Maximum demand export last reset", _last_reset("export")),
        schedule(
            "0-0:12.0.0.255", "Maximum demand configurable period", array([_md_entry(0, 1, 16), _md_entry(1, 2, 19)])
        ),
        data("0-0:0.2.1.255", "Firmware version", octets(identity.firmware_version)),
        data("0-0:96.1.2.255", "Meter variant", octets(identity.meter_variant)),
        data("0-0:96.1.4.255", "Model type", octets(identity.model)),
        data("0-0:96.1.6.255", "Manufacturer identifier", octets(identity.manufacturer)),
        data("0-0:94.44.34.11", "Import MPAN(s)", octets(identity.import_mpan), Octets(0, 26)),
        data("1-0:0.0.2.255", "Export MPAN", octets(identity.export_mpan), Octets(0, 13)),
        data("0-0:94.44.0.0", "Randomised offset", u16(200)),
        data("0-0:94.44.0.1", "Randomised offset limit", u16(1000), U16),
        data("0-0:94.44.0.2", "Randomised offset number", u16(2000)),
        data("0-2:96.13.1.255", "Supplier message", octets(b""), Octets(0, 116)),
        data("0-3:96.13.1.255", "Customer identification number (CIN)", octets(b"0000"), Octets(0, 4)),
        data("0-0:94.44.3.1", "Privacy PIN protection", octets(b"\x00\x00"), Octets(0, 8)),
        data("0-0:94.44.3.2", "Change of tenancy date", octets(b"\xff\xff" + b"\xff" * 7 + b"\x80\x00\xff"), DT12),
        extended_data("0-0:96.13.0.255", "Supplier telephone number", octets(b""), Octets(0, 18)),
        extended_data("0-0:96.13.1.255", "Supplier name", octets(b""), Octets(0, 15)),
        image_transfer(),
        push_setup("0-0:25.9.0.255", [(8, "0-0:1.0.0.255", 2), (3, "1-0:1.8.0.255", 2)]),
        security_setup(),
        *_alert_strings(30, (11, 12, 13, 14)),
        *_alert_strings(33, (11, 14)),
    ]
    specs = log_specs(profile.variant)
    for obis, spec in specs.items():
        period = (
            86_400
            if ".98.1." in obis or obis == "0-0:99.1.3.255"
            else (SLOT if obis.startswith(("0-0:99.1.", "1-0:")) else 0)
        )
        voltage = obis.startswith("1-0:")
        objects.append(
            profile_generic(
                spec, period, period_writable=voltage, clearable=obis in ("0-0:99.98.0.255", "0-17:99.98.2.255")
            )
        )
    objects += [data_protection(f"0-0:43.2.{index}.255") for index in PROTECTED]
    objects += _voltage_objects(profile)
    return objects


def _md_entry(index: int, selector: int, hour: int) -> Data:
    return structure(
        u16(index),
        Boolean(True),
        octets(Obis.of("0-0:10.128.100.255").raw),
        u16(selector),
        octets(bytes((hour, 0, 0, 0))),
        u16(0xFFFF),
        bits(7, 0b1111111),
        bits(0, 0),
        octets(b"\x00\x00\x01\xff\xff"),
        octets(b"\xff" * 5),
    )


def _voltage_objects(profile: DeviceProfile) -> list[CosemObject]:
    objects = [
        limiter("0-0:17.0.1.255", "Extreme over voltage", 287, 30, 30, (3, "1-0:32.7.0.255", 2)),
        limiter("0-0:17.0.2.255", "Extreme under voltage", 180, 30, 30, (3, "1-0:32.7.0.255", 2)),
        limiter("0-0:17.0.3.255", "Voltage sag", 216, 30, 30, (3, "1-0:32.7.0.255", 2)),
        limiter("0-0:17.0.4.255", "Voltage swell", 253, 30, 30, (3, "1-0:32.7.0.255", 2)),
    ]
    phases = ("32", "52", "72") if profile.variant is Variant.POLYPHASE else ("32",)
    for number, phase in enumerate(phases, 1):
        under, reset_under = _voltage_counter("under", phase)
        over, reset_over = _voltage_counter("over", phase)
        objects += [
            data(f"1-0:{phase}.31.0.4", f"Average RMS under voltage threshold L{number} (V)", u32(216), U32),
            data(f"1-0:{phase}.35.0.4", f"Average RMS over voltage threshold L{number} (V)", u32(253), U32),
            register(f"1-0:{phase}.32.0.4", f"Average RMS under voltage counter L{number}", under, 0, 255, reset_under),
            register(f"1-0:{phase}.36.0.4", f"Average RMS over voltage counter L{number}", over, 0, 255, reset_over),
        ]
    return objects
