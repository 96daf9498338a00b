"""Outcomes of the stack, as values (style.md: expected outcomes are values, not exceptions).

Why one enum for MAC, NWK and APS: a frame that could not be delivered must
be reported with the reason from whichever layer gave up (architecture.md
"nothing is silently dropped"), and the zigpy boundary turns that reason into
`DeliveryError(status)` with zigpy's own status codes (`zigpy_status`).
Commands the stack drops are counted by reason in `StackCounters`, beside the
NWK and APS layers' own counters.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import zigpy.types as zt

from hal.radio import TxStatus


class Status(enum.Enum):
    """Why a frame was, or was not, delivered."""

    SUCCESS = "success"
    NO_ACK = "mac-no-ack"  #: no MAC ACK after every retry
    CHANNEL_ACCESS_FAILURE = "mac-channel-access"  #: CSMA-CA found the channel busy
    DUTY_CYCLE = "mac-duty-cycle"  #: refused: sub-GHz duty-cycle limit
    TRANSACTION_EXPIRED = "mac-transaction-expired"  #: a sleepy child never polled for it
    TRANSACTION_OVERFLOW = "mac-transaction-overflow"  #: indirect queue full
    ABORTED = "mac-aborted"  #: radio switched off or reconfigured
    NO_ROUTE = "nwk-no-route"  #: unknown destination
    NOT_JOINED = "nwk-not-joined"  #: the stack has no network
    COUNTER_EXHAUSTED = "nwk-counter-exhausted"  #: our 32-bit frame counter ran out: new key needed
    APS_NO_ACK = "aps-no-ack"  #: no APS ACK after every retry
    ASDU_TOO_LONG = "aps-asdu-too-long"  #: larger than fragmentation allows


_FROM_TX = {
    TxStatus.SENT: Status.SUCCESS,
    TxStatus.NO_ACK: Status.NO_ACK,
    TxStatus.CHANNEL_BUSY: Status.CHANNEL_ACCESS_FAILURE,
    TxStatus.DUTY_CYCLE: Status.DUTY_CYCLE,
    TxStatus.ABORTED: Status.ABORTED,
}


def from_tx(status: TxStatus) -> Status:
    """The stack status of one radio transmit outcome."""
    return _FROM_TX[status]


_ZIGPY = {
    Status.SUCCESS: zt.MACStatus.MAC_SUCCESS,
    Status.NO_ACK: zt.MACStatus.MAC_NO_ACK,
    Status.CHANNEL_ACCESS_FAILURE: zt.MACStatus.MAC_CHANNEL_ACCESS_FAILURE,
    # zigpy has no duty-cycle code: EZSP reports it as a suspended MAC, the nearest is this one
    Status.DUTY_CYCLE: zt.MACStatus.MAC_CHANNEL_ACCESS_FAILURE,
    Status.TRANSACTION_EXPIRED: zt.MACStatus.MAC_TRANSACTION_EXPIRED,
    Status.TRANSACTION_OVERFLOW: zt.MACStatus.MAC_TRANSACTION_OVERFLOW,
    Status.ABORTED: zt.MACStatus.MAC_CHANNEL_ACCESS_FAILURE,
    Status.NO_ROUTE: zt.NWKStatus.NWK_ROUTE_ERROR,
    Status.NOT_JOINED: zt.NWKStatus.NWK_INVALID_REQUEST,
    Status.COUNTER_EXHAUSTED: zt.NWKStatus.NWK_NWK_MAX_FRM_COUNTER,
    Status.APS_NO_ACK: zt.APSStatus.APS_NO_ACK,
    Status.ASDU_TOO_LONG: zt.APSStatus.APS_ASDU_TOO_LONG,
}


def zigpy_status(status: Status) -> int:
    """The zigpy status code (MACStatus / NWKStatus / APSStatus) for `status`."""
    return _ZIGPY[status]


class DeliveryFailed(Exception):
    """A frame could not be delivered; `status` says which layer gave up and why."""

    def __init__(self, status: Status, detail: str = "") -> None:
        super().__init__(f"{status.value}{': ' + detail if detail else ''}")
        self.status = status


@dataclass(slots=True)
class StackCounters:
    """Commands the stack dropped, by reason: nothing is dropped without being counted here, in
    `nwk.counters` (NWK frames) or in `aps.counters` (APS frames)."""

    malformed: int = 0  #: an APS or NWK command (or a Transport Key) that did not decode
    security_failures: int = 0  #: an APS-secured command whose MIC did not verify with our link key
    unsecured_dropped: int = 0  #: a command that must arrive NWK-secured but did not
    unexpected: int = 0  #: an APS-secured command while no Transport Key was awaited
