"""The orders the CHF gives its I/O adapter: the contract the HAN side and the WAN side carry out (docs/chf.md).

Why values: the CHF is sans-I/O (style.md "State machines"): every input returns a list of
these, named as orders, and the adapter does the waiting. Each is frozen; none holds a
callback. The adapter executes them in the order given.
"""

from __future__ import annotations

from dataclasses import dataclass

from hal.radio import Channel


@dataclass(frozen=True, slots=True)
class ToWan:
    """Send `data` (a whole GBCS message) to head-end `connection_id`; None: to every head-end (an alert).

    `seq` numbers the message in the CHF's NVM WAN outbox: once the adapter has handed it to
    the WAN link (or its own durable outbox), it calls `Chf.wan_sent(seq)`. After a restart
    `Chf.resume()` returns what was never confirmed (at least once, gbcs.md 2.3).
    """

    connection_id: int | None
    data: bytes
    seq: int


@dataclass(frozen=True, slots=True)
class ToDevice:
    """Send `data` to the HAN device `eui` over its GB-HRGP tunnel (gbcs.md 6.1-6.2), as TransferData.

    For the sleepy GSME the data already starts with the one-byte GB tunnel header
    (`02` GET-RESPONSE); for the ESME, PPMID and HCALCS it is the bare GBCS message. A
    GET-RESPONSE carrying a queued command has `seq`: once the adapter has handed it to the
    tunnel it calls `Chf.device_sent(eui, seq)`; until then the command stays in the NVM queue,
    and a restart offers it again (the GSME's counter check refuses a second execution).
    """

    eui: bytes
    data: bytes
    seq: int | None = None


@dataclass(frozen=True, slots=True)
class SetTunnelMessagePending:
    """Set or clear bit 21 "Tunnel Message Pending" of the GSME mirror's FunctionalNotificationFlags (gbcs.md 6.3)."""

    eui: bytes
    pending: bool


@dataclass(frozen=True, slots=True)
class PermitJoin:
    """Let `eui` join for `seconds` with the preconfigured TC link key of its install code (radio.md 5.7)."""

    eui: bytes
    install_code: bytes
    link_key: bytes
    seconds: int


@dataclass(frozen=True, slots=True)
class RemoveDevice:
    """Remove `eui` from the HAN (ZDO leave / trust-centre removal): it left the device log, or no room."""

    eui: bytes


@dataclass(frozen=True, slots=True)
class ChangeSubGhzChannel:
    """Move the sub-GHz network to `channel` (radio.md 3.2 "CHF sub-GHz channel change sequence")."""

    channel: Channel


@dataclass(frozen=True, slots=True)
class StartEnergyScan:
    """Measure the energy on `channels`; answer with `Chf.energy_scan_result` (DBCH05, radio.md 3.3)."""

    channels: tuple[Channel, ...]


@dataclass(frozen=True, slots=True)
class SuspendZclMessages:
    """Sub-GHz cluster 0x070B command 0x00 Suspend ZCL Messages for `minutes`: to `eui`, or broadcast (None).

    The duty-cycle actions of radio.md 3.2: to the busiest client at the Limited level, to all
    at the Critical level.
    """

    eui: bytes | None
    minutes: int


Action = (
    ToWan
    | ToDevice
    | SetTunnelMessagePending
    | PermitJoin
    | RemoveDevice
    | ChangeSubGhzChannel
    | StartEnergyScan
    | SuspendZclMessages
)
