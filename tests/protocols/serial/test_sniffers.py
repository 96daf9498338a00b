"""The nRF Sniffer for 802.15.4 text protocol and the TI Packet Sniffer 2 protocol (radio.md 6.5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.serial import nrf_sniffer, ti_sniffer
from protocols.serial.errors import Dropped, FcsError, SerialDecodeError, SerialEncodeError

from .vectors import TI_PING, decodes_or_fails_cleanly

PSDU = bytes.fromhex("4188072aceffff0000010203f3e4")


def test_nrf_commands() -> None:
    assert nrf_sniffer.command_channel(15) == b"channel 15\r\n"
    assert nrf_sniffer.command_receive() == b"receive\r\n" and nrf_sniffer.command_sleep() == b"sleep\r\n"
    with pytest.raises(SerialEncodeError):
        nrf_sniffer.command_channel(27)


def test_nrf_capture_line() -> None:
    line = f"received: {PSDU.hex()} power: -61 lqi: 180 time: 123456789"
    frame = nrf_sniffer.parse_line(line)
    assert frame == nrf_sniffer.NrfReceived(PSDU, -61, 180, 123456789)
    assert nrf_sniffer.build_received(frame) == (line + "\r\n").encode()


def test_nrf_reader_lines_prompts_and_bad_lines() -> None:
    good = nrf_sniffer.build_received(nrf_sniffer.NrfReceived(PSDU, -40, 255, 7))
    stream = b"uart:~$ receive\r\n" + good + b"received: 4 power: x\r\n" + good
    reader = nrf_sniffer.NrfSnifferReader()
    events = [event for byte in stream for event in reader.feed(bytes((byte,)))]
    assert events[0] == nrf_sniffer.NrfText("uart:~$ receive")
    assert isinstance(events[1], nrf_sniffer.NrfReceived) and events[1].psdu == PSDU
    assert isinstance(events[2], Dropped) and events[3] == events[1]


def test_nrf_reader_bounds_a_line_without_end() -> None:
    reader = nrf_sniffer.NrfSnifferReader()
    events = reader.feed(b"x" * 1000)
    assert len(events) == 1 and isinstance(events[0], Dropped)
    assert reader.feed(b"rest of it\r\nhello\r\n") == [nrf_sniffer.NrfText("hello")]


@pytest.mark.parametrize(
    "line", ["received: 4188 power: -1 lqi: 999 time: 1", "received: 418 power: -1 lqi: 1 time: 1"]
)
def test_nrf_bad_capture_lines(line: str) -> None:
    with pytest.raises(SerialDecodeError):
        nrf_sniffer.parse_line(line)


def test_ti_ping_vector_and_commands() -> None:
    assert ti_sniffer.command(ti_sniffer.Info.PING) == bytes.fromhex(TI_PING)
    assert ti_sniffer.parse(bytes.fromhex(TI_PING)) == ti_sniffer.TiPacket(0x40)
    assert ti_sniffer.cfg_phy(ti_sniffer.PHY_ZIGBEE_868) == bytes.fromhex("40 53 47 01 00 0B 53 40 45")
    # 868.5 MHz: 868 = 0x0364, fraction 0.5 * 65536 = 0x8000
    assert ti_sniffer.cfg_frequency(868.5) == bytes.fromhex("40 53 45 04 00 64 03 00 80 30 40 45")


def test_ti_capture_round_trip() -> None:
    capture = ti_sniffer.TiCapture(0x010203040506, PSDU[:-2], -70, True, 100)
    packet = ti_sniffer.parse(ti_sniffer.build_capture(capture))
    assert packet.info == ti_sniffer.Info.DATA and ti_sniffer.parse_capture(packet) == capture
    assert packet.payload[:6] == bytes.fromhex("060504030201") and packet.payload[-2:] == bytes((0xBA, 0xE4))


def test_ti_deframer_resynchronises() -> None:
    ping, capture = bytes.fromhex(TI_PING), ti_sniffer.build_capture(ti_sniffer.TiCapture(1, PSDU, -3, False, 1))
    broken = bytearray(capture)
    broken[-3] ^= 0xFF  # bad FCS
    stream = b"\x00\x40" + ping + bytes(broken) + b"\x40\x53\xff\xff" + capture + ping
    deframer = ti_sniffer.TiSnifferDeframer()
    events = [event for byte in stream for event in deframer.feed(bytes((byte,)))]
    packets = [event for event in events if isinstance(event, ti_sniffer.TiPacket)]
    assert packets == [ti_sniffer.TiPacket(0x40), ti_sniffer.parse(capture), ti_sniffer.TiPacket(0x40)]
    assert any(isinstance(e, Dropped) and isinstance(e.error, FcsError) for e in events)
    whole = [e for e in ti_sniffer.TiSnifferDeframer().feed(stream) if isinstance(e, ti_sniffer.TiPacket)]
    assert whole == packets


@given(st.binary(max_size=200))
def test_ti_any_bytes(data: bytes) -> None:
    decodes_or_fails_cleanly(data, ti_sniffer.parse, ti_sniffer.build)
    ti_sniffer.TiSnifferDeframer().feed(data)
