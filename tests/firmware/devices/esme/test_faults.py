"""The fault API: a given result for a given object, and a failing firmware image check (issue deliverable 6)."""

from __future__ import annotations

import hashlib

import pytest

from firmware.devices.esme import Fault, FaultConfigError, FaultKind, Faults
from protocols import dlms
from protocols.dlms import Obis, octets, structure, u32
from tests.firmware.devices.esme.helpers import Bench


def test_a_fault_answers_its_result_for_its_object_only() -> None:
    bench = Bench.of("credit-single")
    bench.esme.faults.add(Fault(FaultKind.GET, 1, Obis.of("0-0:0.2.1.255"), 2, result=2))
    assert bench.get(1, "0-0:0.2.1.255", 2)[0] == 2  # temporary-failure
    assert bench.get(1, "0-0:96.1.6.255", 2)[0] == 0
    assert bench.set(1, "0-0:0.2.1.255", 2, octets(b"1234")) == 3  # a SET is not a GET: the model answers


def test_skip_and_times() -> None:
    bench = Bench.of("credit-single")
    bench.esme.faults.add(Fault(FaultKind.SET, 1, Obis.of("0-3:96.13.1.255"), 2, skip=1, times=1))
    assert bench.set(1, "0-3:96.13.1.255", 2, octets(b"1111")) == 0
    assert bench.set(1, "0-3:96.13.1.255", 2, octets(b"2222")) == 1  # hardware-fault, and nothing written
    assert bench.value(1, "0-3:96.13.1.255", 2) == octets(b"1111")
    assert bench.set(1, "0-3:96.13.1.255", 2, octets(b"3333")) == 0


def test_faults_from_config() -> None:
    faults = Faults.from_config(
        [{"kind": "action", "class": 9, "obis": "0-0:10.0.106.255", "member": 1, "result": "temporary-failure"}],
        firmware_image_check_fails=True,
    )
    assert faults.check(FaultKind.ACTION, 9, Obis.of("0-0:10.0.106.255"), 1) == 2
    assert faults.check(FaultKind.GET, 9, Obis.of("0-0:10.0.106.255"), 1) is None
    assert faults.firmware_image_check_fails
    with pytest.raises(FaultConfigError):
        Faults.from_config([{"kind": "sometimes"}])
    with pytest.raises(FaultConfigError):
        Faults.from_config([{"colour": "red"}])


def _transfer(bench: Bench, image: bytes) -> None:
    assert bench.action(18, "0-0:44.0.0.255", 1, structure(octets(b"\x02\x00\x00\x01"), u32(len(image))))[0] == 0
    for index in range(0, len(image), 200):
        block = structure(u32(index // 200), octets(image[index : index + 200]))
        assert bench.action(18, "0-0:44.0.0.255", 2, block)[0] == 0


def test_firmware_image_verification_and_activation() -> None:
    bench = Bench.of("credit-single")
    image = bytes(range(256)) * 3
    _transfer(bench, image)
    assert bench.action(18, "0-0:44.0.0.255", 3)[0] == 0
    receipt = next(alert for alert in bench.alerts if alert.message_code == 0x00CE)  # gbcs.md 5.5
    body = dlms.parse(receipt.payload).body  # type: ignore[union-attr]
    assert body.items[0] == dlms.u16(0x8F72) and body.items[2] == octets(hashlib.sha256(image).digest())  # type: ignore[union-attr]
    assert bench.action(18, "0-0:44.0.0.255", 4)[0] == 0
    assert bench.value(1, "0-0:0.2.1.255", 2) == octets(b"\x02\x00\x00\x01")


def test_a_failing_image_check() -> None:
    bench = Bench.of("credit-single")
    bench.esme.faults.firmware_image_check_fails = True
    _transfer(bench, b"firmware" * 40)
    assert bench.action(18, "0-0:44.0.0.255", 3)[0] == 250
    assert 0x8F1C in bench.alert_codes()
    assert bench.value(18, "0-0:44.0.0.255", 6) == dlms.enum_(4)  # verification failed
    assert bench.action(18, "0-0:44.0.0.255", 4)[0] == 250  # nothing to activate
    short = Bench.of("credit-single")
    assert short.action(18, "0-0:44.0.0.255", 1, structure(octets(b"x"), u32(400)))[0] == 0
    assert short.action(18, "0-0:44.0.0.255", 3)[0] == 14  # data-block-unavailable: the image is incomplete


def test_losing_power() -> None:
    """Fault API: without power nothing is metered or answered; on restoration ECS80's alert (gbcs.md 5.5)."""
    bench = Bench.of("credit-single")
    bench.advance(3_600)
    energy = bench.value(3, "1-0:1.8.0.255", 2)
    off_at = bench.utc
    bench.esme.lose_power(bench.now, bench.utc)
    assert bench.esme.deadline() is None
    bench.pass_time(3_600)
    context = bench.context()
    assert bench.esme.handle(dlms.build(dlms.AccessRequest(dlms.LongInvokeId(1), (), ())), context).response is None
    raised = bench.esme.restore_power(bench.now, bench.utc)
    assert bench.value(3, "1-0:1.8.0.255", 2) == energy  # the hour without power was not metered
    [alert] = raised
    assert alert.message_code == 0x0067
    body = dlms.parse(alert.payload).body  # type: ignore[union-attr]
    assert body.items[0] == dlms.u16(0x8F36)  # type: ignore[union-attr]
    assert body.items[2:] == (  # type: ignore[union-attr]
        octets(dlms.DateTime(2015, 1, 1, 0xFF, 1, 0, 0, 0).build()),
        octets(dlms.DateTime(2015, 1, 1, 0xFF, 2, 0, 0, 0).build()),
    )
    assert off_at == 1_420_074_000.0
    bench.advance(3_600)
    assert bench.value(3, "1-0:1.8.0.255", 2) != energy
