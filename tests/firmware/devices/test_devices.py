"""The pure answering parts of emulated devices: ZDO discovery and ZCL Read Attributes.

Requests are built, and answers read, with zigpy's own ZDO and ZCL codecs: an outside check of ours."""

from __future__ import annotations

import zigpy.types as t
import zigpy.zcl.foundation as f
import zigpy.zdo
import zigpy.zdo.types as zdo_t

from firmware.devices import ZclEndpoint
from firmware.devices.meters import CURRENT_SUMMATION_DELIVERED, METERING, meter_endpoint
from firmware.zigbee.zdo import ZdoServer, device_annce, node_descriptor
from protocols.zigbee.zdo import LogicalType, SimpleDescriptor

IEEE = 0x0011223344556677
ZDO = zigpy.zdo.ZDO(None)  # zigpy's own ZDO codec, to build requests and read our answers


def server(permits: list[int] | None = None) -> ZdoServer:
    endpoint = SimpleDescriptor(
        endpoint=1, profile=0x0109, device_type=0x0501, in_clusters=(0x0000, 0x0702), out_clusters=(0x0704,)
    )
    descriptor = node_descriptor(logical_type=LogicalType.END_DEVICE, rx_on_when_idle=False, mains=False)
    zdo = ZdoServer(
        ieee=IEEE,
        descriptor=descriptor,
        endpoints=[endpoint],
        on_permit_joining=None if permits is None else permits.append,
    )
    zdo.nwk = 0x4321
    return zdo


def ask(zdo: ZdoServer, command: zdo_t.ZDOCmd, *args: object) -> list[object]:
    replies = zdo.handle(command, bytes([0x42]) + ZDO._serialize(command, *args))
    assert len(replies) == 1 and replies[0].payload[0] == 0x42  # the request's TSN comes back
    header, answer = ZDO.deserialize(replies[0].cluster, replies[0].payload)
    assert header.command_id == command | 0x8000
    return answer


def test_zdo_discovery_answers() -> None:
    zdo = server()
    status, nwk, descriptor = ask(zdo, zdo_t.ZDOCmd.Node_Desc_req, t.NWK(0x4321))
    assert status == zdo_t.Status.SUCCESS and nwk == 0x4321
    assert descriptor.is_end_device and not descriptor.is_receiver_on_when_idle
    assert ask(zdo, zdo_t.ZDOCmd.Active_EP_req, t.NWK(0x4321))[2] == [1]
    _, _, simple = ask(zdo, zdo_t.ZDOCmd.Simple_Desc_req, t.NWK(0x4321), 1)
    assert simple.profile == 0x0109 and simple.input_clusters == [0x0000, 0x0702]
    assert ask(zdo, zdo_t.ZDOCmd.Simple_Desc_req, t.NWK(0x4321), 9)[0] == zdo_t.Status.NOT_ACTIVE
    status, ieee, nwk = ask(zdo, zdo_t.ZDOCmd.IEEE_addr_req, t.NWK(0x4321), 0, 0)[:3]
    assert ieee == t.EUI64.convert("00:11:22:33:44:55:66:77") and nwk == 0x4321
    assert ask(zdo, zdo_t.ZDOCmd.Match_Desc_req, t.NWK(0xFFFD), 0x0109, [0x0702], [])[2] == [1]
    assert (
        zdo.handle(
            zdo_t.ZDOCmd.Match_Desc_req,
            b"\x01" + ZDO._serialize(zdo_t.ZDOCmd.Match_Desc_req, t.NWK(0xFFFD), 0x0104, [0x0702], []),
        )
        == []
    )  # no match: silence
    assert zdo.handle(zdo_t.ZDOCmd.Node_Desc_rsp, b"\x01\x00") == []  # responses are not answered
    assert zdo.handle(0x7777, b"\x01") == []  # unknown clusters neither


def test_permit_joining_reaches_the_stack_and_broadcasts_get_no_answer() -> None:
    permits: list[int] = []
    zdo = server(permits)
    request = b"\x07" + ZDO._serialize(zdo_t.ZDOCmd.Mgmt_Permit_Joining_req, 60, 1)
    assert zdo.handle(zdo_t.ZDOCmd.Mgmt_Permit_Joining_req, request, broadcast=True) == []
    assert permits == [60]
    assert len(zdo.handle(zdo_t.ZDOCmd.Mgmt_Permit_Joining_req, request)) == 1  # unicast: answered
    assert server().handle(zdo_t.ZDOCmd.Mgmt_Permit_Joining_req, request) == []  # an end device ignores it


def test_device_annce_as_zigpy_reads_it() -> None:
    reply = device_annce(5, 0x4321, IEEE, 0x80)
    ieee = t.EUI64.convert("00:11:22:33:44:55:66:77")
    assert ZDO.deserialize(reply.cluster, reply.payload)[1] == [0x4321, ieee, 0x80]


def read(endpoint: ZclEndpoint, cluster: int, *attributes: int, tsn: int = 9) -> tuple[f.ZCLHeader, bytes]:
    request = f.ZCLHeader.general(tsn, f.GeneralCommand.Read_Attributes).serialize()
    answer = endpoint.handle(cluster, request + t.List[t.uint16_t](attributes).serialize())
    assert answer is not None
    return f.ZCLHeader.deserialize(answer)


def test_zcl_read_attributes_typed_from_zigpy() -> None:
    endpoint = meter_endpoint("ESME", 0, 0, 2**40 + 5, True)
    header, rest = read(endpoint, METERING, CURRENT_SUMMATION_DELIVERED, 0x0999)
    assert header.command_id == f.GeneralCommand.Read_Attributes_rsp and header.tsn == 9
    assert header.direction == f.Direction.Server_to_Client
    (found, missing), _ = t.List[f.ReadAttributeRecord].deserialize(rest)
    assert found.status == f.Status.SUCCESS and found.value.type == f.DataTypeId.uint48
    assert found.value.value == 2**40 + 5
    assert missing.attrid == 0x0999 and missing.status == f.Status.UNSUPPORTED_ATTRIBUTE


def test_zcl_default_responses() -> None:
    endpoint = meter_endpoint("ESME", 0, 0, 1, True)
    header, rest = read(endpoint, 0x0006, 0x0000)  # On/Off: not on this endpoint
    assert header.command_id == f.GeneralCommand.Default_Response
    assert rest == bytes([f.GeneralCommand.Read_Attributes, f.Status.UNSUPPORTED_CLUSTER])
    command = f.ZCLHeader.cluster(3, 0x00).serialize()  # GetProfile: not implemented
    assert endpoint.handle(METERING, command)[-1] == f.Status.UNSUP_CLUSTER_COMMAND  # type: ignore[index]
    quiet = f.ZCLHeader.general(4, f.GeneralCommand.Read_Attributes)
    quiet.frame_control = quiet.frame_control.replace(disable_default_response=True)
    assert endpoint.handle(0x0006, quiet.serialize() + b"\x00\x00") is None
    assert endpoint.handle(METERING, b"\x08") is None  # truncated header: no answer
