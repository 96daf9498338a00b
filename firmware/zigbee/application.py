"""The hub side of our stack as a zigpy radio library: a `ControllerApplication` subclass.

Why (architecture.md "firmware.zigbee"): the hub's HAN code is written once against
zigpy and runs on a real dongle (bellows, zigpy-znp) or on our own stack over
a raw radio. This module is the second case: zigpy's radio API (connect,
start_network, send_packet, permit_with_link_key, load/write_network_info,
energy_scan, force_remove, ...) implemented on `stack.ZigbeeStack`, and our
stack's events fed back through `packet_received` (zigpy learns of joins from
the devices' ZDO Device_annce, as with any radio).

Configuration is zigpy's own schema plus one key, `commshub`, holding the
objects a virtual or serial radio cannot be named by a path alone:

    {"device": {"path": "commshub:virtual"},
     "commshub": {"radios": [radio_2_4, radio_868], "store": {}, "sub_ghz_channels": [...]}}

`radios` are `hal.radio.Radio`s (the first is the 2.4 GHz one zigpy's channel
applies to; a second radio on 868 MHz makes a Dual Band hub); `store` is the
counter store (a dict, or hal.nvm later). The zigpy network settings live in
the application between `write_network_info` and `start_network`, as an NCP
would keep them in its NVRAM.

Loopback: zigpy interviews its own coordinator and sends it ZDO requests;
frames addressed to our own NWK address are answered locally by a
`zdo.ZdoServer`, as a dongle's firmware would.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import voluptuous as vol
import zigpy.application
import zigpy.config as conf
import zigpy.device
import zigpy.endpoint
import zigpy.exceptions
import zigpy.profiles.zha
import zigpy.profiles.zll
import zigpy.state
import zigpy.types as zt
import zigpy.zdo.types as zdo_t

from hal.radio import Band, Channel
from protocols.zigbee import PROFILE_HOME_AUTOMATION, PROFILE_SMART_ENERGY
from protocols.zigbee.zdo import LogicalType, NodeDescriptor, SimpleDescriptor

from .aps import ApsIndication
from .counters import CounterStore
from .network_backup import export_devices, restore_devices
from .nwk import COORDINATOR_ADDRESS, NetworkParams, Role
from .stack import ZigbeeStack
from .status import DeliveryFailed, Status, zigpy_status
from .zdo import ZDO_ENDPOINT, ZdoServer, node_descriptor

LOGGER = logging.getLogger(__name__)

CONF_COMMSHUB = "commshub"
CONF_RADIOS = "radios"
CONF_STORE = "store"
CONF_SUB_GHZ_CHANNELS = "sub_ghz_channels"

SCHEMA_COMMSHUB = vol.Schema(
    {
        vol.Required(CONF_RADIOS): [object],
        vol.Optional(CONF_STORE, default=None): vol.Any(None, object),
        vol.Optional(CONF_SUB_GHZ_CHANNELS, default=None): vol.Any(None, [object]),
    }
)

#: How far the APS frame counter is advanced past a restored backup's (zigpy does 10,000 for NWK's):
#: covers the Transport Keys sent after that backup was taken, so a restart never reuses one.
APS_COUNTER_MARGIN = 10_000

MODEL = "commshub virtual coordinator"
MANUFACTURER = "commshub"


def eui64(value: int) -> zt.EUI64:
    """zigpy's EUI64 (octets LSB first) of an int EUI-64."""
    return zt.EUI64(value.to_bytes(8, "little"))


def eui64_int(value: zt.EUI64) -> int:
    """The int of a zigpy EUI64."""
    return int.from_bytes(bytes(value), "little")


#: Our coordinator's node descriptor, as the loopback ZDO server reports it.
COORDINATOR_DESCRIPTOR = node_descriptor(logical_type=LogicalType.COORDINATOR, rx_on_when_idle=True, mains=True)


def _zigpy_node_descriptor(descriptor: NodeDescriptor) -> zdo_t.NodeDescriptor:
    """The same descriptor as zigpy's object, field by field, for zigpy's own coordinator device.

    Our ZDO codec (`protocols.zigbee.zdo`) answers every ZDO request, the
    loopback ones included; zigpy only needs this object, never our bytes."""
    return zdo_t.NodeDescriptor(
        logical_type=zdo_t.LogicalType(descriptor.logical_type),
        complex_descriptor_available=zt.uint1_t(descriptor.complex_descriptor_available),
        user_descriptor_available=zt.uint1_t(descriptor.user_descriptor_available),
        reserved=zt.uint3_t(descriptor.reserved),
        aps_flags=zt.uint3_t(descriptor.aps_flags),
        frequency_band=zdo_t.NodeDescriptor.FrequencyBand(descriptor.frequency_band),
        mac_capability_flags=zdo_t.NodeDescriptor.MACCapabilityFlags(descriptor.mac_capability),
        manufacturer_code=zt.uint16_t(descriptor.manufacturer_code),
        maximum_buffer_size=zt.uint8_t(descriptor.maximum_buffer_size),
        maximum_incoming_transfer_size=zt.uint16_t(descriptor.maximum_incoming_transfer_size),
        server_mask=zt.uint16_t(descriptor.server_mask),
        maximum_outgoing_transfer_size=zt.uint16_t(descriptor.maximum_outgoing_transfer_size),
        descriptor_capability_field=zdo_t.NodeDescriptor.DescriptorCapability(descriptor.descriptor_capability),
    )


def _our_simple_descriptor(descriptor: zdo_t.SimpleDescriptor) -> SimpleDescriptor:
    """An endpoint zigpy registered, as our ZDO codec's value (what the loopback ZDO server reports)."""
    return SimpleDescriptor(
        endpoint=descriptor.endpoint,
        profile=descriptor.profile,
        device_type=descriptor.device_type,
        device_version=descriptor.device_version,
        in_clusters=tuple(descriptor.input_clusters),
        out_clusters=tuple(descriptor.output_clusters),
    )


class ControllerApplication(zigpy.application.ControllerApplication):
    """zigpy's controller on `firmware.zigbee` over `hal.radio` radios."""

    SCHEMA = conf.CONFIG_SCHEMA.extend({vol.Required(CONF_COMMSHUB): SCHEMA_COMMSHUB}, extra=vol.ALLOW_EXTRA)
    DISPLAY_NAME = "commshub"
    DESCRIPTION = "commshub's own ZigBee stack on hal.radio radios (virtual, serial)"

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        own = self._config[CONF_COMMSHUB]
        self._radios = list(own[CONF_RADIOS])
        self._store: CounterStore = own[CONF_STORE] if own[CONF_STORE] is not None else {}
        self._sub_ghz_channels = own[CONF_SUB_GHZ_CHANNELS]
        self._stack: ZigbeeStack | None = None
        self._settings: zigpy.state.NetworkInfo | None = None
        #: the written settings are zigpy's new random ones (form), not a restored network
        self._settings_fresh = False
        self._forming = False
        self._channels: list[Channel] = []
        self._endpoints: list[zdo_t.SimpleDescriptor] = []
        self._zdo: ZdoServer | None = None

    @property
    def stack(self) -> ZigbeeStack:
        """The running stack (after `connect`)."""
        if self._stack is None:
            raise zigpy.exceptions.ControllerException("not connected")
        return self._stack

    # --- connection ----------------------------------------------------------------------------

    async def connect(self) -> None:
        if not self._radios:
            raise zigpy.exceptions.ControllerException("commshub.radios is empty")
        ieee = self._radios[0].info.extended_address
        stack = ZigbeeStack(radios=self._radios, ieee=ieee, role=Role.COORDINATOR, store=self._store)
        stack.on_message = self._message
        stack.on_device_left = self._device_left
        self._stack = stack
        self._zdo = self._zdo_server()

    def _zdo_server(self) -> ZdoServer:
        server = ZdoServer(
            ieee=self.stack.ieee,
            descriptor=COORDINATOR_DESCRIPTOR,
            endpoints=[_our_simple_descriptor(e) for e in self._endpoints],
        )
        server.nwk = COORDINATOR_ADDRESS
        return server

    async def shutdown(self, *, db: bool = True) -> None:
        """zigpy's shutdown, after one last backup: our device tables, link keys and frame counters
        live in zigpy's backups (there is no NCP NVRAM), so the next start restores them as they are."""
        if self._stack is not None and self._stack.params is not None and self.config[conf.CONF_NWK_BACKUP_ENABLED]:
            await self.backups.create_backup(load_devices=True)
        await super().shutdown(db=db)

    async def disconnect(self) -> None:
        if self._stack is not None:
            await self._stack.close()
            self._stack = None

    # --- network settings ----------------------------------------------------------------------

    async def write_network_info(
        self, *, network_info: zigpy.state.NetworkInfo, node_info: zigpy.state.NodeInfo
    ) -> None:
        """Keep the settings zigpy chose (or restored); `start_network` runs the network with them.

        Settings from `form_network` are formed afresh (energy scan, PAN ID conflict check); any
        others are a network being restored, started as written, with its devices and link keys.
        A network already running (zigpy forms a throw-away one to energy-scan) is left first.
        """
        self._settings = network_info
        self._settings_fresh = self._forming
        self._channels = []
        if self._stack is not None:
            self._stack.leave_network()

    async def form_network(self, *, fast: bool = False) -> None:
        """zigpy's forming, remembered so `write_network_info` can tell new settings from restored."""
        outer, self._forming = self._forming, True
        try:
            await super().form_network(fast=fast)
        finally:
            self._forming = outer

    async def load_network_info(self, *, load_devices: bool = False) -> None:
        """Report the running network (counters as they are now) or, before it runs, the written one."""
        stack = self.stack
        if self._settings is None:
            raise zigpy.exceptions.NetworkNotFormed("no network settings written yet")
        params = stack.params
        settings = self._settings
        if params is not None:
            devices = export_devices(stack)
            settings = settings.replace(
                pan_id=zt.PanId(params.pan_id),
                channel=self._channels[0].number if self._channels else settings.channel,
                network_key=settings.network_key.replace(tx_counter=stack.nwk.outgoing_frame_counter),
                tc_link_key=settings.tc_link_key.replace(tx_counter=stack.aps_frame_counter),
                **devices,
            )
            metadata = {
                "commshub": {"bands": [m.band.value for m in stack.macs], "channels": [str(c) for c in self._channels]}
            }
            settings = settings.replace(source=f"commshub@{MODEL}", metadata=metadata)
        if not load_devices:
            settings = settings.replace(children=[], nwk_addresses={}, route_table={}, key_table=[])
        self.state.network_info = settings
        self.state.node_info = zigpy.state.NodeInfo(
            nwk=zt.NWK(COORDINATOR_ADDRESS),
            ieee=eui64(stack.ieee),
            logical_type=zdo_t.LogicalType.Coordinator,
            model=MODEL,
            manufacturer=MANUFACTURER,
        )

    async def reset_network_info(self) -> None:
        self._settings = None
        if self._stack is not None:
            self._stack.leave_network()

    async def start_network(self) -> None:
        """Form the network from new settings, or restart a restored one as written; add our device."""
        stack = self.stack
        settings = self._settings
        if settings is None:
            raise zigpy.exceptions.NetworkNotFormed("no network settings written yet")
        if stack.params is None:
            if self._settings_fresh:
                params = await self._form(settings)
            else:
                params = await self._restore(settings)
            stack.nwk.resume_frame_counter(int(settings.network_key.tx_counter))
            self._channels = [m.channel for m in stack.macs]
            self._settings = settings.replace(pan_id=zt.PanId(params.pan_id), channel=self._channels[0].number)
        await self.load_network_info(load_devices=False)
        await self.register_endpoints()
        self._add_coordinator_device()

    def _sub_ghz_candidates(self) -> list[Channel]:
        return self._sub_ghz_channels or sorted(
            c for c in self.stack.macs[1].radio.info.channels if c.band is Band.MHZ_868
        )

    async def _form(self, settings: zigpy.state.NetworkInfo) -> NetworkParams:
        """A new network: energy-scan the sub-GHz band, and take another PAN ID if ours is in use."""
        stack = self.stack
        channels = [[Channel(0, int(settings.channel))]] if settings.channel else None
        if channels is not None and len(stack.macs) > 1:
            channels.append(self._sub_ghz_candidates())
        return await stack.form(
            channels=channels,
            pan_id=int(settings.pan_id),
            extended_pan_id=eui64_int(zt.EUI64(bytes(settings.extended_pan_id))),
            network_key=bytes(settings.network_key.key),
            key_seq=int(settings.network_key.seq),
            update_id=int(settings.nwk_update_id),
        )

    async def _restore(self, settings: zigpy.state.NetworkInfo) -> NetworkParams:
        """A known network: same PAN ID and channels (no scan), its devices, keys and APS counter."""
        stack = self.stack
        params = NetworkParams(
            pan_id=int(settings.pan_id),
            extended_pan_id=eui64_int(zt.EUI64(bytes(settings.extended_pan_id))),
            network_key=bytes(settings.network_key.key),
            key_seq=int(settings.network_key.seq),
            update_id=int(settings.nwk_update_id),
        )
        channels = [Channel(0, int(settings.channel))]
        if len(stack.macs) > 1:
            saved = settings.metadata.get("commshub", {}).get("channels", [])
            candidates = self._sub_ghz_candidates()
            channels.append(next((c for c in candidates if str(c) in saved[1:]), candidates[0]))
        await stack.start_as_coordinator(params, channels)
        stack.resume_aps_frame_counter(int(settings.tc_link_key.tx_counter) + APS_COUNTER_MARGIN)
        restored = restore_devices(stack, settings)
        LOGGER.info("restored network 0x%04x on %s with %d devices", params.pan_id, channels, restored)
        return params

    def _add_coordinator_device(self) -> None:
        """Our own zigpy device, described from the endpoints we registered (no loopback interview)."""
        ieee = self.state.node_info.ieee
        device = zigpy.device.Device(self, ieee, zt.NWK(COORDINATOR_ADDRESS))
        device.node_desc = _zigpy_node_descriptor(COORDINATOR_DESCRIPTOR)
        for descriptor in self._endpoints:
            endpoint = device.add_endpoint(descriptor.endpoint)
            endpoint.profile_id = descriptor.profile
            # as zigpy's own interview sets it (zigpy.endpoint.Endpoint.initialize): typed under HA and
            # ZLL, the raw number under any other profile
            if descriptor.profile == zigpy.profiles.zha.PROFILE_ID:
                endpoint.device_type = zigpy.profiles.zha.DeviceType(descriptor.device_type)
            elif descriptor.profile == zigpy.profiles.zll.PROFILE_ID:
                endpoint.device_type = zigpy.profiles.zll.DeviceType(descriptor.device_type)  # type: ignore[assignment]  # zigpy types the field for HA only
            else:
                endpoint.device_type = descriptor.device_type  # type: ignore[assignment]  # as zigpy does
            for cluster in descriptor.input_clusters:
                endpoint.add_input_cluster(cluster)
            for cluster in descriptor.output_clusters:
                endpoint.add_output_cluster(cluster)
            endpoint.status = zigpy.endpoint.Status.ZDO_INIT
        device.model, device.manufacturer = MODEL, MANUFACTURER
        self.devices[ieee] = device

    async def add_endpoint(self, descriptor: zdo_t.SimpleDescriptor) -> None:
        self._endpoints[:] = [e for e in self._endpoints if e.endpoint != descriptor.endpoint] + [descriptor]
        if self._stack is not None:
            self._zdo = self._zdo_server()

    # --- joining -------------------------------------------------------------------------------

    async def permit_ncp(self, time_s: int = 60) -> None:
        self.stack.permit_joining(time_s)

    async def permit_with_link_key(self, node: zt.EUI64, link_key: zt.KeyData, time_s: int = 60) -> None:
        """Admit `node` with the link key from its install code, and open joining for `time_s`."""
        self.stack.link_keys[eui64_int(node)] = bytes(link_key)
        await self.permit(time_s)

    async def force_remove(self, dev: zigpy.device.Device) -> None:
        await self.stack.remove_device(eui64_int(dev.ieee))

    def _device_left(self, nwk: int, ieee: int) -> None:
        self.handle_leave(zt.NWK(nwk), eui64(ieee))

    # --- data ----------------------------------------------------------------------------------

    async def send_packet(self, packet: zt.ZigbeePacket) -> None:
        """Send one zigpy packet; raises `DeliveryError(status)` with zigpy's status on failure."""
        stack = self.stack
        dst = packet.dst
        assert dst is not None
        if dst.addr_mode == zt.AddrMode.IEEE and isinstance(dst.address, zt.EUI64):
            known = stack.nwk.neighbour_by_ieee(eui64_int(dst.address))
            if known is None:
                raise zigpy.exceptions.DeliveryError(f"unknown device {dst.address}", zigpy_status(Status.NO_ROUTE))
            address = known.nwk
        elif dst.addr_mode in (zt.AddrMode.NWK, zt.AddrMode.Broadcast) and isinstance(
            dst.address, (zt.NWK, zt.BroadcastAddress)
        ):
            address = int(dst.address)
        else:
            message = f"addressing {dst.addr_mode!r} {dst.address!r} is not supported"
            raise zigpy.exceptions.DeliveryError(message, zigpy_status(Status.NO_ROUTE))
        if address == COORDINATOR_ADDRESS:
            self._loopback(packet)
            return
        try:
            await stack.send(
                address,
                cluster=int(packet.cluster_id),
                profile=int(packet.profile_id),
                src_endpoint=int(packet.src_ep or 0),
                dst_endpoint=int(packet.dst_ep or 0),
                payload=packet.data.serialize(),
                ack=zt.TransmitOptions.ACK in packet.tx_options and dst.addr_mode != zt.AddrMode.Broadcast,
            )
        except DeliveryFailed as error:
            message = f"delivery to 0x{address:04x} failed: {error}"
            raise zigpy.exceptions.DeliveryError(message, zigpy_status(error.status)) from error

    def _loopback(self, packet: zt.ZigbeePacket) -> None:
        """A request to ourselves: answer ZDO as the coordinator's firmware would."""
        if packet.dst_ep != ZDO_ENDPOINT or self._zdo is None:
            return
        for reply in self._zdo.handle(int(packet.cluster_id), packet.data.serialize()):
            asyncio.get_running_loop().call_soon(
                self.packet_received,
                zt.ZigbeePacket(
                    src=zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=zt.NWK(COORDINATOR_ADDRESS)),
                    src_ep=zt.uint8_t(ZDO_ENDPOINT),
                    dst=zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=zt.NWK(COORDINATOR_ADDRESS)),
                    dst_ep=zt.uint8_t(ZDO_ENDPOINT),
                    profile_id=zt.uint16_t(0),
                    cluster_id=zt.uint16_t(reply.cluster),
                    data=zt.SerializableBytes(reply.payload),
                ),
            )

    def _message(self, ind: ApsIndication) -> None:
        # zigpy 2.4 parses ZCL only under the HA and ZLL profiles and drops anything else as a
        # "custom profile" (zigpy issue #1709, radio.md 5.8). ZCL frames are the same under Smart
        # Energy, so SE packets are handed to zigpy as HA ones; what goes out keeps the endpoint's
        # own profile (0x0109), so the air sees true Smart Energy frames.
        profile = PROFILE_HOME_AUTOMATION if ind.profile == PROFILE_SMART_ENERGY else ind.profile
        dst_mode = zt.AddrMode.Broadcast if ind.broadcast else zt.AddrMode.NWK
        dst_address = zt.BroadcastAddress(ind.dst) if ind.broadcast else zt.NWK(ind.dst)
        self.packet_received(
            zt.ZigbeePacket(
                src=zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=zt.NWK(ind.src)),
                src_ep=zt.uint8_t(ind.src_endpoint),
                dst=zt.AddrModeAddress(addr_mode=dst_mode, address=dst_address),
                dst_ep=zt.uint8_t(ind.dst_endpoint),
                profile_id=zt.uint16_t(profile),
                cluster_id=zt.uint16_t(ind.cluster),
                data=zt.SerializableBytes(ind.payload),
                lqi=zt.uint8_t(ind.lqi),
                rssi=zt.int8s(max(-128, min(127, int(ind.rssi)))),
            )
        )

    # --- radio features ------------------------------------------------------------------------

    async def energy_scan(self, channels: zt.Channels, duration_exp: int, count: int) -> dict[int, float]:
        """Peak energy per 2.4 GHz channel over `count` scans (zigpy's LQI-like 0-255 scale).

        Each channel is measured for aBaseSuperframeDuration x (2^duration_exp + 1) symbols, as
        IEEE 802.15.4's MLME-SCAN does (exponent 4: 261 ms a channel on 2.4 GHz)."""
        iface = self.stack.macs[0]
        duration = iface.timing.scan_duration(duration_exp)
        wanted = [Channel(0, c) for c in channels]
        current = iface.channel
        peak: dict[Channel, float] = {}
        try:
            for _ in range(max(1, count)):
                for channel, dbm in (await iface.energy_scan(wanted, duration)).items():
                    peak[channel] = max(dbm, peak.get(channel, dbm))
        finally:
            await iface.set_channel(current)
        # map -100 dBm .. -20 dBm onto 0 .. 255 as EZSP/ZNP report energy
        return {c.number: max(0.0, min(255.0, (v + 100.0) * 255.0 / 80.0)) for c, v in peak.items()}

    async def _set_tx_power(self, tx_power: float) -> float | None:
        powers = [await r.set_power(tx_power) for r in self._radios]
        return powers[0]
