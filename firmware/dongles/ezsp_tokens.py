"""What a virtual EZSP NCP keeps, split as a real one splits it: NVM3 tokens vs RAM (UG100, AN1154).

Why apart from the command handlers: the reset rules are the whole point.
An ASH reset (or a power cycle) reboots the NCP: everything in `NcpRam` -
configuration values, policies, endpoints, transient link keys, the multicast
table - goes back to its default, while `NcpTokens` - the network it formed,
its security state, the key table, the child table, the frame counters and a
restored EUI-64 - survive, so `networkInit` brings the same network back.
`tokenFactoryReset` wipes the tokens.

Token data the host can read and write directly (`getTokenData` /
`setTokenData`) is limited to the two NVM3 keys hosts use: the restored
EUI-64 (0x1E12A, 8 octets, all 0xFF when unset) and the network-management
token (0x1E125: channel mask u32, manager node id u16, update id u8, pad u8).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from protocols.serial.ezsp_types import ChildData, InitialSecurityState, MulticastEntry, NetworkParameters

#: NVM3 keys (EmberZNet `stack/config/token-stack.h`, NVM3KEY_STACK_*).
TOKEN_RESTORED_EUI64 = 0x1E12A
TOKEN_NETWORK_MANAGEMENT = 0x1E125
#: An EUI-64 of all ones: "no value" in EUI tokens.
UNSET_EUI64 = (1 << 64) - 1

#: EzspConfigId -> the value an EmberZNet 7.4 NCP reports after a reset (those hosts read or set).
DEFAULT_CONFIG = {
    0x01: 255,  # PACKET_BUFFER_COUNT
    0x02: 16,  # NEIGHBOR_TABLE_SIZE
    0x03: 10,  # APS_UNICAST_MESSAGE_COUNT
    0x04: 32,  # BINDING_TABLE_SIZE
    0x05: 16,  # ADDRESS_TABLE_SIZE
    0x06: 16,  # MULTICAST_TABLE_SIZE
    0x07: 16,  # ROUTE_TABLE_SIZE
    0x08: 8,  # DISCOVERY_TABLE_SIZE
    0x0C: 2,  # STACK_PROFILE (ZigBee PRO)
    0x0D: 5,  # SECURITY_LEVEL (ENC-MIC-32)
    0x10: 30,  # MAX_HOPS
    0x11: 32,  # MAX_END_DEVICE_CHILDREN
    0x12: 7680,  # INDIRECT_TRANSMISSION_TIMEOUT (ms)
    0x13: 8,  # END_DEVICE_POLL_TIMEOUT
    0x17: 0,  # TX_POWER_MODE
    0x18: 0,  # DISABLE_RELAY
    0x19: 2,  # TRUST_CENTER_ADDRESS_CACHE_SIZE
    0x1A: 16,  # SOURCE_ROUTE_TABLE_SIZE
    0x1C: 1,  # FRAGMENT_WINDOW_SIZE
    0x1D: 50,  # FRAGMENT_DELAY_MS
    0x1E: 12,  # KEY_TABLE_SIZE
    0x1F: 1600,  # APS_ACK_TIMEOUT (ms)
    0x20: 3,  # ACTIVE_SCAN_DURATION
    0x21: 60,  # END_DEVICE_BIND_TIMEOUT
    0x22: 2,  # PAN_ID_CONFLICT_REPORT_THRESHOLD
    0x24: 0,  # REQUEST_KEY_TIMEOUT
    0x29: 0,  # CERTIFICATE_TABLE_SIZE
    0x2A: 0,  # APPLICATION_ZDO_FLAGS
    0x2B: 15,  # BROADCAST_TABLE_SIZE
    0x2C: 0,  # MAC_FILTER_TABLE_SIZE
    0x2D: 1,  # SUPPORTED_NETWORKS
    0x2E: 1,  # SEND_MULTICASTS_TO_SLEEPY_ADDRESS
    0x33: 1,  # MTORR_FLOW_CONTROL
    0x34: 16,  # RETRY_QUEUE_SIZE
    0x35: 10,  # NEW_BROADCAST_ENTRY_THRESHOLD
    0x36: 300,  # TRANSIENT_KEY_TIMEOUT_S
    0x37: 1,  # BROADCAST_MIN_ACKS_NEEDED
    0x38: 300,  # TC_REJOINS_USING_WELL_KNOWN_KEY_TIMEOUT_S
    0x40: 0,  # ASSUME_TC_CONCENTRATOR_TYPE
    0x41: 5,  # GP_PROXY_TABLE_SIZE
    0x42: 0,  # GP_SINK_TABLE_SIZE
}
CONFIG_MULTICAST_TABLE_SIZE = 0x06
CONFIG_SECURITY_LEVEL = 0x0D
CONFIG_KEY_TABLE_SIZE = 0x1E
CONFIG_TRANSIENT_KEY_TIMEOUT_S = 0x36
#: EzspPolicyId values an NCP accepts (UG100: TRUST_CENTER_POLICY .. TC_REJOINS_USING_WELL_KNOWN_KEY_POLICY).
POLICY_IDS = range(0x0A)
TRUST_CENTER_POLICY = 0x00
#: EzspValueId values with a meaning here.
VALUE_VERSION_INFO = 0x11
VALUE_NWK_FRAME_COUNTER = 0x23
VALUE_APS_FRAME_COUNTER = 0x24


@dataclass(slots=True)
class NcpTokens:
    """What survives a reset (NVM3): see the module docstring."""

    chip_eui64: int
    restored_eui64: int = UNSET_EUI64
    mfg_custom_eui64: int = UNSET_EUI64
    network: NetworkParameters | None = None
    security: InitialSecurityState | None = None
    nwk_frame_counter: int = 0
    aps_frame_counter: int = 0
    #: key table index -> (partner EUI-64, link key)
    key_table: dict[int, tuple[int, bytes]] = field(default_factory=dict)
    #: child table index -> child
    children: dict[int, ChildData] = field(default_factory=dict)

    @property
    def eui64(self) -> int:
        """The EUI-64 in use: a restored one, else a manufacturing override, else the chip's."""
        for candidate in (self.restored_eui64, self.mfg_custom_eui64):
            if candidate != UNSET_EUI64:
                return candidate
        return self.chip_eui64

    def factory_reset(self, *, keep_outgoing_counters: bool) -> None:
        """`tokenFactoryReset`: forget the network, keys and children (and the counters unless kept)."""
        self.restored_eui64 = UNSET_EUI64
        self.network = None
        self.security = None
        self.key_table.clear()
        self.children.clear()
        if not keep_outgoing_counters:
            self.nwk_frame_counter = self.aps_frame_counter = 0

    def read_token(self, key: int) -> bytes | None:
        """The raw value of NVM3 token `key` (None: not a token we have)."""
        if key == TOKEN_RESTORED_EUI64:
            return self.restored_eui64.to_bytes(8, "little")
        if key == TOKEN_NETWORK_MANAGEMENT:
            network = self.network
            if network is None:
                return struct.pack("<IHBB", 0, 0, 0, 0)
            return struct.pack("<IHBB", network.channels, network.nwk_manager_id, network.nwk_update_id, 0)
        return None

    def write_token(self, key: int, value: bytes) -> bool:
        """Write NVM3 token `key`; False when the key is unknown or the value has the wrong size."""
        if key == TOKEN_RESTORED_EUI64 and len(value) == 8:
            self.restored_eui64 = int.from_bytes(value, "little")
            return True
        if key == TOKEN_NETWORK_MANAGEMENT and len(value) == 8:
            channels, manager, update_id, _ = struct.unpack("<IHBB", value)
            if self.network is not None:
                self.network = NetworkParameters(
                    **{
                        **{name: getattr(self.network, name) for name, _ in NetworkParameters.LAYOUT},
                        "channels": channels,
                        "nwk_manager_id": manager,
                        "nwk_update_id": update_id,
                    }
                )
            return True
        return False


@dataclass(slots=True)
class NcpRam:
    """What a reset loses: configuration, policies, values, endpoints, transient keys, multicast table."""

    config: dict[int, int] = field(default_factory=lambda: dict(DEFAULT_CONFIG))
    policies: dict[int, int] = field(default_factory=dict)
    values: dict[int, bytes] = field(default_factory=dict)
    #: endpoint -> (profile, device id, device version, input clusters, output clusters)
    endpoints: dict[int, tuple[int, int, int, tuple[int, ...], tuple[int, ...]]] = field(default_factory=dict)
    #: EUI-64 -> (key, loop time it expires)
    transient_keys: dict[int, tuple[bytes, float]] = field(default_factory=dict)
    multicast: dict[int, MulticastEntry] = field(default_factory=dict)
    manufacturer_code: int = 0x1002  # Silicon Labs
    radio_power: int = 8
