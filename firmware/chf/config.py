"""`ChfConfig`: the settings of one Communications Hub Function, frozen and checked once (style.md "composition").

Defaults are what a GB test engineer would expect of a hub on a bench; each names its
source or says it is ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from hal.radio import Channel

DAY = 24 * 3600.0
#: The sub-GHz channel a fresh hub uses (page 28 channel 0, the DBCH01 example of gbcs.md 5.7).
FIRST_SUB_GHZ_CHANNEL = Channel(28, 0)


@dataclass(frozen=True, slots=True)
class ChfConfig:
    #: Commands kept for one GSME before more are refused with a delivery-failure alert (ours).
    gsme_queue_limit: int = 16
    #: Seconds a queued GSME command may wait for the meter's GET before 0x819D "GSME command not
    #: retrieved" (gbcs.md 6.3: the Silicon Labs CHF's default, 24 h; GBCS leaves it to the hub).
    gsme_retrieval_timeout: float = DAY
    #: Commands awaiting a device's response, at most (oldest forgotten first), and for how long (ours).
    pending_limit: int = 256
    response_timeout: float = DAY
    #: Entries of the CHF device log (ours).
    device_log_capacity: int = 32
    #: Devices the sub-GHz band admits before DBCH11 "no more sub-GHz device capacity" (ours).
    sub_ghz_capacity: int = 8
    sub_ghz_channel: Channel = FIRST_SUB_GHZ_CHANNEL
    #: Minutes of Suspend ZCL Messages at the Limited / Critical duty-cycle levels (ours; radio.md 3.2).
    suspend_minutes: int = 15
    #: dB by which a scanned channel must be quieter than the one in use to move to it (ours).
    scan_margin_db: float = 6.0
    #: The HAN's extended PAN ID, reported in device-log backups until a restore names another (ours).
    extended_pan_id: bytes = bytes.fromhex("00db1234567890a2")
    #: ECS26i identity strings: model and manufacturer identifier (ours).
    model: bytes = b"COMMSHUB"
    manufacturer: bytes = b"CMH"
    #: Entries kept in the CHF event log and in the WAN outbox (ours).
    log_depth: int = 100
    wan_outbox_limit: int = 1000

    def __post_init__(self) -> None:
        positive = ("gsme_queue_limit", "pending_limit", "device_log_capacity", "log_depth", "wan_outbox_limit")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"ChfConfig.{name} must be at least 1, not {getattr(self, name)}")
        if self.gsme_retrieval_timeout <= 0 or self.response_timeout <= 0:
            raise ValueError("ChfConfig timeouts must be positive")
        if len(self.extended_pan_id) != 8:
            raise ValueError("ChfConfig.extended_pan_id must be 8 bytes")
        if self.sub_ghz_channel.page not in (28, 29, 30, 31):
            raise ValueError(f"ChfConfig.sub_ghz_channel {self.sub_ghz_channel} is not on a sub-GHz page")
