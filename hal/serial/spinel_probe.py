"""Bringing up an OpenThread RCP and describing it as a `hal.radio` radio (spinel.md 4, 5 "Start-up").

`probe` asks what a host must know before using an RCP - protocol version,
CAPS, EUI-64, RCP API version, RADIO_CAPS, channels, TX power range, CCA
threshold, clock - and refuses a device that is not an RCP with a message
saying what was wrong. `RcpProfile.caps` / `.info` translate that into
`hal.radio` terms:

* RADIO_CAPS ACK_TIMEOUT / ENERGY_SCAN / TRANSMIT_RETRIES / CSMA_BACKOFF map
  to the `RadioCaps` of the same names;
* AUTO_ACK, PROMISCUOUS and RX_TIMESTAMP are always there: OpenThread
  requires every RCP radio to acknowledge by itself, to support promiscuous
  mode and to timestamp received frames;
* DUTY_CYCLE comes with our vendor cap (spinel.md 6).

Channels: an RCP with our vendor page cap lists (page, channel mask) pairs
(`VENDOR_PHY_PAGE_CHANNELS`); a stock one lists page-0 channels in
PHY_CHAN_SUPPORTED. Spinel has no TX power range: we read our vendor
property, else take the caller's range, else `DEFAULT_POWER_RANGE`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from hal.radio import Channel, RadioCaps, RadioError, RadioInfo, channel_exists
from protocols.serial import spinel
from protocols.serial.errors import SerialDecodeError
from protocols.serial.spinel import Cap, Prop, RadioCapBit, Status

from .spinel_host import SpinelHost, SpinelStatusError

#: TX power range assumed when the RCP cannot say (typical of nRF52840 / EFR32MG21 dongles), dBm.
DEFAULT_POWER_RANGE = (-20.0, 8.0)
#: CCA threshold assumed when the RCP does not report PHY_CCA_THRESHOLD (OpenThread's default), dBm.
DEFAULT_CCA_THRESHOLD = -75
_REQUIRED_CAPS = {Cap.CONFIG_RADIO: "CONFIG_RADIO (34)", Cap.MAC_RAW: "MAC_RAW (513)"}
_CAP_MAP = {
    RadioCapBit.ACK_TIMEOUT: RadioCaps.ACK_TIMEOUT,
    RadioCapBit.ENERGY_SCAN: RadioCaps.ENERGY_SCAN,
    RadioCapBit.TRANSMIT_RETRIES: RadioCaps.TRANSMIT_RETRIES,
    RadioCapBit.CSMA_BACKOFF: RadioCaps.CSMA_BACKOFF,
}


@dataclass(frozen=True, slots=True)
class RcpProfile:
    """What an RCP said about itself at bring-up."""

    url: str
    version: str  #: NCP_VERSION text
    spinel_caps: frozenset[int]
    radio_caps: RadioCapBit
    hwaddr: int
    channels: frozenset[Channel]
    channel: Channel
    power_range: tuple[float, float]
    cca_threshold: int
    clock_offset: float | None  #: host time minus RCP time (s), None when the RCP has no RCP_TIMESTAMP

    @property
    def vendor_pages(self) -> bool:
        return Cap.VENDOR_PAGES in self.spinel_caps

    @property
    def caps(self) -> RadioCaps:
        caps = RadioCaps.AUTO_ACK | RadioCaps.PROMISCUOUS | RadioCaps.RX_TIMESTAMP
        for bit, cap in _CAP_MAP.items():
            if self.radio_caps & bit:
                caps |= cap
        if Cap.VENDOR_DUTY_CYCLE in self.spinel_caps:
            caps |= RadioCaps.DUTY_CYCLE
        return caps

    @property
    def info(self) -> RadioInfo:
        low, high = self.power_range
        return RadioInfo(f"spinel:{self.url}", self.channels, low, high, self.hwaddr)


def _unpack(fmt: str, value: bytes, what: str, url: str) -> tuple:
    try:
        return spinel.unpack(fmt, value)
    except SerialDecodeError as exc:
        raise RadioError(f"spinel link {url!r}: malformed {what}: {exc}") from exc


async def _optional(host: SpinelHost, prop: Prop, value: bytes = b"") -> bytes | None:
    """GET a property stock RCPs may lack; None when the RCP says it has no such property."""
    try:
        return await host.get(prop, value)
    except SpinelStatusError as exc:
        if exc.status in (Status.PROP_NOT_FOUND, Status.UNIMPLEMENTED, Status.INVALID_COMMAND_FOR_PROP):
            return None
        raise


async def probe(host: SpinelHost, *, power_range: tuple[float, float] | None = None) -> RcpProfile:
    """Ask the (freshly reset) RCP everything `RcpProfile` holds; RadioError if it is no usable RCP."""
    url = host.url
    major, minor = _unpack("ii", await host.get(Prop.PROTOCOL_VERSION), "PROTOCOL_VERSION", url)
    if major != spinel.PROTOCOL_VERSION[0]:
        raise RadioError(f"spinel link {url!r}: the device speaks Spinel {major}.{minor}; we need 4.x")
    (version,) = _unpack("U", await host.get(Prop.NCP_VERSION), "NCP_VERSION", url)
    (caps_list,) = _unpack("A(i)", await host.get(Prop.CAPS), "CAPS", url)
    caps = frozenset(caps_list)
    missing = [name for cap, name in _REQUIRED_CAPS.items() if cap not in caps]
    if missing:
        raise RadioError(
            f"spinel link {url!r}: {version!r} is not a radio co-processor (CAPS lacks {', '.join(missing)})"
        )
    (hwaddr,) = _unpack("E", await host.get(Prop.HWADDR), "HWADDR", url)
    if Cap.RCP_API_VERSION in caps:
        (api,) = _unpack("i", await host.get(Prop.RCP_API_VERSION), "RCP_API_VERSION", url)
        if api < spinel.RCP_MIN_HOST_API_VERSION:
            raise RadioError(f"spinel link {url!r}: RCP API version {api} is older than 4")
    if Cap.RCP_MIN_HOST_API_VERSION in caps:
        (needed,) = _unpack("i", await host.get(Prop.RCP_MIN_HOST_API_VERSION), "RCP_MIN_HOST_API_VERSION", url)
        if needed > spinel.RCP_API_VERSION:
            raise RadioError(f"spinel link {url!r}: the RCP needs host API {needed}; we speak {spinel.RCP_API_VERSION}")
    (radio_caps,) = _unpack("i", await host.get(Prop.RADIO_CAPS), "RADIO_CAPS", url)
    channels, channel = await _channels(host, caps)
    if Cap.VENDOR_PAGES in caps and (raw := await _optional(host, Prop.VENDOR_PHY_TX_POWER_RANGE)) is not None:
        low, high = _unpack("cc", raw, "VENDOR_PHY_TX_POWER_RANGE", url)
        power_range = (float(low), float(high))
    raw = await _optional(host, Prop.PHY_CCA_THRESHOLD)
    threshold = DEFAULT_CCA_THRESHOLD if raw is None else _unpack("c", raw, "PHY_CCA_THRESHOLD", url)[0]
    return RcpProfile(
        url=url,
        version=version,
        spinel_caps=caps,
        radio_caps=RadioCapBit(radio_caps & 0xFFFF),
        hwaddr=int.from_bytes(hwaddr, "big"),
        channels=channels,
        channel=channel,
        power_range=power_range or DEFAULT_POWER_RANGE,
        cca_threshold=threshold,
        clock_offset=await _clock_offset(host),
    )


async def _channels(host: SpinelHost, caps: frozenset[int]) -> tuple[frozenset[Channel], Channel]:
    url = host.url
    if Cap.VENDOR_PAGES in caps:
        (pages,) = _unpack("A(t(CX))", await host.get(Prop.VENDOR_PHY_PAGE_CHANNELS), "VENDOR_PHY_PAGE_CHANNELS", url)
        channels = frozenset(
            Channel(page, n) for page, mask in pages for n in range(64) if mask >> n & 1 and channel_exists(page, n)
        )
        page, number = _unpack("CC", await host.get(Prop.VENDOR_PHY_PAGE_CHANNEL), "VENDOR_PHY_PAGE_CHANNEL", url)
        current = Channel(page, number) if channel_exists(page, number) else min(channels, default=Channel(0, 11))
    else:
        (numbers,) = _unpack("A(C)", await host.get(Prop.PHY_CHAN_SUPPORTED), "PHY_CHAN_SUPPORTED", url)
        channels = frozenset(Channel(0, n) for n in numbers if channel_exists(0, n))
        (number,) = _unpack("C", await host.get(Prop.PHY_CHAN), "PHY_CHAN", url)
        current = Channel(0, number) if channel_exists(0, number) else min(channels, default=Channel(0, 11))
    if not channels:
        raise RadioError(f"spinel link {url!r}: the RCP lists no channels")
    return channels, current if current in channels else min(channels)


async def _clock_offset(host: SpinelHost) -> float | None:
    """Host time minus RCP time from one RCP_TIMESTAMP exchange (midpoint), to the whole microsecond."""
    loop = asyncio.get_running_loop()
    sent = loop.time()
    raw = await _optional(host, Prop.RCP_TIMESTAMP, bytes(8))
    if raw is None:
        return None
    (rcp_us,) = _unpack("X", raw, "RCP_TIMESTAMP", host.url)
    midpoint = (sent + loop.time()) / 2
    return round((midpoint - rcp_us / 1e6) * 1e6) / 1e6
