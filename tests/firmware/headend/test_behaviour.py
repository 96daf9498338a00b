"""What the built commands do to the models, seen through the read use cases a head-end would send next.

A write is checked by reading back with another use case (never by peeking into a model):
a tariff by ECS24, a top-up by the meter balance (ECS82) or the GSME's credit (GCS60), the load
switch by ECS45, the valve by GCS33, a device log change by CCS07, a sub-GHz configuration by
DBCH03. A future-dated tariff waits for its time, then raises the 0x8F66 outcome alert.
"""

from __future__ import annotations

from typing import Any

import zigpy.types as t

from firmware.headend.builder import BuiltCommand
from protocols import dlms, gbz
from protocols.dlms import AccessResponse, Array, Data, Integer, OctetString, Structure
from protocols.gbcs import Message, crypto
from protocols.gbz import zcl
from tests.firmware.headend.rig import Answer, Home


def _data(answer: Answer) -> tuple[Data, ...]:
    assert answer.response is not None
    response = dlms.parse(answer.response.payload)
    assert isinstance(response, AccessResponse)
    assert [result.result for result in response.results] == [0] * len(response.results)
    return response.data


def _items(value: Data) -> tuple[Data, ...]:
    assert isinstance(value, (Structure, Array))
    return value.items


def _number(value: Data) -> int:
    assert isinstance(value, Integer)
    return value.value


def _prices(answer: Answer) -> list[int]:
    """The active price matrix of an ECS24 answer (113 0-0:19.20.0.255 a5, its 16th instruction)."""
    table = _items(_items(_data(answer)[15])[2])
    return [_number(_items(entry)[1]) for entry in table]


def _records(home: Home, answer: Answer, command: BuiltCommand) -> dict[tuple[int, int], Any]:
    """Read Attributes Response values of a GBZ answer, decrypted with the head-end's key: (cluster, id) -> value."""
    response = answer.response
    assert response is not None
    cipher = _cipher(home, response, command)
    values = {}
    for component in gbz.parse(response.payload, cipher=cipher).components:
        if component.frame.profile_wide and component.frame.command_id == zcl.READ_ATTRIBUTES_RESPONSE:
            for record in zcl.parse_read_records(component.frame.payload):
                assert record.status == 0, record
                values[(component.cluster_id, record.attribute_id)] = record.value
    return values


def _cipher(home: Home, response: Message, command: BuiltCommand) -> gbz.Cipher:
    device, party = response.originator, response.recipient
    key = home.keystore.derived_key((device, party), device, crypto.PAYLOAD_KEY_TYPE, command.counter, party)
    assert key is not None
    return gbz.Cipher(key, device)


def test_tou_tariff_applies_at_once_and_ecs24_reads_it_back() -> None:
    home = Home()
    before = _prices(home.send("ECS24"))
    assert before[:2] != [3000, 1000]
    home.send("ECS01a", kind="tou", prices="3000,1000", switches="00:00=2,06:30=1,22:00=2", standing_charge="1234")
    data = _data(home.send("ECS24"))
    assert _prices(home.send("ECS24"))[:3] == [3000, 1000, 0]
    standing = _items(_items(data[16])[2])
    assert _number(_items(standing[0])[1]) == 1234
    [day] = _items(data[4])  # day_profile_table_active: our three switches, in order
    actions = _items(_items(day)[1])
    switches = [(_items(action)[0], _number(_items(action)[2])) for action in actions]
    assert switches == [
        (OctetString(bytes((0, 0, 0, 0))), 2),
        (OctetString(bytes((6, 30, 0, 0))), 1),
        (OctetString(bytes((22, 0, 0, 0))), 2),
    ]


def test_future_dated_tariff_waits_then_raises_its_outcome_alert() -> None:
    home = Home()
    before = _prices(home.send("ECS24"))
    answer = home.send("ECS01a", prices="4444,2222", execute_at="+1h")
    assert answer.response is not None and answer.response.verdicts.signature.value == "valid"
    home.advance(1800)
    assert _prices(home.send("ECS24")) == before
    alerts = home.advance(3600)
    outcome = [alert for alert in alerts if alert.message_code == 0x00CC]
    assert outcome, [hex(alert.message_code) for alert in alerts]
    body = dlms.parse(outcome[0].payload).body  # type: ignore[union-attr]  # a data-notification
    assert _number(_items(body)[0]) == 0x8F66  # successfully actioned (meters.md 3.4)
    quoted = _items(body)[2]
    assert isinstance(quoted, OctetString)
    assert quoted.value[:2] == (0x0019).to_bytes(2, "big")  # the ECS01a message code ...
    assert int.from_bytes(quoted.value[2:10], "big") == answer.command.counter  # ... and its counter
    assert _prices(home.send("ECS24"))[:2] == [4444, 2222]


def test_block_tariff_sets_block_prices_and_thresholds() -> None:
    home = Home()
    home.send("ECS01a", kind="block", prices="900,1800", block_thresholds="5000,8000")
    data = _data(home.send("ECS24"))
    prices = _prices(home.send("ECS24"))
    assert (prices[48], prices[56]) == (900, 1800)  # block b of rate 1 at 48 + 8(b-1) (meters.md 2.3)
    assert [_number(value) for value in _items(data[6])] == [5000, 8000]  # 0-0:16.0.11.255: TOU 1 thresholds


def test_esme_top_up_raises_the_meter_balance_by_its_value() -> None:
    home = Home()
    [before] = _data(home.send("ECS82"))
    answer = home.send("CS01a", value="25", unit="pounds")
    assert _data(answer) == (dlms.NULL,)
    [after] = _data(home.send("ECS82"))
    assert _number(after) - _number(before) == 25 * 100_000  # pounds in 1/100000 (docs/esme.md)
    again = home.deliver(home.build("CS01a", value="25", unit="pounds", counter=str(answer.command.counter)))
    assert again.response is None  # the same top-up counter again: refused (gbcs.md 4.7)


def test_gsme_top_up_is_accepted_and_raises_credit() -> None:
    home = Home()
    read = home.build("GCS60")
    before = _records(home, home.deliver(read), read)[(zcl.PREPAYMENT, 0x0001)]
    command = home.build("CS01b", value="500")
    answer = home.deliver(command)
    assert answer.response is not None
    [component] = gbz.parse(answer.response.payload).components
    reply = zcl.decode_command(zcl.PREPAYMENT, component.frame)
    # accepted; 500 pennies, in the meter's unit of 1/1000 of a penny like its credit
    assert (int(reply.result_type), int(reply.top_up_value)) == (0x00, 500 * 1000)
    read = home.build("GCS60")
    after = _records(home, home.deliver(read), read)[(zcl.PREPAYMENT, 0x0001)]
    assert after == int(reply.credit_remaining)  # the credit the response reported is what GCS60 reads
    assert before < after <= before + 500 * 1000  # less whatever the meter's debt recovery took from it


def test_load_switch_follows_ecs43_ecs44_ecs42() -> None:
    home = Home(esme_profile="credit-single")
    states = []
    for name in ("ECS43", "ECS44", "ECS42"):
        _data(home.send(name))
        [state] = _data(home.send("ECS45"))
        states.append(_number(state))
    assert states == [0, 2, 1]  # disconnected, ready for reconnection (armed), connected (meters.md 2.5)


def test_valve_closed_by_gcs32_reads_back_closed() -> None:
    home = Home()
    answer = home.send("GCS32")
    assert answer.response is not None
    [component] = gbz.parse(answer.response.payload).components
    assert int(zcl.decode_command(zcl.METERING, component.frame).supply_status) == 0  # supply off
    read = home.build("GCS33")
    assert _records(home, home.deliver(read), read)[(zcl.METERING, 0x0014)] == t.enum8(0x00)


def test_device_log_shows_the_commissioned_device() -> None:
    home = Home()
    code = "83fed3407a939723a5c639b26916d505"
    answer = home.send("CCS01", device="00db1234567890b0", device_type="esme", install_code=code)
    assert [alert.message_code for alert in answer.alerts] == [0x0018]  # CS14: the device log changed
    chf_log, _gpf_log = _data(home.send("CCS07"))
    entries = {bytes(_items(entry)[0].value): bytes(_items(entry)[1].value) for entry in _items(_items(chf_log)[2])}  # type: ignore[union-attr]
    assert entries[bytes.fromhex("00db1234567890b0")] == bytes.fromhex(code)
    home.send("CCS02", device="00db1234567890b0")
    chf_log, _gpf_log = _data(home.send("CCS07"))
    assert bytes.fromhex("00db1234567890b0") not in {bytes(_items(e)[0].value) for e in _items(_items(chf_log)[2])}  # type: ignore[union-attr]


def test_sub_ghz_configuration_written_then_read() -> None:
    home = Home()
    answer = home.send("DBCH04", limited_threshold="160", critical_threshold="240")
    assert [alert.message_code for alert in answer.alerts] == [0x0113]  # DBCH09: configuration changed
    [configuration] = _data(home.send("DBCH03"))
    assert [_number(value) for value in _items(configuration)[4:6]] == [160, 240]
