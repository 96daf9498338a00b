"""The device side of ZDO: answer the discovery requests zigpy (or any coordinator) sends.

Why: after a join the coordinator interviews a device with ZDO requests
(Node_Desc_req, Active_EP_req, Simple_Desc_req, IEEE/NWK_addr_req,
Match_Desc_req) before it talks ZCL, and it learns of the device from its
Device_annce (radio.md 2.6 step 6). The frames are `protocols.zigbee.zdo`'s
(which serialises as zigpy does); this module only decides the answers.

Pure: `ZdoServer.handle` maps one request (cluster, payload) to the replies to
send; a Mgmt_Permit_Joining_req is passed to `on_permit_joining` (requests
that arrive broadcast are not answered, as ZigBee requires).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from protocols.zigbee import ZigbeeDecodeError, build_zdo, parse_zdo
from protocols.zigbee import zdo as zdp

from .mac_types import CAP_ALLOCATE, CAP_FFD, CAP_MAINS, CAP_RX_ON_WHEN_IDLE, NO_SHORT

ZDO_ENDPOINT = 0
ZDO_PROFILE = 0x0000
#: The manufacturer code our emulated nodes report (a test value, not an allocated one).
MANUFACTURER_CODE = 0x1234
#: Node descriptor server mask bits: primary trust centre (0) and network manager (6).
SERVER_PRIMARY_TRUST_CENTRE, SERVER_NETWORK_MANAGER = 0x0001, 0x0040
#: ZigBee PRO stack compliance revision 22 (server mask bits 9-15).
SERVER_STACK_REVISION_22 = 22 << 9


@dataclass(frozen=True, slots=True)
class ZdoReply:
    """One ZDO frame to send: cluster and payload (TSN included)."""

    cluster: int
    payload: bytes


def _reply(tsn: int, command: zdp.ZdoCommand) -> ZdoReply:
    return ZdoReply(command.ID, build_zdo(zdp.ZdoFrame(tsn, command)))


def device_annce(tsn: int, nwk: int, ieee: int, capability: int) -> ZdoReply:
    """The Device_annce a device broadcasts after joining or rejoining."""
    return _reply(tsn, zdp.DeviceAnnce(nwk=nwk, ieee=ieee, capability=capability))


def node_descriptor(*, logical_type: zdp.LogicalType, rx_on_when_idle: bool, mains: bool) -> zdp.NodeDescriptor:
    """A ZigBee PRO node descriptor (Smart Energy sizes: 1,600-octet transfers)."""
    capability = CAP_ALLOCATE
    if logical_type is not zdp.LogicalType.END_DEVICE:
        capability |= CAP_FFD
    if mains:
        capability |= CAP_MAINS
    if rx_on_when_idle:
        capability |= CAP_RX_ON_WHEN_IDLE
    server_mask = SERVER_STACK_REVISION_22
    if logical_type is zdp.LogicalType.COORDINATOR:
        server_mask |= SERVER_PRIMARY_TRUST_CENTRE | SERVER_NETWORK_MANAGER
    return zdp.NodeDescriptor(
        logical_type=logical_type,
        mac_capability=capability,
        manufacturer_code=MANUFACTURER_CODE,
        server_mask=server_mask,
    )


class ZdoServer:
    """Answers ZDO discovery requests about one node."""

    def __init__(
        self,
        *,
        ieee: int,
        descriptor: zdp.NodeDescriptor,
        endpoints: list[zdp.SimpleDescriptor],
        on_permit_joining: Callable[[int], None] | None = None,
    ) -> None:
        self.ieee = ieee
        self.nwk = NO_SHORT
        self._descriptor = descriptor
        self._endpoints = {ep.endpoint: ep for ep in endpoints}
        self._on_permit_joining = on_permit_joining

    def handle(self, cluster: int, payload: bytes, *, broadcast: bool = False) -> list[ZdoReply]:
        """The replies to one received ZDO request (none for responses and unknown requests)."""
        try:
            frame = parse_zdo(cluster, payload)
        except ZigbeeDecodeError:
            return []
        replies = self._answer(frame.command)
        if broadcast and not isinstance(frame.command, zdp.MatchDescReq):
            return []
        return [_reply(frame.tsn, r) for r in replies]

    def _answer(self, request: zdp.ZdoCommand) -> list[zdp.ZdoCommand]:
        ok = zdp.ZdoStatus.SUCCESS
        if isinstance(request, zdp.NodeDescReq):
            return [zdp.NodeDescRsp(ok, self.nwk, self._descriptor)]
        if isinstance(request, zdp.ActiveEpReq):
            return [zdp.ActiveEpRsp(ok, self.nwk, tuple(sorted(self._endpoints)))]
        if isinstance(request, zdp.SimpleDescReq):
            endpoint = self._endpoints.get(request.endpoint)
            if endpoint is None:
                return [zdp.SimpleDescRsp(zdp.ZdoStatus.NOT_ACTIVE, self.nwk)]
            return [zdp.SimpleDescRsp(ok, self.nwk, endpoint)]
        if isinstance(request, zdp.IeeeAddrReq):
            return [zdp.IeeeAddrRsp(ok, self.ieee, self.nwk)]
        if isinstance(request, zdp.NwkAddrReq) and request.ieee == self.ieee:
            return [zdp.NwkAddrRsp(ok, self.ieee, self.nwk)]
        if isinstance(request, zdp.MatchDescReq):
            wanted = set(request.in_clusters) | set(request.out_clusters)
            matches = tuple(
                e
                for e, d in sorted(self._endpoints.items())
                if d.profile == request.profile and wanted & (set(d.in_clusters) | set(d.out_clusters))
            )
            return [zdp.MatchDescRsp(ok, self.nwk, matches)] if matches else []
        if isinstance(request, zdp.MgmtPermitJoiningReq) and self._on_permit_joining is not None:
            self._on_permit_joining(request.duration)
            return [zdp.MgmtPermitJoiningRsp(ok)]
        return []
