"""The framings on the hub's links, each registered once: the WAN stream and the serial framings.

Seeds are built by our encoders from the primers' values (docs/wan.md's length prefix,
spinel.md's Spinel and HDLC-lite frames, UG101's ASH frames, UG100's EZSP headers, radio.md
6.5's sniffer outputs). The stream de-framers (HDLC-lite, nRF, TI) are fed in small chunks,
as a serial port delivers bytes: they never raise, they report what they drop, so their
promise is the time and memory bound alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from protocols import wan
from protocols.errors import DecodeError
from protocols.serial import ash, ezsp, ezsp_commands, hdlc_lite, nrf_sniffer, spinel, ti_sniffer
from protocols.serial.errors import SerialDecodeError
from protocols.serial.spinel import Command, Prop, RxFrame, RxMetadata, SpinelFrame
from protocols.wan import FrameReader, WanFrameError

from .registry import NO_SELECTOR, Target, rebuild_selected, register, selected
from .targets import ECS52

#: Bytes a stream de-framer is fed at a time (a UART read returns a few bytes, not whole frames).
CHUNK = 7
#: An 802.15.4 ACK with its FCS (radio.md 2.4), the smallest frame a radio reports.
ACK_PSDU = bytes.fromhex("0200075a2b")


def _chunks(data: bytes) -> Iterable[bytes]:
    return (data[start : start + CHUNK] for start in range(0, len(data), CHUNK))


def _stream(feed: Callable[[], Callable[[bytes], list[Any]]]) -> Callable[[bytes], tuple[Any, ...]]:
    """A target parse that feeds a fresh de-framer `data` chunk by chunk and returns every event."""

    def parse(data: bytes) -> tuple[Any, ...]:
        deframer_feed = feed()
        return tuple(event for chunk in _chunks(data) for event in deframer_feed(chunk))

    return parse


# --- WAN framing (docs/wan.md) ----------------------------------------------------------------


def _wan_parse(data: bytes) -> tuple[tuple[bytes, ...], bytes]:
    """(every whole message, the bytes of a frame not yet whole) of a stream fed in chunks."""
    reader = FrameReader()
    messages = []
    for chunk in _chunks(data):
        reader.feed(chunk)
        while (message := reader.next_message()) is not None:
            messages.append(message)
    return tuple(messages), data[len(data) - reader.pending :]


def _wan_build(value: tuple[tuple[bytes, ...], bytes]) -> bytes:
    messages, tail = value
    return b"".join(wan.encode_frame(message) for message in messages) + tail


def _wan_seeds() -> Iterable[bytes]:
    yield wan.encode_frame(ECS52)
    yield wan.encode_frame(ECS52) + wan.encode_frame(b"\xdd") + wan.encode_frame(ECS52)[:9]


# --- Spinel over HDLC-lite (spinel.md 1-6) --------------------------------------------------


def _spinel_frames() -> list[SpinelFrame]:
    received = spinel.build_rx_frame(RxFrame(ACK_PSDU, RxMetadata(rssi=-60, noise_floor=-100, channel=11, lqi=200)))
    return [
        SpinelFrame(tid=1, command=Command.PROP_VALUE_GET, prop=Prop.PROTOCOL_VERSION),
        SpinelFrame(tid=2, command=Command.PROP_VALUE_IS, prop=Prop.PHY_CHAN, value=b"\x0b"),
        SpinelFrame(tid=0, command=Command.PROP_VALUE_IS, prop=Prop.STREAM_RAW, value=received),
        SpinelFrame(tid=3, command=Command.RESET, value=b"\x02"),
    ]


def _spinel_seeds() -> Iterable[bytes]:
    yield from (spinel.build(frame) for frame in _spinel_frames())


def _hdlc_seeds() -> Iterable[bytes]:
    frames = b"".join(hdlc_lite.encode(spinel.build(frame)) for frame in _spinel_frames())
    yield frames
    yield b"\x00garbage" + frames[:20] + hdlc_lite.encode(bytes(range(0x70, 0x80)))  # stuffed 7D/7E inside


# --- ASH and EZSP (UG101, UG100) --------------------------------------------------------------


def _ash_seeds() -> Iterable[bytes]:
    version_command = ezsp.build(ezsp.EzspFrame(ezsp.EzspHeader(0, ezsp.VERSION_FRAME_ID, format=ezsp.Format.LEGACY)))
    for frame in (
        ash.AshRst(),
        ash.AshRstAck(reset_code=0x0B),
        ash.AshData(1, 2, version_command + b"\x08"),
        ash.AshAck(3),
        ash.AshNak(4, not_ready=True),
        ash.AshError(0x51),
    ):
        yield ash.build(frame)


def _no_selector() -> SerialDecodeError:
    return SerialDecodeError(ezsp.PROTOCOL, 0, "selector", NO_SELECTOR)


#: EZSP versions the target reads under: the first input octet picks one (legacy, legacy-extended, extended).
EZSP_VERSIONS = (4, 5, 8, 13)


def _ezsp_parse(version: int, data: bytes) -> ezsp.EzspFrame:
    return ezsp.parse(data, version=version)


def _ezsp_seeds() -> Iterable[bytes]:
    header = ezsp.EzspHeader
    yield b"\x00" + ezsp.build(ezsp.EzspFrame(header(0, ezsp.VERSION_FRAME_ID, format=ezsp.Format.LEGACY), b"\x04"))
    yield b"\x01" + ezsp.build(
        ezsp.EzspFrame(header(7, 0x52, response=True, format=ezsp.Format.LEGACY_EXTENDED), b"\x00")
    )
    yield b"\x03" + ezsp.build(
        ezsp.EzspFrame(header(9, 0x0109, callback_type=ezsp.CallbackType.ASYNCHRONOUS, response=True), b"\x01\x02")
    )


#: (frame, response?) pairs the first octet of an EZSP parameters input selects (UG100, EZSP 13).
EZSP_PARAMETERS = tuple((frame, response) for frame in ezsp_commands.BY_ID.values() for response in (False, True))


def _ezsp_parameters_parse(choice: tuple[ezsp_commands.Frame, bool], data: bytes) -> dict[str, Any]:
    frame, response = choice
    return (frame.parse_response if response else frame.parse_command)(data)


def _ezsp_parameters_build(choice: tuple[ezsp_commands.Frame, bool], parameters: dict[str, Any]) -> bytes:
    frame, response = choice
    return (frame.build_response if response else frame.build_command)(**parameters)


def _ezsp_parameters_seeds() -> Iterable[bytes]:
    def selector(name: str, response: bool) -> int:
        return EZSP_PARAMETERS.index((ezsp_commands.frame(name), response))

    version = ezsp_commands.frame("version")
    yield bytes((selector("version", False),)) + version.build_command(desired_protocol_version=13)
    yield bytes((selector("version", True),)) + version.build_response(
        protocol_version=13, stack_type=ezsp_commands.STACK_TYPE_MESH, stack_version=0x7400
    )


# --- Sniffer firmwares (radio.md 6.5) -------------------------------------------------------


def _nrf_seeds() -> Iterable[bytes]:
    received = nrf_sniffer.NrfReceived(ACK_PSDU, rssi=-61, lqi=200, timestamp=123_456)
    yield nrf_sniffer.build_received(received) + b"sniffer> channel 11\r\n" + nrf_sniffer.build_received(received)


def _ti_seeds() -> Iterable[bytes]:
    capture = ti_sniffer.TiCapture(timestamp=1_000_000, frame=ACK_PSDU[:-2], rssi=-70, fcs_ok=True, link_quality=90)
    yield ti_sniffer.build_capture(capture) + ti_sniffer.command(ti_sniffer.Info.PING) + ti_sniffer.cfg_phy(0)


def _ti_parse(data: bytes) -> object:
    """The packets of a stream, and the capture inside each data packet (`parse_capture`)."""
    packets = _stream(lambda: ti_sniffer.TiSnifferDeframer().feed)(data)
    return tuple(
        ti_sniffer.parse_capture(packet)
        for packet in packets
        if isinstance(packet, ti_sniffer.TiPacket) and packet.info == ti_sniffer.Info.DATA
    )


register(Target("wan", _wan_parse, (WanFrameError,), _wan_seeds, _wan_build, notes="protocols.wan FrameReader"))
register(
    Target(
        "hdlc_lite",
        _stream(lambda: hdlc_lite.HdlcLiteDeframer().feed),
        (),
        _hdlc_seeds,
        notes="HdlcLiteDeframer (never raises)",
    )
)
register(Target("spinel", spinel.parse, (DecodeError,), _spinel_seeds, spinel.build, exact=False, max_size=1300))
register(Target("ash", ash.parse, (DecodeError,), _ash_seeds, ash.build, exact=False, max_size=300))
register(
    Target(
        "ezsp",
        selected(EZSP_VERSIONS, _ezsp_parse, _no_selector),
        (DecodeError,),
        _ezsp_seeds,
        rebuild_selected(EZSP_VERSIONS, lambda _version, frame: ezsp.build(frame)),
        exact=False,
        max_size=300,
        notes="the first octet picks the agreed version",
    )
)
register(
    Target(
        "ezsp_parameters",
        selected(EZSP_PARAMETERS, _ezsp_parameters_parse, _no_selector),
        (DecodeError,),
        _ezsp_parameters_seeds,
        rebuild_selected(EZSP_PARAMETERS, _ezsp_parameters_build),
        exact=False,  # a bool parameter reads any non-zero octet as true, as the C stack's `bool` does
        max_size=300,
        notes="protocols.serial.ezsp_commands, every frame both ways",
    )
)
register(
    Target(
        "nrf_sniffer",
        _stream(lambda: nrf_sniffer.NrfSnifferReader().feed),
        (),
        _nrf_seeds,
        max_size=1024,
        notes="NrfSnifferReader (never raises)",
    )
)
register(
    Target("ti_sniffer", _ti_parse, (DecodeError,), _ti_seeds, max_size=1024, notes="TiSnifferDeframer, parse_capture")
)
