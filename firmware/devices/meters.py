"""Minimal GB HAN devices built on `EmulatedDevice`: electricity meter, gas meter, in-home display.

Why: the example and the benchmarks need devices with the right endpoints and
the Metering cluster (0x0702) CurrentSummationDelivered; the full GBCS meters
come with the next issue and grow from these. Attribute IDs are zigpy's
(`zigpy.zcl.clusters.smartenergy.Metering`, `general.Basic`).
"""

from __future__ import annotations

from hal.radio import Radio

from .device import DeviceNvm, EmulatedDevice
from .zcl_server import ZclEndpoint

PROFILE_SMART_ENERGY = 0x0109
#: SE device types (ZigBee SE 1.x device list).
DEVICE_METER = 0x0501
DEVICE_IN_HOME_DISPLAY = 0x0502
BASIC, METERING = 0x0000, 0x0702
#: Basic attributes: ZCLVersion, ManufacturerName, ModelIdentifier, PowerSource.
ZCL_VERSION, MANUFACTURER, MODEL, POWER_SOURCE = 0x0000, 0x0004, 0x0005, 0x0007
#: Metering attributes: CurrentSummationDelivered, UnitofMeasure, Multiplier, Divisor, MeteringDeviceType.
CURRENT_SUMMATION_DELIVERED = 0x0000
UNIT_OF_MEASURE, MULTIPLIER, DIVISOR, METERING_DEVICE_TYPE = 0x0300, 0x0301, 0x0302, 0x0306
SE_ENDPOINT = 1


def meter_endpoint(model: str, kind: int, unit: int, reading: int, mains: bool) -> ZclEndpoint:
    """Endpoint 1 of a meter: Basic, and Metering of `kind` (0 electricity, 1 gas) in `unit`."""
    return ZclEndpoint(
        endpoint=SE_ENDPOINT,
        profile=PROFILE_SMART_ENERGY,
        device_type=DEVICE_METER,
        servers={
            BASIC: {ZCL_VERSION: 3, MANUFACTURER: "commshub", MODEL: model, POWER_SOURCE: 1 if mains else 3},
            METERING: {
                CURRENT_SUMMATION_DELIVERED: reading,
                UNIT_OF_MEASURE: unit,
                MULTIPLIER: 1,
                DIVISOR: 1000,
                METERING_DEVICE_TYPE: kind,
            },
        },
    )


def electricity_meter(
    radios: list[Radio], install_code: bytes, *, reading: int = 0, nvm: DeviceNvm | None = None
) -> EmulatedDevice:
    """An ESME: mains-powered router, Metering in kWh (device type 0 electricity)."""
    return EmulatedDevice(
        radios=radios,
        install_code=install_code,
        nvm=nvm,
        router=True,
        endpoints=[meter_endpoint("ESME", 0, 0, reading, True)],
    )


def gas_meter(
    radios: list[Radio],
    install_code: bytes,
    *,
    reading: int = 0,
    poll_period: float = 7.5,
    nvm: DeviceNvm | None = None,
) -> EmulatedDevice:
    """A GSME: battery-powered sleepy end device polling every `poll_period`, Metering in m3 (type 1 gas)."""
    return EmulatedDevice(
        radios=radios,
        install_code=install_code,
        nvm=nvm,
        router=False,
        sleepy=True,
        poll_period=poll_period,
        endpoints=[meter_endpoint("GSME", 1, 1, reading, False)],
    )


def in_home_display(radios: list[Radio], install_code: bytes, *, nvm: DeviceNvm | None = None) -> EmulatedDevice:
    """An IHD: mains-powered end device, a Metering client (it reads the meters)."""
    endpoint = ZclEndpoint(
        endpoint=SE_ENDPOINT,
        profile=PROFILE_SMART_ENERGY,
        device_type=DEVICE_IN_HOME_DISPLAY,
        servers={BASIC: {ZCL_VERSION: 3, MANUFACTURER: "commshub", MODEL: "IHD", POWER_SOURCE: 1}},
        clients=[METERING],
    )
    return EmulatedDevice(radios=radios, install_code=install_code, nvm=nvm, router=False, endpoints=[endpoint])
