"""The device side of ZDO: answer the discovery requests zigpy (or any coordinator) sends.

Why: after a join the coordinator interviews a device with ZDO requests
(Node_Desc_req, Active_EP_req, Simple_Desc_req, IEEE/NWK_addr_req) before it
talks ZCL, and it learns of the device from its Device_annce (radio.md 2.6
step 6). The wire formats come from zigpy's ZDO table (`zigpy.zdo.types`),
our single source for them; this module only decides the answers.

Pure: `ZdoServer.handle` maps one request (cluster, payload) to the replies
to send; nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import zigpy.types as t
import zigpy.zdo.types as zdo_t

ZDO_ENDPOINT = 0
ZDO_PROFILE = 0x0000


@dataclass(frozen=True)
class ZdoReply:
    """One ZDO frame to send: cluster and payload (TSN included)."""

    cluster: int
    payload: bytes


def _encode(command: zdo_t.ZDOCmd, tsn: int, *args: object) -> bytes:
    _, schema = zdo_t.CLUSTERS[command]
    return t.uint8_t(tsn).serialize() + t.serialize(args, schema)


def decode(cluster: int, payload: bytes) -> tuple[int, list[object]]:
    """(TSN, arguments) of a ZDO frame; raises ValueError on an unknown or short frame."""
    if cluster not in zdo_t.CLUSTERS:
        raise ValueError(f"unknown ZDO cluster 0x{cluster:04X}")
    _, schema = zdo_t.CLUSTERS[cluster]
    tsn, rest = t.uint8_t.deserialize(payload)
    args, _ = t.deserialize(rest, schema)
    return tsn, list(args)


def device_annce(tsn: int, nwk: int, ieee: int, capability: int) -> ZdoReply:
    """The Device_annce a device broadcasts after joining or rejoining."""
    return ZdoReply(
        zdo_t.ZDOCmd.Device_annce,
        _encode(zdo_t.ZDOCmd.Device_annce, tsn, t.NWK(nwk), t.EUI64(ieee.to_bytes(8, "little")), t.uint8_t(capability)),
    )


def node_descriptor(*, router: bool, rx_on_when_idle: bool, mains: bool) -> zdo_t.NodeDescriptor:
    """A ZigBee PRO node descriptor for a router or an end device (Smart Energy server mask)."""
    logical = zdo_t.LogicalType.Router if router else zdo_t.LogicalType.EndDevice
    mac_caps = zdo_t.NodeDescriptor.MACCapabilityFlags.AllocateAddress
    if router:
        mac_caps |= zdo_t.NodeDescriptor.MACCapabilityFlags.FullFunctionDevice
    if mains:
        mac_caps |= zdo_t.NodeDescriptor.MACCapabilityFlags.MainsPowered
    if rx_on_when_idle:
        mac_caps |= zdo_t.NodeDescriptor.MACCapabilityFlags.RxOnWhenIdle
    return zdo_t.NodeDescriptor(
        logical_type=logical,
        complex_descriptor_available=0,
        user_descriptor_available=0,
        reserved=0,
        aps_flags=0,
        frequency_band=zdo_t.NodeDescriptor.FrequencyBand.Freq2400MHz,
        mac_capability_flags=mac_caps,
        manufacturer_code=0x1234,
        maximum_buffer_size=82,
        maximum_incoming_transfer_size=1600,
        server_mask=0x2C00,
        maximum_outgoing_transfer_size=1600,
        descriptor_capability_field=0,
    )


class ZdoServer:
    """Answers ZDO discovery requests about one node."""

    def __init__(
        self,
        *,
        ieee: int,
        descriptor: zdo_t.NodeDescriptor,
        endpoints: list[zdo_t.SimpleDescriptor],
    ) -> None:
        self.ieee = ieee
        self.nwk = 0xFFFE
        self._descriptor = descriptor
        self._endpoints = {ep.endpoint: ep for ep in endpoints}

    def handle(self, cluster: int, payload: bytes) -> list[ZdoReply]:
        """The replies to one received ZDO request (none for responses and unknown requests)."""
        try:
            tsn, args = decode(cluster, payload)
        except ValueError:
            return []
        ok, nwk = zdo_t.Status.SUCCESS, t.NWK(self.nwk)
        ieee = t.EUI64(self.ieee.to_bytes(8, "little"))
        cmd = zdo_t.ZDOCmd
        if cluster == cmd.Node_Desc_req:
            return [ZdoReply(cmd.Node_Desc_rsp, _encode(cmd.Node_Desc_rsp, tsn, ok, nwk, self._descriptor))]
        if cluster == cmd.Active_EP_req:
            eps = t.LVList[t.uint8_t](sorted(self._endpoints))
            return [ZdoReply(cmd.Active_EP_rsp, _encode(cmd.Active_EP_rsp, tsn, ok, nwk, eps))]
        if cluster == cmd.Simple_Desc_req:
            ep = self._endpoints.get(int(args[1]))
            if ep is None:
                status = zdo_t.Status.NOT_ACTIVE
                return [ZdoReply(cmd.Simple_Desc_rsp, _encode(cmd.Simple_Desc_rsp, tsn, status, nwk))]
            desc = zdo_t.SizePrefixedSimpleDescriptor(**ep.as_dict())
            return [ZdoReply(cmd.Simple_Desc_rsp, _encode(cmd.Simple_Desc_rsp, tsn, ok, nwk, desc))]
        if cluster in (cmd.IEEE_addr_req, cmd.NWK_addr_req):
            rsp = cmd.IEEE_addr_rsp if cluster == cmd.IEEE_addr_req else cmd.NWK_addr_rsp
            return [ZdoReply(rsp, _encode(rsp, tsn, ok, ieee, nwk))]
        if cluster == cmd.Match_Desc_req:
            wanted = set(args[2]) | set(args[3])
            matches = [
                e for e, d in sorted(self._endpoints.items())
                if d.profile == args[1] and wanted & (set(d.input_clusters) | set(d.output_clusters))
            ]
            found = t.LVList[t.uint8_t](matches)
            return [ZdoReply(cmd.Match_Desc_rsp, _encode(cmd.Match_Desc_rsp, tsn, ok, nwk, found))]
        return []
