"""`firmware.hub.esi.HubEsi`: the hub's ESI and gas mirror as a sans-I/O server (gbcs.md 6.3; SE 1.4 Metering, Time)."""

from __future__ import annotations

from firmware.han import frames
from firmware.han.frames import BASIC, METERING, TIME
from firmware.hub.esi import ESI_ENDPOINT, MIRROR_ENDPOINT, NO_MIRROR, Answer, HubEsi, MirrorUpdate
from hal.nvm import NvmStore
from protocols.gbz import zcl
from protocols.gbz.frame import ZclFrame, build_frame, parse_frame
from protocols.zigbee import build_zdo, parse_zdo
from protocols.zigbee import zdo as zdp

GSME, OTHER = 0x00DB1234567890A1, 0x00DB1234567890B1
TIME_NOW = {0x0000: 0x1D2C3B4A, 0x0001: 0x0F}
MIRRORED = {(METERING, 0x0000): 1234, (0x0705, 0x0001): -50}


def _esi(store: NvmStore | None = None) -> HubEsi:
    store = store or NvmStore.memory()
    return HubEsi(store.partition("hub"), time_attributes=lambda: TIME_NOW, mirror_values=lambda: MIRRORED)


def _answers(outputs: list[object]) -> list[Answer]:
    return [output for output in outputs if isinstance(output, Answer)]


def _read(esi: HubEsi, endpoint: int, cluster: int, *attributes: int) -> dict[int, object]:
    request = build_frame(ZclFrame(0x00, 3, 0x00, zcl.build_read_attributes(attributes)))
    [answer] = _answers(esi.frame_received(GSME, endpoint, cluster, 1, request))
    response = parse_frame(answer.payload)
    assert (response.command_id, response.sequence, answer.dst_endpoint) == (0x01, 3, 1)
    return {record.attribute_id: record.value if record.status == 0 else record.status
            for record in zcl.parse_read_records(response.payload)}  # fmt: skip


def test_match_desc_for_smart_energy_finds_the_esi() -> None:
    esi = _esi()
    request = build_zdo(zdp.ZdoFrame(9, zdp.MatchDescReq(0x0000, 0x0109, (0x0704,), ())))
    [answer] = esi.zdo_request(0x0006, request)
    response = parse_zdo(0x8006, answer.payload)
    assert response.tsn == 9 and response.command == zdp.MatchDescRsp(0, 0x0000, (ESI_ENDPOINT,))
    home_automation = build_zdo(zdp.ZdoFrame(9, zdp.MatchDescReq(0x0000, 0x0104, (0x0704,), ())))
    assert esi.zdo_request(0x0006, home_automation) == []  # zigpy's to answer


def test_time_and_basic_are_served() -> None:
    esi = _esi()
    assert _read(esi, ESI_ENDPOINT, TIME, 0x0000, 0x0001) == TIME_NOW
    basic = _read(esi, ESI_ENDPOINT, BASIC, 0x0011, 0x0004, 0x4000)
    assert basic == {0x0011: 1, 0x0004: b"commshub", 0x4000: 0x86}  # physical environment: mirror capacity


def _request_mirror(esi: HubEsi, meter: int) -> int:
    [answer] = _answers(
        esi.frame_received(meter, ESI_ENDPOINT, METERING, 1, frames.command(METERING, "request_mirror", 4))
    )
    return int(frames.read(METERING, answer.payload).fields.endpoint_id)


def test_one_mirror_for_the_first_meter_kept_across_a_restart() -> None:
    store = NvmStore.memory()
    esi = _esi(store)
    assert _request_mirror(esi, GSME) == MIRROR_ENDPOINT
    assert _request_mirror(esi, OTHER) == NO_MIRROR
    restarted = _esi(store)
    assert restarted.mirror_owner == GSME and _request_mirror(restarted, GSME) == MIRROR_ENDPOINT


def _report(esi: HubEsi, meter: int, cluster: int, values: dict[int, object]) -> list[object]:
    report = frames.profile_wide(
        frames.REPORT_ATTRIBUTES, 7, frames.report_records(cluster, values), server_to_client=True
    )
    return esi.frame_received(meter, MIRROR_ENDPOINT, cluster, 1, report)


def test_reports_update_the_mirror_and_the_metering_report_carries_the_flags() -> None:
    esi = _esi()
    _request_mirror(esi, GSME)
    configure = frames.command(METERING, "configure_mirror", 5, issuer_event_id=1, reporting_interval=1800,
                               mirror_notification_reporting=True, notification_scheme=2)  # fmt: skip
    esi.frame_received(GSME, ESI_ENDPOINT, METERING, 1, configure)
    outputs = _report(esi, GSME, BASIC, {0x0000: 3})
    assert outputs == [MirrorUpdate(GSME, {(BASIC, 0x0000): 3})]  # no answer to the other clusters' reports
    esi.set_tunnel_pending(GSME, True)
    outputs = _report(esi, GSME, METERING, {0x0000: 99})
    assert outputs[0] == MirrorUpdate(GSME, {(METERING, 0x0000): 99})
    fields = frames.read(METERING, _answers(outputs)[0].payload).fields
    assert int(fields.notification_scheme) == 2 and [int(flag) for flag in fields.notification_flags] == [
        1 << 21,
        0,
        0,
        0,
        0,
    ]
    esi.set_tunnel_pending(GSME, False)
    cleared = frames.read(METERING, _answers(_report(esi, GSME, METERING, {0x0000: 100}))[0].payload).fields
    assert int(cleared.notification_flags[0]) == 0


def test_a_report_from_a_meter_without_the_mirror_is_ignored() -> None:
    esi = _esi()
    _request_mirror(esi, GSME)
    assert _report(esi, OTHER, METERING, {0x0000: 1}) == []


def test_the_mirror_answers_reads_from_the_gpfs_values() -> None:
    assert _read(_esi(), MIRROR_ENDPOINT, METERING, 0x0000, 0x0400) == {0x0000: 1234, 0x0400: 0x86}
