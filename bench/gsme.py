"""GSME figures: `.venv/bin/python -m bench gsme` (or `-m bench.gsme`).

Measures, in process on one core, what the GSME model (`firmware.devices.gsme.Gsme`) serves:

1. GBZ components per second for three payload shapes built from zigpy's schemas: a 7-attribute
   Metering read (GCS13b's shape) in clear and encrypted, a 12-component prepayment and calendar
   update (GCS05's shape), and 31 prepay-snapshot log reads (GCS16b's shape);
2. virtual days of metering (half-hourly accounting, snapshots, credit) per wall second;
3. the `protocols.gbz` codec: RTDS GBZ payloads parsed and rebuilt per second (when the corpus
   is found beside the checkout).

The NVM is `hal.nvm`'s in-memory SQLite store. Timings on a shared machine are measurements, never test assertions.
"""

from __future__ import annotations

import dataclasses
import random
import time
from typing import Any

import zigpy.types as t

from firmware.devices.gsme import Gsme, load_profile
from hal.nvm import Nvm, NvmStore
from protocols import gbz
from protocols.gbz import Cipher, Component, GbzPayload, ZclFrame, zcl

from ._corpus import rtds_files, shared_dir

START = 1_433_116_800.0  # 2015-06-01T00:00:00Z
SUPPLIER = bytes.fromhex("90b3d51f30010000")


@dataclasses.dataclass(frozen=True)
class _Facts:
    message_code: int
    originator: bytes
    counter: int
    now: float
    utc: float


def _nvm() -> Nvm:
    return NvmStore.memory().partition("device/00db1234567890a1")


def _command(cluster_id: int, name: str, seq: int, **fields: Any) -> Component:
    to_client = zcl.command_direction(cluster_id, name)
    command_id, payload = zcl.encode_command(cluster_id, name, server_to_client=to_client, **fields)
    return Component(cluster_id, ZclFrame(0x01 | (0x08 if to_client else 0), seq, command_id, payload))


def _payloads() -> dict[str, bytes]:
    read = Component(
        zcl.METERING, ZclFrame(0, 0, 0, zcl.build_read_attributes((0x700, 0x701, 0x702, 0x703, 0x302, 0x301, 0x300)))
    )
    config = [
        _command(zcl.PREPAYMENT, "set_low_credit_warning_level", n, low_credit_warning_level=500000 + n)
        for n in range(4)
    ]
    days = [
        _command(
            zcl.CALENDAR,
            "publish_day_profile",
            4 + n,
            provider_id=0,
            issuer_event_id=1,
            issuer_calendar_id=9,
            day_id=n + 1,
            total_number_of_schedule_entries=2,
            command_index=0,
            total_number_of_commands=1,
            calendar_type=t.enum8(0),
            day_schedule_entries=[],
        )
        for n in range(8)
    ]
    snapshots = [
        _command(
            zcl.PREPAYMENT,
            "get_prepay_snapshot",
            n,
            earliest_start_time=t.UTCTime(0),
            latest_end_time=t.UTCTime(0xFFFFFFFE),
            snapshot_offset=n,
            snapshot_cause=t.bitmap32(1),
        )
        for n in range(31)
    ]
    return {
        "7-attribute Metering read": gbz.build(GbzPayload((read,))),
        "12 prepayment/calendar writes": gbz.build(GbzPayload(tuple(config + days))),
        "31 prepay snapshot reads": gbz.build(GbzPayload(tuple(snapshots))),
    }


def _rate(meter: Gsme, data: bytes, seconds: float = 1.0) -> float:
    components = len(gbz.parse(data).components)
    count, started, counter = 0, time.perf_counter(), 1000
    while time.perf_counter() - started < seconds:
        counter += 1
        meter.handle(data, _Facts(0x0096, SUPPLIER, counter, 0.0, START))
        count += 1
    return count * components / (time.perf_counter() - started)


def main() -> None:
    profile = load_profile("prepayment")
    cipher = Cipher(bytes(range(16)), bytes.fromhex("00db1234567890a1"))
    print("GSME components served per second (in process, one core):")
    for name, data in _payloads().items():
        plain = Gsme(_nvm(), profile, random.Random(1))
        plain.handle(data, _Facts(0x0096, SUPPLIER, 999, 0.0, START))  # history replay done once, not timed
        line = f"  {name:32s} {_rate(plain, data):9,.0f} components/s"
        if name.startswith("7-"):
            sealed = Gsme(_nvm(), profile, random.Random(1), cipher_for=lambda facts: cipher)
            sealed.handle(data, _Facts(0x0096, SUPPLIER, 999, 0.0, START))
            line += f"   encrypted: {_rate(sealed, data):9,.0f} components/s"
        print(line)
    fresh = Gsme(_nvm(), dataclasses.replace(profile, commissioned=None), random.Random(1))
    fresh.timer_fired(0.0, START)
    started = time.perf_counter()
    days = 60
    fresh.timer_fired(days * 86400.0, START + days * 86400)
    spent = time.perf_counter() - started
    print(f"virtual metering: {days / spent:,.0f} days/s ({days * 48 / spent:,.0f} half hours/s)")
    rtds = shared_dir() / "gbcs" / "rtds"
    if rtds.is_dir():
        from protocols.gbcs import parse

        payloads = []
        for path in rtds_files(rtds):
            message = parse(bytes.fromhex(path.read_text().strip()))
            if message.cra != 3 and message.gbt is None and message.payload.startswith(b"\x01\x09"):
                payloads.append(message.payload)
        started = time.perf_counter()
        rounds = 20
        for _ in range(rounds):
            for data in payloads:
                gbz.build(gbz.parse(data))
        spent = time.perf_counter() - started
        print(f"protocols.gbz: {len(payloads) * rounds / spent:,.0f} RTDS GBZ payloads parsed and rebuilt/s")


if __name__ == "__main__":
    main()
