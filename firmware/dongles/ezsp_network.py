"""What each EZSP command does on a virtual NCP: UG100 semantics on our stack (`firmware.zigbee`).

Why here and not in the link layer: these are the NCP firmware's rules -
when a network exists, what a reset keeps (`ezsp_tokens`), which key joins
a device - applied to `ZigbeeStack` through its public API, the same stack
the hub runs on a raw radio. The mapping:

* `formNetwork` / `networkInit` start the stack as coordinator with the
  network parameters and the security state the host set
  (`setInitialSecurityState`, network key, frame counters from
  `setValue`); `stackStatusHandler(NETWORK_UP)` follows. `leaveNetwork`
  stops it (`NETWORK_DOWN`).
* Joining: `permitJoining` opens the stack; a device is admitted only with a
  link key - a transient one from `importTransientKey` (the install-code
  key, which expires after CONFIG_TRANSIENT_KEY_TIMEOUT_S) or one from the
  key table. When the device proves it has the network key the NCP sends
  `trustCenterJoinHandler` and `childJoinHandler`, and keeps the device in
  its child table and its key in the key table (tokens).
* Messages: `sendUnicast` / `sendBroadcast` answer at once with a status and
  an APS sequence number; the transmission goes on and ends in
  `messageSentHandler` (SUCCESS, or DELIVERY_FAILED / NO_APS_ACK). Received
  application messages go up as `incomingMessageHandler`; ZDO requests to
  the coordinator are also answered by the NCP itself, for the endpoints
  the host added (`addEndpoint`), as EmberZNet does.
* Unsupported here, answered as an NCP without the feature would: multicast
  transmission (`sendMulticast` -> INVALID_CALL; the table is kept),
  active scans, Green Power, XNCP custom frames (`customFrame` ->
  LIBRARY_NOT_PRESENT).
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

from firmware.zigbee import DeliveryFailed, JoinEvent, NetworkParams, Role, ZigbeeStack
from firmware.zigbee.aps import ApsIndication
from firmware.zigbee.nwk import Neighbour
from firmware.zigbee.status import Status
from firmware.zigbee.zdo import ZDO_ENDPOINT, ZdoServer, node_descriptor
from hal.radio import Channel
from protocols.serial.ezsp_commands import (
    DeviceUpdate,
    EmberStatus,
    IncomingMessageType,
    JoinDecision,
    NetworkStatus,
    NodeType,
    OutgoingMessageType,
    ScanType,
)
from protocols.serial.ezsp_types import (
    ApsFrame,
    ChildData,
    MulticastEntry,
    NeighborEntry,
    NetworkParameters,
    RouteEntry,
    replace,
)
from protocols.zigbee.zdo import LogicalType, SimpleDescriptor

from .ezsp_config import ConfigCommands
from .ezsp_core import APS_OPTION_RETRY, CHILD_TABLE_SIZE, HAVE_NETWORK_KEY, NO_ENTRY
from .ezsp_mfglib import MfglibCommands
from .ezsp_security import SecurityCommands
from .ezsp_tokens import (
    CONFIG_MULTICAST_TABLE_SIZE,
)

LOGGER = logging.getLogger(__name__)


class NcpNetwork(ConfigCommands, SecurityCommands, MfglibCommands):
    """The NCP's ZigBee side (see the module docstring): every command group on one state."""

    # --- network ----------------------------------------------------------------------------------

    def _network_parameters(self) -> NetworkParameters:
        stored = self.tokens.network
        assert stored is not None
        stack = self.stack
        channel = stack.macs[0].channel.number if stack is not None else stored.radio_channel
        return replace(stored, radio_channel=channel, radio_tx_power=self.ram.radio_power)

    async def _start(self) -> None:
        """Run the network in the tokens: a coordinator stack with its keys, counters and children."""
        network, security = self.tokens.network, self.tokens.security
        assert network is not None and security is not None
        stack = ZigbeeStack(radios=[self.radio], ieee=self.tokens.eui64, role=Role.COORDINATOR, store={})
        params = NetworkParams(
            pan_id=network.pan_id,
            extended_pan_id=network.extended_pan_id,
            network_key=security.network_key,
            key_seq=security.network_key_sequence,
            update_id=network.nwk_update_id,
        )
        await stack.start_as_coordinator(params, [Channel(0, network.radio_channel)])
        stack.nwk.resume_frame_counter(self.tokens.nwk_frame_counter)
        stack.resume_aps_frame_counter(self.tokens.aps_frame_counter)
        for child in self.tokens.children.values():
            stack.nwk.add_neighbour(
                Neighbour(
                    ieee=child.eui64,
                    nwk=child.node_id,
                    rx_on_when_idle=child.node_type != NodeType.SLEEPY_END_DEVICE,
                    router=child.node_type == NodeType.ROUTER,
                    iface=stack.macs[0],
                    authorized=True,
                    joined_at=self._now(),
                )
            )
        stack.on_message = self._message
        stack.on_device_joined = self._joined
        stack.on_device_left = self._left
        self.stack = stack
        self._sync_link_keys()
        self._tasks.spawn(self._status_later(EmberStatus.NETWORK_UP))

    async def _status_later(self, status: EmberStatus) -> None:
        """stackStatusHandler after the command's response, as the NCP's stack task sends it."""
        await asyncio.sleep(0)
        self._emit("stackStatusHandler", {"status": status})

    async def _hNetworkInit(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.stack is not None or self.mfglib_running:
            return {"status": EmberStatus.INVALID_CALL}
        if self.tokens.network is None or self.tokens.security is None:
            return {"status": EmberStatus.NOT_JOINED}
        await self._start()
        return {"status": EmberStatus.SUCCESS}

    async def _hNetworkState(self, params: dict[str, Any]) -> dict[str, Any]:
        state = NetworkStatus.JOINED_NETWORK if self.stack is not None else NetworkStatus.NO_NETWORK
        return {"status": state}

    async def _hFormNetwork(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.stack is not None or self.mfglib_running:
            return {"status": EmberStatus.INVALID_CALL}
        security = self.tokens.security
        if security is None:
            return {"status": 0xA8}  # EMBER_SECURITY_STATE_NOT_SET
        parameters: NetworkParameters = params["parameters"]
        if not 11 <= parameters.radio_channel <= 26 or not 0 <= parameters.pan_id < 0xFFFF:
            return {"status": EmberStatus.BAD_ARGUMENT}
        if not security.bitmask & HAVE_NETWORK_KEY:
            self.tokens.security = replace(security, network_key=random.Random(self.tokens.eui64).randbytes(16))
        self.tokens.network = parameters
        self.tokens.children.clear()
        self.ram.radio_power = parameters.radio_tx_power
        await self._start()
        return {"status": EmberStatus.SUCCESS}

    async def _hLeaveNetwork(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.stack is None:
            return {"status": EmberStatus.INVALID_CALL}
        self._save_counters()
        stack, self.stack = self.stack, None
        await stack.close()
        self.tokens.network = None
        self.tokens.children.clear()
        self._tasks.spawn(self._status_later(EmberStatus.NETWORK_DOWN))
        return {"status": EmberStatus.SUCCESS}

    async def _hGetNetworkParameters(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.stack is None or self.tokens.network is None:
            empty = NetworkParameters(0, 0xFFFF, 0, 0)
            return {"status": EmberStatus.NOT_JOINED, "node_type": NodeType.UNKNOWN_DEVICE, "parameters": empty}
        return {
            "status": EmberStatus.SUCCESS,
            "node_type": NodeType.COORDINATOR,
            "parameters": self._network_parameters(),
        }

    async def _hGetNodeId(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"node_id": self.stack.nwk_address if self.stack is not None else 0xFFFE}

    async def _hGetEui64(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"eui64": self.tokens.eui64}

    async def _hGetParentChildParameters(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"child_count": len(self._children()), "parent_eui64": 0, "parent_node_id": 0xFFFF}

    async def _hPermitJoining(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.stack is None:
            return {"status": EmberStatus.INVALID_CALL}
        duration = min(params["duration"], 254)  # R21: 255 ("for ever") is treated as 254 s
        self.stack.permit_joining(duration)
        self._tasks.spawn(self._status_later(EmberStatus.NETWORK_OPENED if duration else EmberStatus.NETWORK_CLOSED))
        return {"status": EmberStatus.SUCCESS}

    async def _hStartScan(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.stack is None:
            return {"status": EmberStatus.INVALID_CALL}  # scans run on the network's MAC
        if params["scan_type"] != ScanType.ENERGY_SCAN:
            return {"status": 0x34}  # EMBER_MAC_INCORRECT_SCAN_TYPE: active scans are not offered
        channels = [Channel(0, n) for n in range(11, 27) if params["channel_mask"] >> n & 1]
        if not channels or not 0 <= params["duration"] <= 14:
            return {"status": 0x35 if not channels else 0x33}  # INVALID_CHANNEL_MASK / BAD_SCAN_DURATION
        self._tasks.spawn(self._energy_scan(channels, params["duration"]))
        return {"status": EmberStatus.SUCCESS}

    async def _energy_scan(self, channels: list[Channel], exponent: int) -> None:
        assert self.stack is not None
        iface = self.stack.macs[0]
        current = iface.channel
        try:
            energy = await iface.energy_scan(channels, iface.timing.scan_duration(exponent))
        finally:
            await iface.set_channel(current)
        for channel, dbm in sorted(energy.items()):
            self._emit(
                "energyScanResultHandler", {"channel": channel.number, "max_rssi": max(-128, min(127, round(dbm)))}
            )
        self._emit("scanCompleteHandler", {"channel": 0xFF, "status": EmberStatus.SUCCESS})

    async def _hStopScan(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"status": EmberStatus.SUCCESS}

    # --- tables -----------------------------------------------------------------------------------

    async def _hGetChildData(self, params: dict[str, Any]) -> dict[str, Any]:
        children = self._children()
        if params["index"] >= len(children):
            return {"status": EmberStatus.NOT_JOINED, "child_data": ChildData(0, 0, 0xFFFF)}
        return {"status": EmberStatus.SUCCESS, "child_data": self._child_data(children[params["index"]])}

    async def _hSetChildData(self, params: dict[str, Any]) -> dict[str, Any]:
        if params["index"] >= CHILD_TABLE_SIZE:
            return {"status": EmberStatus.INDEX_OUT_OF_RANGE}
        # A restore cannot say whether a child sleeps (bellows writes every child as a sleepy end
        # device, an SDK workaround): such children are reached directly until they rejoin.
        child: ChildData = params["child_data"]
        if child.node_type == NodeType.SLEEPY_END_DEVICE:
            child = replace(child, node_type=NodeType.END_DEVICE)
        self.tokens.children[params["index"]] = child
        return {"status": EmberStatus.SUCCESS}

    async def _hNeighborCount(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"value": sum(1 for n in self._children() if n.router)}

    async def _hGetNeighbor(self, params: dict[str, Any]) -> dict[str, Any]:
        routers = [n for n in self._children() if n.router]
        if params["index"] >= len(routers):
            return {"status": EmberStatus.ERR_FATAL, "value": NeighborEntry(0xFFFF, 0, 0, 0, 0, 0)}
        router = routers[params["index"]]
        return {"status": EmberStatus.SUCCESS, "value": NeighborEntry(router.nwk, 255, 1, 1, 3, router.ieee)}

    async def _hGetRouteTableEntry(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"status": EmberStatus.ERR_FATAL, "value": RouteEntry(0xFFFF, 0xFFFF, 3, 0, 0, 0)}

    async def _hLookupEui64ByNodeId(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.stack is not None and params["node_id"] == self.stack.nwk_address:
            return {"status": EmberStatus.SUCCESS, "eui64": self.tokens.eui64}
        known = self.stack.nwk.state.neighbours.get(params["node_id"]) if self.stack is not None else None
        if known is None:
            return {"status": EmberStatus.ERR_FATAL, "eui64": 0}
        return {"status": EmberStatus.SUCCESS, "eui64": known.ieee}

    async def _hLookupNodeIdByEui64(self, params: dict[str, Any]) -> dict[str, Any]:
        known = self.stack.nwk.neighbour_by_ieee(params["eui64"]) if self.stack is not None else None
        return {"node_id": known.nwk if known is not None else 0xFFFF}

    async def _hGetMulticastTableEntry(self, params: dict[str, Any]) -> dict[str, Any]:
        if params["index"] >= self.ram.config[CONFIG_MULTICAST_TABLE_SIZE]:
            return {"status": EmberStatus.INDEX_OUT_OF_RANGE, "value": MulticastEntry(0, 0)}
        return {"status": EmberStatus.SUCCESS, "value": self.ram.multicast.get(params["index"], MulticastEntry(0, 0))}

    async def _hSetMulticastTableEntry(self, params: dict[str, Any]) -> dict[str, Any]:
        if params["index"] >= self.ram.config[CONFIG_MULTICAST_TABLE_SIZE]:
            return {"status": EmberStatus.INDEX_OUT_OF_RANGE}
        self.ram.multicast[params["index"]] = params["value"]
        return {"status": EmberStatus.SUCCESS}

    async def _hSetConcentrator(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"status": EmberStatus.SUCCESS}

    async def _hSetSourceRouteDiscoveryMode(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"remaining_time": 0}

    async def _hSetSourceRoute(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"status": EmberStatus.SUCCESS if not params["relays"] else EmberStatus.INVALID_CALL}

    async def _hSetExtendedTimeout(self, params: dict[str, Any]) -> dict[str, Any]:
        return {}

    async def _hGetExtendedTimeout(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"extended_timeout": False}

    async def _hSetAddressTableRemoteEui64(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"status": EmberStatus.SUCCESS}

    async def _hSetAddressTableRemoteNodeId(self, params: dict[str, Any]) -> dict[str, Any]:
        return {}

    async def _hGetAddressTableRemoteEui64(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"eui64": 0}

    async def _hGetAddressTableRemoteNodeId(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"node_id": 0xFFFF}  # EMBER_TABLE_ENTRY_UNUSED_NODE_ID

    async def _hReplaceAddressTableEntry(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"status": EmberStatus.SUCCESS, "old_eui64": 0, "old_id": 0xFFFF, "old_extended_timeout": False}

    async def _hRemoveDevice(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.stack is None:
            return {"status": EmberStatus.INVALID_CALL}
        self._tasks.spawn(self.stack.remove_device(params["target_long"]))
        return {"status": EmberStatus.SUCCESS}

    # --- joins and leaves -------------------------------------------------------------------------

    def _joined(self, event: JoinEvent) -> None:
        """A device proved it has the network key: it becomes a child with its key in the key table."""
        self._sync_link_keys()
        key = self.stack.link_keys.get(event.ieee) if self.stack is not None else None
        if key is not None and all(eui != event.ieee for eui, _ in self.tokens.key_table.values()):
            free = [i for i in range(self._key_table_size()) if i not in self.tokens.key_table]
            if free:
                self.tokens.key_table[free[0]] = (event.ieee, key)
        self.ram.transient_keys.pop(event.ieee, None)
        children = self._children()
        index = next((i for i, n in enumerate(children) if n.ieee == event.ieee), NO_ENTRY)
        child = children[index] if index != NO_ENTRY else None
        if child is not None:
            self.tokens.children = {i: self._child_data(n) for i, n in enumerate(children)}
            self._emit(
                "childJoinHandler",
                {
                    "index": index,
                    "joining": True,
                    "child_id": event.nwk,
                    "child_eui64": event.ieee,
                    "child_type": self._child_data(child).node_type,
                },
            )
        self._emit(
            "trustCenterJoinHandler",
            {
                "new_node_id": event.nwk,
                "new_node_eui64": event.ieee,
                "status": DeviceUpdate.STANDARD_SECURITY_UNSECURED_JOIN,
                "policy_decision": JoinDecision.USE_PRECONFIGURED_KEY,
                "parent_of_new_node_id": event.parent,
            },
        )

    def _left(self, nwk: int, ieee: int) -> None:
        self.tokens.children = {i: self._child_data(n) for i, n in enumerate(self._children())}
        self._emit(
            "trustCenterJoinHandler",
            {
                "new_node_id": nwk,
                "new_node_eui64": ieee,
                "status": DeviceUpdate.DEVICE_LEFT,
                "policy_decision": JoinDecision.NO_ACTION,
                "parent_of_new_node_id": 0,
            },
        )

    # --- messaging --------------------------------------------------------------------------------

    def _zdo_server(self) -> ZdoServer:
        endpoints = [
            SimpleDescriptor(endpoint, profile, device, version, inputs, outputs)
            for endpoint, (profile, device, version, inputs, outputs) in sorted(self.ram.endpoints.items())
        ]
        descriptor = node_descriptor(logical_type=LogicalType.COORDINATOR, rx_on_when_idle=True, mains=True)
        server = ZdoServer(ieee=self.tokens.eui64, descriptor=descriptor, endpoints=endpoints)
        server.nwk = 0x0000
        return server

    async def _hSendUnicast(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.stack is None:
            return {"status": EmberStatus.NETWORK_DOWN, "sequence": 0}
        if params["type"] != OutgoingMessageType.DIRECT:
            return {"status": EmberStatus.INVALID_CALL, "sequence": 0}
        aps: ApsFrame = replace(params["aps_frame"], sequence=self._next_aps_sequence())
        destination = params["index_or_destination"]
        if destination == self.stack.nwk_address:
            self._tasks.spawn(self._loopback(aps, params))
        else:
            ack = bool(aps.options & APS_OPTION_RETRY)
            self._tasks.spawn(self._transmit(OutgoingMessageType.DIRECT, destination, aps, params, ack=ack))
        return {"status": EmberStatus.SUCCESS, "sequence": aps.sequence}

    async def _hSendBroadcast(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.stack is None:
            return {"status": EmberStatus.NETWORK_DOWN, "sequence": 0}
        if params["destination"] < 0xFFF8:
            return {"status": EmberStatus.BAD_ARGUMENT, "sequence": 0}
        aps: ApsFrame = replace(params["aps_frame"], sequence=self._next_aps_sequence())
        self._tasks.spawn(self._transmit(OutgoingMessageType.BROADCAST, params["destination"], aps, params, ack=False))
        return {"status": EmberStatus.SUCCESS, "sequence": aps.sequence}

    async def _hSendMulticast(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"status": EmberStatus.INVALID_CALL, "sequence": 0}

    async def _hSendReply(self, params: dict[str, Any]) -> dict[str, Any]:
        reply = {
            **params,
            "index_or_destination": params["sender"],
            "type": OutgoingMessageType.DIRECT,
            "message_tag": 0,
        }
        result = await self._hSendUnicast(reply)
        return {"status": result["status"]}

    async def _transmit(
        self, kind: OutgoingMessageType, destination: int, aps: ApsFrame, params: dict[str, Any], *, ack: bool
    ) -> None:
        stack = self.stack
        assert stack is not None
        status = EmberStatus.SUCCESS
        try:
            await stack.send(
                destination,
                cluster=aps.cluster_id,
                profile=aps.profile_id,
                src_endpoint=aps.source_endpoint,
                dst_endpoint=aps.destination_endpoint,
                payload=params["message"],
                ack=ack,
            )
        except DeliveryFailed as error:
            LOGGER.info("virtual NCP: message to 0x%04x failed: %s", destination, error)
            status = EmberStatus.NO_APS_ACK if error.status is Status.NO_ACK and ack else EmberStatus.DELIVERY_FAILED
        self._emit(
            "messageSentHandler",
            {
                "type": kind,
                "index_or_destination": destination,
                "aps_frame": aps,
                "message_tag": params["message_tag"],
                "status": status,
                "message": params["message"],
            },
        )

    async def _loopback(self, aps: ApsFrame, params: dict[str, Any]) -> None:
        """A unicast to ourselves: our ZDO answers, and both frames are reported as if they had flown."""
        await asyncio.sleep(0)
        self._emit(
            "messageSentHandler",
            {
                "type": OutgoingMessageType.DIRECT,
                "index_or_destination": 0,
                "aps_frame": aps,
                "message_tag": params["message_tag"],
                "status": EmberStatus.SUCCESS,
                "message": params["message"],
            },
        )
        if aps.destination_endpoint != ZDO_ENDPOINT:
            return
        for reply in self._zdo_server().handle(aps.cluster_id, params["message"]):
            frame = ApsFrame(0, reply.cluster, ZDO_ENDPOINT, ZDO_ENDPOINT, 0, 0, self._next_aps_sequence())
            self._incoming(IncomingMessageType.UNICAST, frame, 0x0000, reply.payload, lqi=255, rssi=0)

    def _incoming(
        self, kind: IncomingMessageType, aps: ApsFrame, sender: int, payload: bytes, *, lqi: int, rssi: int
    ) -> None:
        self._emit(
            "incomingMessageHandler",
            {
                "type": kind,
                "aps_frame": aps,
                "last_hop_lqi": lqi,
                "last_hop_rssi": rssi,
                "sender": sender,
                "binding_index": NO_ENTRY,
                "address_index": NO_ENTRY,
                "message": payload,
            },
        )

    def _message(self, ind: ApsIndication) -> None:
        """An application message from the stack (an `ApsIndication`): up to the host; ZDO answered here too."""
        kind = IncomingMessageType.BROADCAST if ind.broadcast else IncomingMessageType.UNICAST
        aps = ApsFrame(ind.profile, ind.cluster, ind.src_endpoint, ind.dst_endpoint, 0, 0, self._next_aps_sequence())
        rssi = max(-128, min(127, round(ind.rssi)))
        self._incoming(kind, aps, ind.src, ind.payload, lqi=ind.lqi, rssi=rssi)
        if ind.dst_endpoint == ZDO_ENDPOINT and ind.profile == 0:
            for reply in self._zdo_server().handle(ind.cluster, ind.payload, broadcast=ind.broadcast):
                frame = ApsFrame(0, reply.cluster, ZDO_ENDPOINT, ZDO_ENDPOINT, 0, 0, 0)
                self._tasks.spawn(
                    self._transmit(
                        OutgoingMessageType.DIRECT,
                        ind.src,
                        frame,
                        {"message": reply.payload, "message_tag": 0},
                        ack=True,
                    )
                )
