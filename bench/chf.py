"""CHF figures: `.venv/bin/python -m bench chf` (or `-m bench.chf`).

Measures, in process on one core, what the sans-I/O CHF (`firmware.chf.Chf`) serves, with keys from a
generated test PKI (`firmware.gbcs.pki.TestPki`, no key store needed):

1. the CHF's own use cases: DBCH01 reads (a MACed DLMS GET from the ACB) through `Chf.wan_message` -
   envelope parse, MAC check, role and counter checks, the COSEM answer, the response sealed and MACed,
   all in one NVM transaction - per wall second, on an in-memory store and on a SQLite file;
2. the sleepy GSME's cycle: a command queued for the GSME, taken by a GET, its response PUT back and
   routed to the head-end, per wall second;
3. duty-cycle readings that each change level (and so raise alerts, most of them signed) per wall second.

Commands are built before the clock starts. Timings on a shared machine are measurements, never test assertions.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from firmware.chf import Chf, ToDevice, ToWan
from firmware.chf.device_log import DeviceEntry
from firmware.gbcs.headend import command
from firmware.gbcs.pki import TestPki
from firmware.gpf import Gpf
from hal.nvm import Durability, NvmStore
from protocols import dlms
from protocols.dlms import AccessRequest, AttributeDescriptor, GetSpec, LongInvokeId, Obis
from protocols.gbcs import Cra, Message, OtherInformation
from protocols.gbcs.cs.common import GSME
from protocols.gbcs.envelope import encode

CHF_EUI, GPF_EUI = bytes.fromhex("00db1234567890a2"), bytes.fromhex("00db1234567890a3")
GSME_EUI = bytes.fromhex("00db1234567890a1")
UTC = 1_420_070_400.0  # 2015-01-01T00:00:00Z
ROUNDS = 400


def _hub(store: NvmStore) -> tuple[Chf, TestPki]:
    pki = TestPki(store.partition("pki"))
    keystore = pki.keystore()
    gpf = Gpf(eui=GPF_EUI, nvm=store.partition("gpf"), keystore=keystore, parties=pki.parties, authority=pki)
    chf = Chf(eui=CHF_EUI, nvm=store.partition("chf"), keystore=keystore, parties=pki.parties, gpf=gpf, authority=pki)
    return chf, pki


def _read_channel(counter: int) -> bytes:
    spec = GetSpec(AttributeDescriptor(1, Obis.of("0-0:94.44.10.2"), 2))
    return dlms.build(AccessRequest(LongInvokeId.for_counter(counter), (spec,), (dlms.NULL,)))


def _rate(label: str, count: int, work: Callable[[int], object]) -> None:
    started = time.perf_counter()
    for index in range(count):
        work(index)
    elapsed = time.perf_counter() - started
    print(f"{label}: {count / elapsed:,.0f} per second ({count} in {elapsed:.2f} s)")


def _own_use_cases(store: NvmStore, label: str) -> None:
    chf, pki = _hub(store)
    keystore = pki.keystore()
    acb, supplier = pki.parties[4], pki.parties[2]
    commands = [
        command(
            keystore,
            originator=acb,
            recipient=CHF_EUI,
            counter=1000 + n,
            message_code=0x010A,
            payload=_read_channel(1000 + n),
            sign=False,
            service_user=(supplier, 1000 + n),
        )
        for n in range(ROUNDS)
    ]

    def one(index: int) -> None:
        actions = chf.wan_message(1, commands[index], float(index), UTC + index)
        for action in actions:
            if isinstance(action, ToWan):
                chf.wan_sent(action.seq)

    _rate(f"DBCH01 through Chf.wan_message ({label})", ROUNDS, one)


def _gsme_cycle() -> None:
    chf, pki = _hub(NvmStore.memory())
    keystore = pki.keystore()
    supplier = pki.parties[2]
    chf.device_log.put(DeviceEntry(GSME_EUI, bytes(16), GSME))
    chf.device_joined(GSME_EUI, 0.0, UTC, sleepy=True)
    commands, responses = [], []
    for n in range(ROUNDS):
        commands.append(
            command(
                keystore,
                originator=supplier,
                recipient=GSME_EUI,
                counter=5000 + n,
                message_code=0x00B8,
                payload=b"\x01\x09\x00",
                sign=False,
                mac=False,  # the GSME checks its commands, not the CHF (and the test PKI did not certify one)
            )
        )
        responses.append(
            encode(Message(Cra.RESPONSE, 5000 + n, GSME_EUI, supplier, OtherInformation(0x00B8), b"\x01\x09\x00"))
        )

    def one(index: int) -> None:
        now, utc = float(index), UTC + index
        chf.wan_message(1, commands[index], now, utc)
        for action in chf.gsme_get(GSME_EUI, now, utc):
            if isinstance(action, ToDevice) and action.seq is not None:
                chf.device_sent(GSME_EUI, action.seq)
        for action in chf.gsme_put(GSME_EUI, responses[index], now, utc):
            if isinstance(action, ToWan):
                chf.wan_sent(action.seq)

    _rate("GSME cycle: queue, GET, PUT, to the head-end", ROUNDS, one)


def _duty_cycle() -> None:
    chf, _ = _hub(NvmStore.memory())
    readings = [0.010, 0.016, 0.022, 0.030, 0.021, 0.015, 0.005] * 100  # every reading moves a level: signed alerts

    def one(index: int) -> None:
        for action in chf.duty_cycle(readings[index], float(index), UTC + index, busiest=GSME_EUI):
            if isinstance(action, ToWan):
                chf.wan_sent(action.seq)

    _rate("duty-cycle readings, each changing level", len(readings), one)


def main() -> None:
    _own_use_cases(NvmStore.memory(), "in-memory NVM")
    with tempfile.TemporaryDirectory() as folder:
        store = NvmStore.open(Path(folder) / "hub.sqlite", durability=Durability.NORMAL)
        _own_use_cases(store, "SQLite file, NORMAL durability")
        store.close()
    _gsme_cycle()
    _duty_cycle()


if __name__ == "__main__":
    main()
