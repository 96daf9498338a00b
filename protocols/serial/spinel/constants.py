"""Spinel numbers an RCP host and a virtual RCP use (spinel.md 3-6; OpenThread `spinel.h`, protocol 4.3).

Only what a raw-radio host needs is named; any other number still travels
as a plain int. The vendor block at the end is our own convention for
sub-GHz pages and channels (spinel.md 6 "Proposal for our 868 MHz RCP"),
kept clear of Espressif's 0x3C00-0x3C7F.
"""

from __future__ import annotations

import enum

#: The protocol version an OpenThread host insists on (major, minor).
PROTOCOL_VERSION = (4, 3)
#: SPINEL_RCP_API_VERSION of the spinel.h we follow, and the oldest host API it accepts.
RCP_API_VERSION = 11
RCP_MIN_HOST_API_VERSION = 4
#: Largest Spinel frame (SPINEL_FRAME_MAX_SIZE).
FRAME_MAX_SIZE = 1300
#: The noise floor an OpenThread RCP always reports in RX metadata.
NOISE_FLOOR_UNKNOWN = -128


class Command(enum.IntEnum):
    """Spinel commands (spinel.md 3)."""

    NOOP = 0
    RESET = 1
    PROP_VALUE_GET = 2
    PROP_VALUE_SET = 3
    PROP_VALUE_INSERT = 4
    PROP_VALUE_REMOVE = 5
    PROP_VALUE_IS = 6
    PROP_VALUE_INSERTED = 7
    PROP_VALUE_REMOVED = 8


#: Commands that carry a property id and a value.
PROPERTY_COMMANDS = frozenset(range(Command.PROP_VALUE_GET, Command.PROP_VALUE_REMOVED + 1))


class ResetType(enum.IntEnum):
    """The optional byte of RESET."""

    PLATFORM = 1
    STACK = 2
    BOOTLOADER = 3


class Prop(enum.IntEnum):
    """Properties an RCP host uses (spinel.md 4), plus our vendor ones (spinel.md 6)."""

    LAST_STATUS = 0x00
    PROTOCOL_VERSION = 0x01
    NCP_VERSION = 0x02
    INTERFACE_TYPE = 0x03
    CAPS = 0x05
    HWADDR = 0x08
    PHY_ENABLED = 0x20
    PHY_CHAN = 0x21
    PHY_CHAN_SUPPORTED = 0x22
    PHY_FREQ = 0x23
    PHY_CCA_THRESHOLD = 0x24
    PHY_TX_POWER = 0x25
    PHY_RSSI = 0x26
    PHY_RX_SENSITIVITY = 0x27
    PHY_CHAN_PREFERRED = 0x29
    PHY_CHAN_MAX_POWER = 0x2B
    PHY_REGION_CODE = 0x2C
    MAC_SCAN_STATE = 0x30
    MAC_SCAN_MASK = 0x31
    MAC_SCAN_PERIOD = 0x32
    MAC_15_4_LADDR = 0x34
    MAC_15_4_SADDR = 0x35
    MAC_15_4_PANID = 0x36
    MAC_RAW_STREAM_ENABLED = 0x37
    MAC_PROMISCUOUS_MODE = 0x38
    MAC_ENERGY_SCAN_RESULT = 0x39
    MAC_RX_ON_WHEN_IDLE_MODE = 0x3B
    STREAM_DEBUG = 0x70
    STREAM_RAW = 0x71
    STREAM_LOG = 0x74
    RCP_API_VERSION = 0xB0
    RCP_MIN_HOST_API_VERSION = 0xB1
    RCP_MAC_KEY = 0x800
    RCP_MAC_FRAME_COUNTER = 0x801
    RCP_TIMESTAMP = 0x802
    RADIO_CAPS = 0x120B
    MAC_SRC_MATCH_ENABLED = 0x1303
    MAC_SRC_MATCH_SHORT_ADDRESSES = 0x1304
    MAC_SRC_MATCH_EXTENDED_ADDRESSES = 0x1305
    # --- our vendor properties (spinel.md 6): pages and channels beyond page 0
    VENDOR_PHY_PAGE_CHANNEL = 0x3C80  #: `CC` page, channel within the page; SET tunes, IS echoes
    VENDOR_PHY_PAGE_CHANNELS = 0x3C81  #: `A(t(CX))` page + 64-bit channel mask, one entry per page
    VENDOR_PHY_TX_POWER_RANGE = 0x3C82  #: `cc` lowest and highest settable TX power, dBm
    VENDOR_MAC_PAN_COORDINATOR = 0x3C83  #: `b` accept frames with no destination address


class Status(enum.IntEnum):
    """LAST_STATUS values (spinel.md 3)."""

    OK = 0
    FAILURE = 1
    UNIMPLEMENTED = 2
    INVALID_ARGUMENT = 3
    INVALID_STATE = 4
    INVALID_COMMAND = 5
    PARSE_ERROR = 9
    IN_PROGRESS = 10
    NOMEM = 11
    BUSY = 12
    PROP_NOT_FOUND = 13
    DROPPED = 14
    EMPTY = 15
    CMD_TOO_BIG = 16
    NO_ACK = 17
    CCA_FAILURE = 18
    ALREADY = 19
    ITEM_NOT_FOUND = 20
    INVALID_COMMAND_FOR_PROP = 21
    NOT_CAPABLE = 23
    RESPONSE_TIMEOUT = 24
    RESET_POWER_ON = 112
    RESET_EXTERNAL = 113
    RESET_SOFTWARE = 114
    RESET_FAULT = 115
    RESET_CRASH = 116
    RESET_ASSERT = 117
    RESET_OTHER = 118
    RESET_UNKNOWN = 119
    RESET_WATCHDOG = 120
    # --- ours (vendor status range 15360-16383): the radio refused to break the sub-GHz duty-cycle limit
    VENDOR_DUTY_CYCLE = 0x3C80


#: LAST_STATUS values that announce a reset.
RESET_STATUSES = frozenset(range(Status.RESET_POWER_ON, Status.RESET_WATCHDOG + 1))
#: Status 16384 + n carries the RCP's own otError n when no Spinel code fits.
STATUS_OT_ERROR_BASE = 16384


def status_name(status: int) -> str:
    """A readable name for any status number."""
    try:
        return Status(status).name
    except ValueError:
        if STATUS_OT_ERROR_BASE <= status < STATUS_OT_ERROR_BASE + 256:
            return f"OT_ERROR_{status - STATUS_OT_ERROR_BASE}"
        return f"STATUS_{status}"


class Cap(enum.IntEnum):
    """CAP_* values in the CAPS list (spinel.md 4)."""

    COUNTERS = 5
    UNSOL_UPDATE_FILTER = 12
    OQPSK_2450MHZ = 24
    OQPSK_915MHZ = 25
    OQPSK_868MHZ = 26
    BPSK_915MHZ = 27
    BPSK_868MHZ = 28
    CONFIG_RADIO = 34
    RCP_API_VERSION = 64
    RCP_MIN_HOST_API_VERSION = 65
    RCP_RESET_TO_BOOTLOADER = 66
    RCP_LOG_CRASH_DUMP = 67
    MAC_RAW = 513
    OPENTHREAD_LOG_METADATA = 518
    # --- ours: the RCP speaks the vendor page/channel properties above
    VENDOR_PAGES = 0x3C80
    # --- ours: the RCP refuses transmissions that would break the sub-GHz duty-cycle limit
    VENDOR_DUTY_CYCLE = 0x3C81


class RadioCapBit(enum.IntFlag):
    """RADIO_CAPS bits: OpenThread's otRadioCaps (spinel.md 4)."""

    NONE = 0
    ACK_TIMEOUT = 1 << 0
    ENERGY_SCAN = 1 << 1
    TRANSMIT_RETRIES = 1 << 2
    CSMA_BACKOFF = 1 << 3
    SLEEP_TO_TX = 1 << 4
    TRANSMIT_SEC = 1 << 5
    TRANSMIT_TIMING = 1 << 6
    RECEIVE_TIMING = 1 << 7
    RX_ON_WHEN_IDLE = 1 << 8


class RxFlag(enum.IntFlag):
    """Flags of STREAM_RAW metadata (spinel.md 4)."""

    NONE = 0
    TX = 0x0001
    BAD_FCS = 0x0004
    DUPE = 0x0008
    ACKED_FP = 0x0010
    ACKED_SEC = 0x0020


class ScanState(enum.IntEnum):
    """MAC_SCAN_STATE values."""

    IDLE = 0
    BEACON = 1
    ENERGY = 2


class PromiscuousMode(enum.IntEnum):
    """MAC_PROMISCUOUS_MODE values (an OpenThread RCP treats NETWORK like FULL)."""

    OFF = 0
    NETWORK = 1
    FULL = 2
