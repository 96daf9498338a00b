"""The EZSP frames a coordinator host uses, declared once: frame id, command and response parameters (UG100).

Why a table: the NCP answers by frame id and the host (tests, the bench)
builds the same frames, so each frame's layout is data read by both (style.md
"declarative command tables"). The layouts are those of EZSP protocol
version 13 (EmberZNet 7.4, the firmware of current EFR32 coordinator sticks),
where keys moved to the security manager (`exportKey`, `importTransientKey`,
`importLinkKey`, `exportLinkKeyByIndex`) and `getKey`/`addTransientLinkKey`
went away. Callbacks (`...Handler`) have no command parameters and are sent
by the NCP unasked.

Statuses: `EmberStatus` (1 octet) in most responses, `EzspStatus` (1 octet)
in the frames about the EZSP link itself (configuration, policies, values),
and `sl_status_t` (4 octets) in the security-manager frames.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from .errors import SerialDecodeError, SerialEncodeError
from .ezsp_types import (
    APS_FRAME,
    APS_KEY_METADATA,
    BOOL,
    CHILD_DATA,
    CURRENT_SECURITY_STATE,
    EUI64,
    I8,
    INITIAL_SECURITY_STATE,
    KEY,
    KEY_CONTEXT,
    LV,
    LV32,
    MULTICAST_ENTRY,
    NEIGHBOR_ENTRY,
    NETWORK_KEY_INFO,
    NETWORK_PARAMETERS,
    ROUTE_ENTRY,
    TOKEN_INFO,
    U8,
    U16,
    U16_LIST,
    U16_REST,
    U32,
    WireType,
    read_fields,
    write_fields,
)

PROTOCOL = "ezsp"
#: The EZSP protocol version whose layouts this table holds.
PROTOCOL_VERSION = 13
#: The version every host starts in: the first `version` command travels in its legacy format.
LEGACY_VERSION = 4
#: stackType of the `version` response: 2 = mesh stack (EmberZNet PRO).
STACK_TYPE_MESH = 2

Layout = tuple[tuple[str, WireType], ...]


class EmberStatus(enum.IntEnum):
    """The EmberStatus values our NCP answers with (UG100)."""

    SUCCESS = 0x00
    ERR_FATAL = 0x01
    BAD_ARGUMENT = 0x02
    NOT_FOUND = 0x03
    NO_BUFFERS = 0x18
    MAC_NO_ACK_RECEIVED = 0x40
    DELIVERY_FAILED = 0x66
    INVALID_CALL = 0x70
    MESSAGE_TOO_LONG = 0x74
    NETWORK_UP = 0x90
    NETWORK_DOWN = 0x91
    NOT_JOINED = 0x93
    INVALID_SECURITY_LEVEL = 0x95
    NETWORK_OPENED = 0x9C
    NETWORK_CLOSED = 0x9D
    NETWORK_BUSY = 0xA1
    INDEX_OUT_OF_RANGE = 0xB1
    TABLE_FULL = 0xB4
    LIBRARY_NOT_PRESENT = 0xB5
    NO_APS_ACK = 0xC9
    SEND_UNICAST_NO_ROUTE = 0xCF


class EzspStatus(enum.IntEnum):
    """EzspStatus values about the link and the EZSP layer (UG100)."""

    SUCCESS = 0x00
    ERROR_VERSION_NOT_SET = 0x30
    ERROR_INVALID_FRAME_ID = 0x31
    ERROR_WRONG_DIRECTION = 0x32
    ERROR_TRUNCATED = 0x33
    ERROR_OVERFLOW = 0x34
    ERROR_OUT_OF_MEMORY = 0x35
    ERROR_INVALID_VALUE = 0x36
    ERROR_INVALID_ID = 0x37
    ERROR_INVALID_CALL = 0x38
    ERROR_NO_RESPONSE = 0x39
    ERROR_COMMAND_TOO_LONG = 0x40
    ERROR_UNSUPPORTED_CONTROL = 0x49


class SlStatus(enum.IntEnum):
    """sl_status_t values of the security-manager frames."""

    OK = 0x0000
    FAIL = 0x0001
    INVALID_PARAMETER = 0x0021
    INVALID_INDEX = 0x0027
    NOT_FOUND = 0x002D


class NetworkStatus(enum.IntEnum):
    """EmberNetworkStatus."""

    NO_NETWORK = 0
    JOINING_NETWORK = 1
    JOINED_NETWORK = 2
    JOINED_NETWORK_NO_PARENT = 3
    LEAVING_NETWORK = 4


class NodeType(enum.IntEnum):
    """EmberNodeType."""

    UNKNOWN_DEVICE = 0
    COORDINATOR = 1
    ROUTER = 2
    END_DEVICE = 3
    SLEEPY_END_DEVICE = 4


class IncomingMessageType(enum.IntEnum):
    UNICAST = 0
    UNICAST_REPLY = 1
    MULTICAST = 2
    MULTICAST_LOOPBACK = 3
    BROADCAST = 4
    BROADCAST_LOOPBACK = 5


class OutgoingMessageType(enum.IntEnum):
    DIRECT = 0
    VIA_ADDRESS_TABLE = 1
    VIA_BINDING = 2
    MULTICAST = 3
    MULTICAST_WITH_ALIAS = 4
    BROADCAST_WITH_ALIAS = 5
    BROADCAST = 6


class DeviceUpdate(enum.IntEnum):
    """EmberDeviceUpdate of trustCenterJoinHandler."""

    STANDARD_SECURITY_SECURED_REJOIN = 0
    STANDARD_SECURITY_UNSECURED_JOIN = 1
    DEVICE_LEFT = 2
    STANDARD_SECURITY_UNSECURED_REJOIN = 3


class JoinDecision(enum.IntEnum):
    USE_PRECONFIGURED_KEY = 0
    SEND_KEY_IN_THE_CLEAR = 1
    DENY_JOIN = 2
    NO_ACTION = 3


class KeyType(enum.IntEnum):
    """sl_zb_sec_man_key_type_t."""

    NONE = 0
    NETWORK = 1
    TC_LINK = 2
    TC_LINK_WITH_TIMEOUT = 3
    APP_LINK = 4


class ScanType(enum.IntEnum):
    ENERGY_SCAN = 0
    ACTIVE_SCAN = 1


@dataclass(frozen=True, slots=True)
class Frame:
    """One EZSP frame: its id, name, command parameters and response (or callback) parameters."""

    frame_id: int
    name: str
    command: Layout
    response: Layout

    def parse_command(self, data: bytes) -> dict[str, Any]:
        return read_fields(self.command, data, self.name)

    def build_command(self, **values: Any) -> bytes:
        return write_fields(self.command, values, self.name)

    def parse_response(self, data: bytes) -> dict[str, Any]:
        return read_fields(self.response, data, self.name)

    def build_response(self, **values: Any) -> bytes:
        return write_fields(self.response, values, self.name)


_STATUS = (("status", U8),)
_SL_STATUS = (("status", U32),)

_FRAMES = (
    # --- configuration (UG100 "Configuration Frames")
    Frame(
        0x0000,
        "version",
        (("desired_protocol_version", U8),),
        (("protocol_version", U8), ("stack_type", U8), ("stack_version", U16)),
    ),
    Frame(0x0052, "getConfigurationValue", (("config_id", U8),), (("status", U8), ("value", U16))),
    Frame(0x0053, "setConfigurationValue", (("config_id", U8), ("value", U16)), _STATUS),
    Frame(
        0x0002,
        "addEndpoint",
        (
            ("endpoint", U8),
            ("profile_id", U16),
            ("device_id", U16),
            ("device_version", U8),
            ("input_count", U8),
            ("output_count", U8),
            ("clusters", U16_REST),
        ),
        _STATUS,
    ),
    Frame(0x0055, "setPolicy", (("policy_id", U8), ("decision_id", U8)), _STATUS),
    Frame(0x0056, "getPolicy", (("policy_id", U8),), (("status", U8), ("decision_id", U8))),
    Frame(0x00AA, "getValue", (("value_id", U8),), (("status", U8), ("value", LV))),
    Frame(0x00AB, "setValue", (("value_id", U8), ("value", LV)), _STATUS),
    Frame(0x0003, "getExtendedValue", (("value_id", U8), ("characteristics", U32)), (("status", U8), ("value", LV))),
    # --- utilities
    Frame(0x0005, "nop", (), ()),
    Frame(0x0081, "echo", (("data", LV),), (("echo", LV),)),
    Frame(0x0006, "callback", (), ()),
    Frame(0x0007, "noCallbacks", (), ()),
    Frame(0x0058, "invalidCommand", (), (("reason", U8),)),
    Frame(0x0015, "setManufacturerCode", (("code", U16),), ()),
    Frame(0x0099, "setRadioPower", (("power", I8),), _STATUS),
    Frame(0x000B, "getMfgToken", (("token_id", U8),), (("token_data", LV),)),
    Frame(0x000C, "setMfgToken", (("token_id", U8), ("token_data", LV)), _STATUS),
    Frame(0x0047, "customFrame", (("payload", LV),), (("status", U8), ("reply", LV))),
    Frame(0x0001, "getLibraryStatus", (("library_id", U8),), _STATUS),
    Frame(0x0013, "getXncpInfo", (), (("status", U8), ("manufacturer_id", U16), ("version_number", U16))),
    Frame(0x00F1, "readCounters", (), (("values", U16_REST),)),
    Frame(0x0065, "readAndClearCounters", (), (("values", U16_REST),)),
    # --- networking
    Frame(0x0017, "networkInit", (("bitmask", U16),), _STATUS),
    Frame(0x0018, "networkState", (), _STATUS),
    Frame(0x0019, "stackStatusHandler", (), _STATUS),
    Frame(0x001A, "startScan", (("scan_type", U8), ("channel_mask", U32), ("duration", U8)), _STATUS),
    Frame(0x0048, "energyScanResultHandler", (), (("channel", U8), ("max_rssi", I8))),
    Frame(0x001C, "scanCompleteHandler", (), (("channel", U8), ("status", U8))),
    Frame(0x001D, "stopScan", (), _STATUS),
    Frame(0x001E, "formNetwork", (("parameters", NETWORK_PARAMETERS),), _STATUS),
    Frame(0x0020, "leaveNetwork", (), _STATUS),
    Frame(0x0022, "permitJoining", (("duration", U8),), _STATUS),
    Frame(
        0x0023,
        "childJoinHandler",
        (),
        (("index", U8), ("joining", BOOL), ("child_id", U16), ("child_eui64", EUI64), ("child_type", U8)),
    ),
    Frame(
        0x0024,
        "trustCenterJoinHandler",
        (),
        (
            ("new_node_id", U16),
            ("new_node_eui64", EUI64),
            ("status", U8),
            ("policy_decision", U8),
            ("parent_of_new_node_id", U16),
        ),
    ),
    Frame(0x0026, "getEui64", (), (("eui64", EUI64),)),
    Frame(0x0027, "getNodeId", (), (("node_id", U16),)),
    Frame(0x0028, "getNetworkParameters", (), (("status", U8), ("node_type", U8), ("parameters", NETWORK_PARAMETERS))),
    Frame(
        0x0029, "getParentChildParameters", (), (("child_count", U8), ("parent_eui64", EUI64), ("parent_node_id", U16))
    ),
    Frame(0x004A, "getChildData", (("index", U8),), (("status", U8), ("child_data", CHILD_DATA))),
    Frame(0x00AC, "setChildData", (("index", U8), ("child_data", CHILD_DATA)), _STATUS),
    Frame(0x007A, "neighborCount", (), (("value", U8),)),
    Frame(0x0079, "getNeighbor", (("index", U8),), (("status", U8), ("value", NEIGHBOR_ENTRY))),
    Frame(0x007B, "getRouteTableEntry", (("index", U8),), (("status", U8), ("value", ROUTE_ENTRY))),
    Frame(
        0x0010,
        "setConcentrator",
        (
            ("on", BOOL),
            ("concentrator_type", U16),
            ("min_time", U16),
            ("max_time", U16),
            ("route_error_threshold", U8),
            ("delivery_failure_threshold", U8),
            ("max_hops", U8),
        ),
        _STATUS,
    ),
    Frame(0x005A, "setSourceRouteDiscoveryMode", (("mode", U8),), (("remaining_time", U32),)),
    Frame(0x00AE, "setSourceRoute", (("destination", U16), ("relays", U16_LIST)), _STATUS),
    Frame(0x007E, "setExtendedTimeout", (("remote_eui64", EUI64), ("extended_timeout", BOOL)), ()),
    Frame(0x007F, "getExtendedTimeout", (("remote_eui64", EUI64),), (("extended_timeout", BOOL),)),
    Frame(0x005C, "setAddressTableRemoteEui64", (("index", U8), ("eui64", EUI64)), _STATUS),
    Frame(0x005D, "setAddressTableRemoteNodeId", (("index", U8), ("node_id", U16)), ()),
    Frame(0x005E, "getAddressTableRemoteEui64", (("index", U8),), (("eui64", EUI64),)),
    Frame(0x005F, "getAddressTableRemoteNodeId", (("index", U8),), (("node_id", U16),)),
    Frame(
        0x0082,
        "replaceAddressTableEntry",
        (("index", U8), ("new_eui64", EUI64), ("new_id", U16), ("new_extended_timeout", BOOL)),
        (("status", U8), ("old_eui64", EUI64), ("old_id", U16), ("old_extended_timeout", BOOL)),
    ),
    Frame(0x0061, "lookupEui64ByNodeId", (("node_id", U16),), (("status", U8), ("eui64", EUI64))),
    Frame(0x0060, "lookupNodeIdByEui64", (("eui64", EUI64),), (("node_id", U16),)),
    Frame(0x007C, "idConflictHandler", (), (("node_id", U16),)),
    # --- messaging
    Frame(
        0x0034,
        "sendUnicast",
        (("type", U8), ("index_or_destination", U16), ("aps_frame", APS_FRAME), ("message_tag", U8), ("message", LV)),
        (("status", U8), ("sequence", U8)),
    ),
    Frame(
        0x0036,
        "sendBroadcast",
        (("destination", U16), ("aps_frame", APS_FRAME), ("radius", U8), ("message_tag", U8), ("message", LV)),
        (("status", U8), ("sequence", U8)),
    ),
    Frame(
        0x0038,
        "sendMulticast",
        (("aps_frame", APS_FRAME), ("hops", U8), ("nonmember_radius", U8), ("message_tag", U8), ("message", LV)),
        (("status", U8), ("sequence", U8)),
    ),
    Frame(0x0039, "sendReply", (("sender", U16), ("aps_frame", APS_FRAME), ("message", LV)), _STATUS),
    Frame(
        0x003F,
        "messageSentHandler",
        (),
        (
            ("type", U8),
            ("index_or_destination", U16),
            ("aps_frame", APS_FRAME),
            ("message_tag", U8),
            ("status", U8),
            ("message", LV),
        ),
    ),
    Frame(
        0x0045,
        "incomingMessageHandler",
        (),
        (
            ("type", U8),
            ("aps_frame", APS_FRAME),
            ("last_hop_lqi", U8),
            ("last_hop_rssi", I8),
            ("sender", U16),
            ("binding_index", U8),
            ("address_index", U8),
            ("message", LV),
        ),
    ),
    Frame(
        0x0059,
        "incomingRouteRecordHandler",
        (),
        (("source", U16), ("source_eui", EUI64), ("last_hop_lqi", U8), ("last_hop_rssi", I8), ("relays", U16_LIST)),
    ),
    Frame(0x0062, "incomingSenderEui64Handler", (), (("sender_eui64", EUI64),)),
    Frame(0x00A8, "removeDevice", (("dest_short", U16), ("dest_long", EUI64), ("target_long", EUI64)), _STATUS),
    Frame(0x0063, "getMulticastTableEntry", (("index", U8),), (("status", U8), ("value", MULTICAST_ENTRY))),
    Frame(0x0064, "setMulticastTableEntry", (("index", U8), ("value", MULTICAST_ENTRY)), _STATUS),
    # --- security (security manager, EZSP 13)
    Frame(0x0068, "setInitialSecurityState", (("state", INITIAL_SECURITY_STATE),), _STATUS),
    Frame(0x0069, "getCurrentSecurityState", (), (("status", U8), ("state", CURRENT_SECURITY_STATE))),
    Frame(0x0075, "findKeyTableEntry", (("address", EUI64), ("link_key", BOOL)), (("index", U8),)),
    Frame(0x0076, "eraseKeyTableEntry", (("index", U8),), _STATUS),
    Frame(0x00B1, "clearKeyTable", (), _STATUS),
    Frame(0x0114, "exportKey", (("context", KEY_CONTEXT),), (("key", KEY), ("status", U32))),
    Frame(0x0115, "importKey", (("context", KEY_CONTEXT), ("key", KEY)), _SL_STATUS),
    Frame(0x0116, "getNetworkKeyInfo", (), (("status", U32), ("info", NETWORK_KEY_INFO))),
    Frame(0x010E, "importLinkKey", (("index", U8), ("address", EUI64), ("key", KEY)), _SL_STATUS),
    Frame(
        0x010F,
        "exportLinkKeyByIndex",
        (("index", U8),),
        (("eui64", EUI64), ("key", KEY), ("metadata", APS_KEY_METADATA), ("status", U32)),
    ),
    Frame(
        0x010D,
        "exportLinkKeyByEui",
        (("eui64", EUI64),),
        (("key", KEY), ("index", U8), ("metadata", APS_KEY_METADATA), ("status", U32)),
    ),
    Frame(0x0111, "importTransientKey", (("eui64", EUI64), ("key", KEY), ("flags", U8)), _SL_STATUS),
    Frame(
        0x0112,
        "exportTransientKeyByIndex",
        (("index", U8),),
        (("context", KEY_CONTEXT), ("key", KEY), ("metadata", APS_KEY_METADATA), ("status", U32)),
    ),
    Frame(
        0x0113,
        "exportTransientKeyByEui",
        (("eui64", EUI64),),
        (("context", KEY_CONTEXT), ("key", KEY), ("metadata", APS_KEY_METADATA), ("status", U32)),
    ),
    Frame(0x006B, "clearTransientLinkKeys", (), ()),
    Frame(0x0110, "checkKeyContext", (("context", KEY_CONTEXT),), _SL_STATUS),
    # --- manufacturing library (raw radio: sniffing and injection)
    Frame(0x0083, "mfglibStart", (("rx_callback", BOOL),), _STATUS),
    Frame(0x0084, "mfglibEnd", (), _STATUS),
    Frame(0x0089, "mfglibSendPacket", (("packet", LV),), _STATUS),
    Frame(0x008A, "mfglibSetChannel", (("channel", U8),), _STATUS),
    Frame(0x008B, "mfglibGetChannel", (), (("channel", U8),)),
    Frame(0x008C, "mfglibSetPower", (("tx_power_mode", U16), ("power", I8)), _STATUS),
    Frame(0x008D, "mfglibGetPower", (), (("power", I8),)),
    Frame(0x008E, "mfglibRxHandler", (), (("link_quality", U8), ("rssi", I8), ("packet", LV))),
    # --- tokens (NVM3)
    Frame(0x0100, "getTokenCount", (), (("count", U8),)),
    Frame(0x0101, "getTokenInfo", (("index", U8),), (("status", U8), ("info", TOKEN_INFO))),
    Frame(0x0102, "getTokenData", (("token", U32), ("index", U32)), (("status", U8), ("value", LV32))),
    Frame(0x0103, "setTokenData", (("token", U32), ("index", U32), ("value", LV32)), _STATUS),
    Frame(0x0077, "tokenFactoryReset", (("exclude_outgoing_fc", BOOL), ("exclude_boot_counter", BOOL)), ()),
)

BY_ID: dict[int, Frame] = {frame.frame_id: frame for frame in _FRAMES}
BY_NAME: dict[str, Frame] = {frame.name: frame for frame in _FRAMES}


def frame(name: str) -> Frame:
    """The frame called `name`; SerialEncodeError for a name the table does not have."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise SerialEncodeError(PROTOCOL, "frame", f"no EZSP frame named {name!r}") from None


def frame_by_id(frame_id: int, offset: int = 0) -> Frame:
    """The frame with `frame_id`; SerialDecodeError if the table does not know it."""
    try:
        return BY_ID[frame_id]
    except KeyError:
        raise SerialDecodeError(PROTOCOL, offset, "frame_id", f"unknown EZSP frame id {frame_id:#06x}") from None
