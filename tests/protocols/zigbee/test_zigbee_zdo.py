"""ZDO codec against zigpy's ZDO schemas (`zigpy.zdo.types.CLUSTERS`, an independent encoder) and
scapy's ZigbeeDeviceProfile layers, both ways."""

from __future__ import annotations

from typing import Any

import pytest
import zigpy.types as t
import zigpy.zdo.types as zdo_types
from scapy.layers.zigbee import ZDPActiveEPReq, ZDPDeviceAnnce, ZigbeeAppDataPayload, ZigbeeDeviceProfile

from protocols.zigbee import (
    ActiveEpReq,
    ActiveEpRsp,
    AssociatedDevices,
    DeviceAnnce,
    IeeeAddrReq,
    IeeeAddrRsp,
    LogicalType,
    MatchDescReq,
    MatchDescRsp,
    MgmtLeaveReq,
    MgmtLeaveRsp,
    MgmtPermitJoiningReq,
    MgmtPermitJoiningRsp,
    NodeDescReq,
    NodeDescriptor,
    NodeDescRsp,
    NwkAddrReq,
    NwkAddrRsp,
    PowerDescReq,
    PowerDescriptor,
    PowerDescRsp,
    SimpleDescReq,
    SimpleDescriptor,
    SimpleDescRsp,
    ZdoFrame,
    ZdoStatus,
    ZigbeeDecodeError,
    ZigbeeEncodeError,
    build_zdo,
    parse_zdo,
)

METER = 0x70B3D5FFFE000001
METER_EUI = t.EUI64.convert("70:b3:d5:ff:fe:00:00:01")
ESME = SimpleDescriptor(1, 0x0109, 0x0501, 1, (0x0000, 0x0003, 0x000A, 0x0702, 0x0704), (0x000A,))
ZIGPY_ESME = zdo_types.SizePrefixedSimpleDescriptor(
    endpoint=1,
    profile=0x0109,
    device_type=0x0501,
    device_version=1,
    input_clusters=[0x0000, 0x0003, 0x000A, 0x0702, 0x0704],
    output_clusters=[0x000A],
)
ROUTER_NODE = NodeDescriptor(LogicalType.ROUTER, 0x8E, 0x1234)
ZIGPY_ROUTER_NODE = zdo_types.NodeDescriptor(
    logical_type=zdo_types.LogicalType.Router,
    complex_descriptor_available=0,
    user_descriptor_available=0,
    reserved=0,
    aps_flags=0,
    frequency_band=zdo_types.NodeDescriptor.FrequencyBand.Freq2400MHz,
    mac_capability_flags=0x8E,
    manufacturer_code=0x1234,
    maximum_buffer_size=82,
    maximum_incoming_transfer_size=1600,
    server_mask=0,
    maximum_outgoing_transfer_size=1600,
    descriptor_capability_field=0,
)

# (our command, zigpy's argument list for the same cluster in zigpy.zdo.types.CLUSTERS)
VECTORS: list[tuple[Any, list[Any]]] = [
    (NwkAddrReq(METER, 1, 0), [METER_EUI, 1, 0]),
    (IeeeAddrReq(0x796F), [0x796F, 0, 0]),
    (NodeDescReq(0x796F), [0x796F]),
    (PowerDescReq(0x796F), [0x796F]),
    (SimpleDescReq(0x796F, 1), [0x796F, 1]),
    (ActiveEpReq(0x796F), [0x796F]),
    (MatchDescReq(0xFFFD, 0x0109, (0x0704,), ()), [0xFFFD, 0x0109, [0x0704], []]),
    (DeviceAnnce(0x796F, METER, 0x8E), [0x796F, METER_EUI, 0x8E]),
    (MgmtLeaveReq(METER, rejoin=True), [METER_EUI, 0x80]),
    (MgmtLeaveReq(METER, remove_children=True), [METER_EUI, 0x40]),
    (MgmtPermitJoiningReq(180, 1), [180, True]),
    (NwkAddrRsp(0, METER, 0x796F), [0, METER_EUI, 0x796F, None, None, None]),
    (
        IeeeAddrRsp(0, METER, 0x796F, AssociatedDevices(0, (0x1111, 0x2222))),
        [0, METER_EUI, 0x796F, 2, 0, [0x1111, 0x2222]],
    ),
    (NodeDescRsp(0, 0x796F, ROUTER_NODE), [0, 0x796F, ZIGPY_ROUTER_NODE]),
    (NodeDescRsp(ZdoStatus.DEVICE_NOT_FOUND, 0x796F), [ZdoStatus.DEVICE_NOT_FOUND, 0x796F, None]),
    (
        PowerDescRsp(0, 0x796F, PowerDescriptor()),
        [
            0,
            0x796F,
            zdo_types.PowerDescriptor(
                current_power_mode=0, available_power_sources=1, current_power_source=1, current_power_source_level=12
            ),
        ],
    ),
    (SimpleDescRsp(0, 0x796F, ESME), [0, 0x796F, ZIGPY_ESME]),
    (ActiveEpRsp(0, 0x796F, (1, 2)), [0, 0x796F, [1, 2]]),
    (MatchDescRsp(0, 0x0000, (1,)), [0, 0x0000, [1]]),
    (MgmtLeaveRsp(0), [0]),
    (MgmtPermitJoiningRsp(0), [0]),
]


def _zigpy_bytes(cluster: int, args: list[Any]) -> bytes:
    schema = zdo_types.CLUSTERS[cluster][1]
    present = [(arg, kind) for arg, kind in zip(args, schema, strict=False) if arg is not None]
    return t.serialize([a for a, _ in present], [k for _, k in present])


@pytest.mark.parametrize(
    "command, zigpy_args", VECTORS, ids=[f"{type(c).__name__}-{i}" for i, (c, _) in enumerate(VECTORS)]
)
def test_matches_zigpy_both_ways(command: Any, zigpy_args: list[Any]) -> None:
    frame = ZdoFrame(0x42, command)
    wire = bytes([0x42]) + _zigpy_bytes(command.ID, zigpy_args)
    assert build_zdo(frame) == wire
    assert parse_zdo(command.ID, wire) == frame
    _decoded, rest = t.deserialize(wire[1:], zdo_types.CLUSTERS[command.ID][1])
    assert rest == b""


def test_simple_desc_rsp_error_keeps_zero_length() -> None:
    # ZigBee spec 2.4.4.2.5: on error Length is 0 and the descriptor is omitted. zigpy omits the
    # length octet when serialising None but reads our form back as "no descriptor".
    wire = bytes.fromhex("42826f7900")
    frame = ZdoFrame(0x42, SimpleDescRsp(ZdoStatus.INVALID_EP, 0x796F))
    assert build_zdo(frame) == wire and parse_zdo(0x8004, wire) == frame
    assert t.deserialize(wire[1:], zdo_types.CLUSTERS[0x8004][1]) == ([ZdoStatus.INVALID_EP, 0x796F, None], b"")


def test_scapy_device_annce_and_active_ep_req() -> None:
    annce = (
        ZigbeeAppDataPayload(cluster=0x0013, profile=0, dst_endpoint=0, src_endpoint=0)
        / ZigbeeDeviceProfile(trans_seqnum=7)
        / ZDPDeviceAnnce(
            nwk_addr=0x796F, ieee_addr=METER, allocate_address=1, receiver_on_when_idle=1, power_source=1, device_type=1
        )
    )
    payload = bytes(annce[ZigbeeDeviceProfile])
    assert parse_zdo(0x0013, payload) == ZdoFrame(7, DeviceAnnce(0x796F, METER, 0x8E))
    assert build_zdo(ZdoFrame(7, DeviceAnnce(0x796F, METER, 0x8E))) == payload
    req = (
        ZigbeeAppDataPayload(cluster=0x0005, profile=0)
        / ZigbeeDeviceProfile(trans_seqnum=1)
        / ZDPActiveEPReq(nwk_addr=0x796F)
    )
    assert build_zdo(ZdoFrame(1, ActiveEpReq(0x796F))) == bytes(req[ZigbeeDeviceProfile])


def test_refusals() -> None:
    with pytest.raises(ZigbeeDecodeError, match="unsupported ZDO cluster"):
        parse_zdo(0x0031, b"\x01\x00")  # Mgmt_Lqi_req: not carried
    with pytest.raises(ZigbeeDecodeError) as err:
        parse_zdo(0x8004, bytes.fromhex("02006f7903010901"), base=20)  # length 3 but descriptor is longer
    assert 20 <= err.value.offset <= 28
    with pytest.raises(ZigbeeEncodeError, match="descriptor"):
        NodeDescRsp(0, 0x796F)
    with pytest.raises(ZigbeeEncodeError, match="tsn"):
        build_zdo(ZdoFrame(256, ActiveEpReq(1)))
