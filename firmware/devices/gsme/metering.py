"""Metering cluster commands a GSME handles (meters.md 4.2; ZSE D.3): snapshots, sampled data, the valve.

- GetSnapshot (GCS15b/c, GCS16a): the `snapshot_offset`-th most recent snapshot of the asked cause
  within [earliest start, latest end], as PublishSnapshot payload type 6 (summation, four tier
  registers, tiers/blocks byte 0x14, four block counters); NOT_FOUND when there is none.
- StartSampling (GCS31): starts the network data log (sample id 2); a second start while one runs
  is refused with sample id 0xFFFF.
- GetSampledData (GCS18, GCS61): the samples from the first at or after the earliest time.
- ChangeSupply (GCS32 close / GCS39 arm): valve state, answered with SupplyStatusResponse;
  LocalChangeSupply (the consumer, PECS03): opens an armed valve.
- SetSupplyStatus / SetUncontrolledFlowThreshold (GCS24): tamper and depletion states, flow limits.
"""

from __future__ import annotations

from collections.abc import Callable

import zigpy.types as t

from protocols.gbz import zcl

from . import consumption, prepay
from .model import INVALID_VALUE, NOT_AUTHORIZED, NOT_FOUND, Answer, Meter, Request, done, reply

_M = zcl.METERING
#: PublishSnapshot payload type 6 (meters.md 4.2): its tiers/blocks byte (1 tier set of 4 blocks).
SNAPSHOT_PAYLOAD_TYPE, TIERS_AND_BLOCKS = 6, 0x14
NO_SAMPLE = 0xFFFF
#: Set Supply Status value meaning "leave unchanged" (meters.md 1.2, GCS24a).
UNCHANGED = 0x03


def find_snapshot(meter: Meter, log: str, request: Request) -> tuple[int, dict] | None:
    """(total found, entry) of the offset-th newest snapshot matching cause and window, else None."""
    fields = request.fields
    cause = int(fields.snapshot_cause)
    earliest, latest = int(fields.earliest_start_time), int(fields.latest_end_time)
    found = [
        entry
        for _seq, entry in meter.state.entries(log)
        if (cause == 0xFFFFFFFF or entry["cause"] & cause) and earliest <= entry["time"] <= latest
    ]
    offset = int(fields.snapshot_offset)
    if offset >= len(found):
        return None
    return len(found), found[offset]


def snapshot_answer(
    meter: Meter,
    request: Request,
    log: str,
    cluster_id: int,
    name: str,
    payload_type: int,
    encode: Callable[[list], bytes],
) -> Answer:
    """A Publish (Prepay) Snapshot of the snapshot `request` selects from `log`, or NOT_FOUND."""
    match = find_snapshot(meter, log, request)
    if match is None:
        return done(NOT_FOUND)
    total, entry = match
    published = reply(
        cluster_id,
        name,
        encrypt=True,
        snapshot_id=entry["id"],
        snapshot_time=t.UTCTime(entry["time"]),
        total_snapshots_found=total,
        command_index=0,
        total_number_of_commands=1,
        snapshot_cause=entry["cause"],
        snapshot_payload_type=t.enum8(payload_type),
        snapshot_payload=t.Bytes(encode(entry["values"])),
    )
    return Answer((published,))


def _snapshot_payload(values: list) -> bytes:
    """Payload type 6: summation, tier count and four tier registers, the tiers/blocks byte, four block counters."""
    payload = values[0].to_bytes(6, "little") + bytes((4,)) + b"".join(v.to_bytes(6, "little") for v in values[1:5])
    return payload + bytes((TIERS_AND_BLOCKS,)) + b"".join(v.to_bytes(6, "little") for v in values[5:9])


def get_snapshot(meter: Meter, request: Request) -> Answer:
    return snapshot_answer(meter, request, "snapshot", _M, "publish_snapshot", SNAPSHOT_PAYLOAD_TYPE, _snapshot_payload)


def start_sampling(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    running = meter.state.value("sampling")
    if running or not int(fields.max_number_of_samples) > 0 or int(fields.sample_request_interval) == 0:
        return Answer((reply(_M, "start_sampling_response", sample_id=NO_SAMPLE),), ok=False)
    begin = int(fields.start_sampling_time) or request.utc
    meter.state.set_value(
        "sampling",
        {
            "start": begin,
            "interval": int(fields.sample_request_interval),
            "max": int(fields.max_number_of_samples),
            "taken": 0,
        },
    )
    return Answer((reply(_M, "start_sampling_response", sample_id=consumption.NETWORK_DATA),))


def get_sampled_data(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    sample_id = int(fields.sample_id)
    samples = [entry for _seq, entry in meter.state.entries(f"samples/{sample_id}")]
    samples = [entry for entry in samples if entry["time"] >= int(fields.earliest_sample_time)]
    samples = samples[: int(fields.number_of_samples) or None]
    if not samples:
        return done(NOT_FOUND)
    interval = 86400 if sample_id == consumption.DAILY_CONSUMPTION else meter.state.value("sample_interval/2", 0)
    if sample_id != consumption.DAILY_CONSUMPTION and len(samples) > 1:
        interval = samples[1]["time"] - samples[0]["time"]
    published = reply(
        _M,
        "get_sampled_data_response",
        encrypt=True,
        sample_id=sample_id,
        sample_start_time=t.UTCTime(samples[0]["time"]),
        sample_type=int(fields.sample_type),
        sample_request_interval=min(interval, 0xFFFF),
        number_of_samples=len(samples),
        samples=[t.uint24_t(min(entry["value"], 0xFFFFFF)) for entry in samples],
    )
    return Answer((published,))


def change_supply(meter: Meter, request: Request) -> Answer:
    """GCS32 (proposed status 0: close) and GCS39 (1: arm); an open valve (2) is the consumer's to do."""
    proposed = int(request.fields.proposed_supply_status)
    if proposed not in (prepay.SUPPLY_OFF, prepay.SUPPLY_ARMED):
        return done(INVALID_VALUE)
    if proposed == prepay.SUPPLY_ARMED and prepay.supply(meter) == prepay.SUPPLY_ON:
        proposed = prepay.SUPPLY_ON  # arming an open valve leaves it open
    prepay.set_supply(meter, proposed)
    if proposed == prepay.SUPPLY_OFF:
        meter.state.set_value("disabled_for_credit", False)
    status = reply(
        _M,
        "supply_status_response",
        provider_id=request.fields.provider_id,
        issuer_event_id=request.fields.issuer_event_id,
        implementation_date_time=t.UTCTime(request.utc),
        supply_status=prepay.supply(meter),
    )
    return Answer((status,))


def local_change_supply(meter: Meter, request: Request) -> Answer:
    """The consumer opens an armed valve (PECS03: proposed status 2 only); refused unless armed."""
    if int(request.fields.proposed_supply_status) != prepay.SUPPLY_ON:
        return done(INVALID_VALUE)
    if prepay.supply(meter) != prepay.SUPPLY_ARMED:
        return done(NOT_AUTHORIZED)
    prepay.set_supply(meter, prepay.SUPPLY_ON)
    return done()


def set_supply_status(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    for name, value in (
        ("supply_tamper_state", int(fields.supply_tamper_state)),
        ("supply_depletion_state", int(fields.supply_depletion_state)),
    ):
        if value != UNCHANGED:
            meter.set(_M, name, value)
    return done()


def set_uncontrolled_flow_threshold(meter: Meter, request: Request) -> Answer:
    fields = request.fields
    if int(fields.divisor) == 0:
        return done(INVALID_VALUE)
    for name, value in (
        ("uncontrolled_flow_threshold", fields.uncontrolled_flow_threshold),
        ("uncontrolled_flow_threshold_unit_of_measure", fields.unit_of_measure),
        ("uncontrolled_flow_multiplier", fields.multiplier),
        ("uncontrolled_flow_divisor", fields.divisor),
        ("flow_stabilisation_period", fields.stabilisation_period),
        ("flow_measurement_period", fields.measurement_period),
    ):
        meter.set(_M, name, int(value))
    return done()
