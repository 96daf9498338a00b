"""Commissioning over TCP: CCS02 takes a device off the HAN, CCS01 brings it back, as the DCC does (gbcs.md 5.7, 6.4).

The HCALCS of the hub's home is unregistered (CCS02): the device log changed (CS14), the hub asks
it to leave, and a command for it is then refused with the delivery-failure alert. Registered again
with its install code (CCS01, joining enabled), it joins again by itself, the hub opens its tunnel,
and a command for it is answered.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware.gbcs.headend import command
from hal.keystore import load_keystore
from protocols import dlms
from protocols.dlms import AccessRequest, ActionSpec, LongInvokeId, MethodDescriptor, Obis, octets
from protocols.gbcs.cs.common import HCALCS
from tests.firmware.chf.home import register_payload
from tests.firmware.hub.harness import RunningHub, settle

ACB, SUPPLIER = bytes.fromhex("90b3d51f30000002"), bytes.fromhex("90b3d51f30010000")
CHF, TARGET = bytes.fromhex("00db1234567890a2"), bytes.fromhex("00db1234567890a5")
CCS01, CCS02 = 0x0001, 0x0002
DEVICE_LOG_CHANGED, DELIVERY_FAILED = 0x0018, 0x00D5  #: CS14, and the undelivered-command alert
DEVICE_LOG = Obis.of("0-0:30.3.0.255")
CS08_TO_HCALCS = "11.2_CS08/CS08_11.2_ERROR_COMMAND_GBCS.HEX"
#: ACB counters above every RTDS command's (they are in the low thousands).
FIRST_COUNTER = 1 << 32


@pytest.fixture(scope="module")
def running(keystore_dir: Path) -> Iterator[RunningHub]:
    hub = RunningHub(load_keystore(keystore_dir))
    hub.run(hub.start())
    yield hub
    hub.shut()


def _dcc(running: RunningHub, counter: int, message_code: int, payload: bytes) -> bytes:
    assert running.keystore is not None
    return command(running.keystore, originator=ACB, recipient=CHF, counter=counter, message_code=message_code,
                   payload=payload, sign=False, service_user=(SUPPLIER, counter))  # fmt: skip


def _unregister(counter: int, eui: bytes) -> bytes:
    spec = ActionSpec(MethodDescriptor(104, DEVICE_LOG, 2))
    return dlms.build(AccessRequest(LongInvokeId.for_counter(counter), (spec,), (octets(eui),)))


def test_a_device_taken_off_the_log_leaves_and_comes_back_when_registered_again(
    running: RunningHub, rtds_dir: Path
) -> None:
    hub = running.hub
    assert hub is not None
    node = hub.device(TARGET)
    code = node.device.install_code[:16]
    to_hcalcs = bytes.fromhex((rtds_dir / CS08_TO_HCALCS).read_text().strip())

    async def main() -> None:
        client = await running.client()
        try:
            removed = await running.exchange(
                client, _dcc(running, FIRST_COUNTER, CCS02, _unregister(FIRST_COUNTER, TARGET))
            )
            assert removed.response is not None and removed.response.originator == CHF
            await settle(5.0)
            assert not node.device.joined and hub.chf.device_log.entry(TARGET) is None
            refused = await running.exchange(client, running.reseal(to_hcalcs), wait=30.0)
            alerts = [alert.message_code for alert in removed.alerts + refused.alerts if alert.originator == CHF]
            assert refused.response is None and alerts == [DEVICE_LOG_CHANGED, DELIVERY_FAILED]

            counter = FIRST_COUNTER + 1
            payload = register_payload(counter, TARGET, HCALCS, code, join_minutes=10)
            registered = await running.exchange(client, _dcc(running, counter, CCS01, payload))
            assert registered.response is not None
            await settle(120.0)  # the device tries to join every 30 s
            entry = hub.chf.device_log.entry(TARGET)
            assert entry is not None and entry.joined and node.attached.is_set()
            answered = await running.exchange(client, running.reseal(to_hcalcs))
            assert answered.response is not None and answered.response.originator == TARGET
        finally:
            await client.close()

    running.run(main())
