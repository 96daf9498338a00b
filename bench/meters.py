"""Emulated meter speed: `.venv/bin/python -m bench meters`.

Measures, in one process on one core, the ESME payload side (`firmware.devices.esme.Esme`):

1. GBCS DLMS requests answered per second - GET of a data object, GET of a register
   collection, SET, ACTION, a one-day GET-with-selection of the half-hour profile, a protected
   read (encrypted with the RTDS key store, when `$COMMSHUB_SHARED` or `../shared` has it), and
   a 21-instruction ECS01a-sized SET - on an in-memory `hal.nvm` store and on a SQLite file
   (each request is one committed transaction: with `Durability.FULL` the disk's sync latency
   bounds it);
2. virtual days of metering per wall second, the meter woken at every deadline it asks for
   (half-hour profiles, daily logs, tariff switches);
3. `protocols.dlms` parse + build of every RTDS DLMS payload, per second.

The whole-hub figures (GBCS round trips through the hub, virtual days of a home) belong to the
hub's benchmark. Timings on a shared machine are measurements, never test assertions.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from firmware.devices.esme import Esme, KeyStoreSecurity, shipped_profile
from firmware.gbcs.contract import CommandContext
from hal.keystore import load_keystore
from hal.nvm import Durability, Nvm, NvmStore
from protocols import dlms
from protocols.dlms import (
    NULL,
    AccessRequest,
    ActionSpec,
    AttributeDescriptor,
    GetSpec,
    GetWithSelectionSpec,
    LongInvokeId,
    MethodDescriptor,
    Obis,
    RequestSpec,
    SetSpec,
    octets,
    structure,
    u16,
    u32,
)
from protocols.dlms.selective import CaptureObject, RangeDescriptor
from protocols.gbcs import KeyStore, parse

from ._corpus import read_message, rtds_files, shared_dir

ESME = bytes.fromhex("00db1234567890a0")
SUPPLIER = bytes.fromhex("90b3d51f30010000")
START = 1_420_070_400.0
DAY = 86_400
SECONDS = 1.5  #: wall time spent on each figure


def _rate(run: Callable[[], object]) -> float:
    run()
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < SECONDS:
        run()
        count += 1
    return count / (time.perf_counter() - started)


class _Client:
    """Builds requests and feeds them to one meter, as the envelope side would."""

    def __init__(self, esme: Esme, utc: float) -> None:
        self.esme, self.utc, self.counter = esme, utc, 1000

    def call(self, specs: list[RequestSpec], data: list[dlms.Data]) -> Callable[[], object]:
        def run() -> object:
            self.counter += 1
            request = AccessRequest(LongInvokeId.for_counter(self.counter), tuple(specs), tuple(data))
            context = CommandContext(0x0059, SUPPLIER, ESME, self.counter, 2, False, None, self.utc - START, self.utc)
            return self.esme.handle(dlms.build(request), context)

        return run


def _meter(nvm: Nvm, keystore: KeyStore | None) -> tuple[Esme, float]:
    security = None if keystore is None else KeyStoreSecurity(keystore, ESME)
    esme = Esme(nvm, shipped_profile("credit-single"), random.Random(1), security=security)
    utc = START
    esme.timer_fired(0.0, utc)
    while (due := esme.deadline()) is not None and due <= 2 * DAY:  # two days of history
        esme.timer_fired(due, START + due)
    return esme, START + 2 * DAY


def _requests(label: str, nvm: Nvm, keystore: KeyStore | None) -> None:
    esme, utc = _meter(nvm, keystore)
    client = _Client(esme, utc)

    def attribute(class_id: int, obis: str, number: int) -> AttributeDescriptor:
        return AttributeDescriptor(class_id, Obis.of(obis), number)

    day = RangeDescriptor(
        CaptureObject(1, Obis.of("0-0:94.44.100.255"), 2),
        u32(int(utc - DAY) - 946_684_800),
        u32(int(utc) - 946_684_800),
    )
    cases: list[tuple[str, list[RequestSpec], list[dlms.Data]]] = [
        ("GET firmware version (class 1)", [GetSpec(attribute(1, "0-0:0.2.1.255", 2))], [NULL]),
        ("GET import register collection", [GetSpec(attribute(1, "0-0:94.44.34.10", 2))], [NULL]),
        ("SET CIN (class 1)", [SetSpec(attribute(1, "0-3:96.13.1.255", 2))], [octets(b"1234")]),
        ("ACTION reset maximum demand", [ActionSpec(MethodDescriptor(4, Obis.of("1-0:1.6.0.255"), 1))], [dlms.i8(0)]),
        (
            "GET-with-selection one day of half hours",
            [GetWithSelectionSpec(attribute(7, "0-0:99.1.0.255", 2), 1, day.to_data())],
            [NULL],
        ),
        (
            "SET 21 thresholds (ECS01a-sized)",
            [SetSpec(attribute(21, f"0-0:16.1.{11 + index % 8}.255", 2)) for index in range(21)],
            [dlms.array([u32(10_000), u32(0xFFFFFFFF)])] * 21,
        ),
    ]
    if keystore is not None:
        protection = structure(
            dlms.enum_(2),
            structure(
                octets(b"\x04" + bytes(8)),
                octets(SUPPLIER),
                octets(ESME),
                octets(b""),
                structure(dlms.enum_(2), structure(octets(b"\x02"), octets(b""))),
            ),
        )
        read = structure(
            dlms.array(
                [
                    structure(
                        u16(1),
                        octets(Obis.of("0-0:94.44.34.10").raw),
                        dlms.i8(2),
                        u16(0),
                        structure(dlms.enum_(0), NULL),
                    )
                ]
            ),
            dlms.array([protection]),
        )
        cases.append(
            (
                "ACTION protected read (ECS17b, encrypted)",
                [ActionSpec(MethodDescriptor(30, Obis.of("0-0:43.2.8.255"), 1))],
                [read],
            )
        )
    print(f"  {label}:")
    for name, specs, data in cases:
        print(f"    {name:<44} {_rate(client.call(specs, data)):>9,.0f} requests/s")


def _virtual_days() -> None:
    store = NvmStore.memory()
    esme = Esme(store.partition("esme"), shipped_profile("credit-single"), random.Random(2))
    esme.timer_fired(0.0, START)
    days, wakes = 7, 0
    started = time.perf_counter()
    while (due := esme.deadline()) is not None and due <= days * DAY:
        esme.timer_fired(due, START + due)
        wakes += 1
    wall = time.perf_counter() - started
    print(
        f"  metering in virtual time: {days} days ({wakes} wake-ups) in {wall:.2f} s wall:"
        f" {days * DAY / wall:,.0f}x real time"
    )


def _codec() -> None:
    rtds = shared_dir() / "gbcs" / "rtds"
    if not rtds.is_dir():
        print("  protocols.dlms over RTDS: skipped (no shared/gbcs/rtds)")
        return
    messages = (parse(read_message(path)) for path in rtds_files(rtds))
    payloads = [message.payload for message in messages if message.payload[:1] in (b"\xd9", b"\xda", b"\x0f")]

    def round_trip() -> None:
        for payload in payloads:
            dlms.build(dlms.parse(payload))

    per_second = _rate(round_trip) * len(payloads)
    print(f"  protocols.dlms parse + build of the {len(payloads)} RTDS DLMS payloads: {per_second:,.0f} payloads/s")


def main() -> None:
    keys = shared_dir() / "gbcs" / "keystore"
    keystore = load_keystore(keys) if keys.is_dir() else None
    print("ESME requests answered in-process (one request = one access-request payload, one response):")
    _requests("hal.nvm in memory", NvmStore.memory().partition("esme"), keystore)
    with tempfile.TemporaryDirectory() as folder:
        for durability in (Durability.NORMAL, Durability.FULL):
            store = NvmStore.open(Path(folder) / f"esme-{durability.name}.sqlite", durability=durability)
            _requests(f"hal.nvm SQLite file, Durability.{durability.name}", store.partition("esme"), keystore)
            store.close()
    _virtual_days()
    _codec()


if __name__ == "__main__":
    main()
