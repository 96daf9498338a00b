"""The virtual RCP answers like OpenThread's RCP firmware (spinel.md 3-5), byte for byte, on a real pty.

A raw host here writes the primer's worked frames and reads the replies
through a `SerialLink`; pyspinel's own sniffer (an independent host
program) is run against the RCP in a subprocess.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiospinel import CommandID, PropertyID, SpinelProtocol
from zigpy.serial import create_serial_connection

from firmware.dongles import SpinelRcp, serve_spinel_rcp
from firmware.dongles.spinel_rcp import FIRMWARE_VERSION
from hal import clock
from hal.radio import Band, Channel, TxMode
from hal.serial import LinkSettings, PtyLedger, SerialLink
from hal.virtual import Medium
from protocols import pcap
from protocols.serial import hdlc_lite, spinel
from protocols.serial.errors import Dropped
from protocols.serial.spinel import Command, Prop, SpinelFrame, Status
from tests.hal.radios import PAN, data_frame


class RawHost:
    """Writes Spinel frames and collects the RCP's replies, decoded by our codecs."""

    def __init__(self) -> None:
        self.deframer = hdlc_lite.HdlcLiteDeframer()
        self.frames: list[SpinelFrame] = []
        self.link: SerialLink | None = None

    def link_up(self) -> None: ...

    def link_down(self, error: Exception | None) -> None: ...

    def data_received(self, data: bytes) -> None:
        for event in self.deframer.feed(data):
            assert not isinstance(event, Dropped), event
            self.frames.append(spinel.parse(event))

    async def ask(self, wire: bytes, *, wait: float = 0.0) -> list[SpinelFrame]:
        """Write raw bytes; return the frames the RCP sent back (after `wait` seconds of virtual time)."""
        assert self.link is not None
        self.frames.clear()
        self.link.write(wire)
        await PtyLedger.of().settled()
        await asyncio.sleep(wait)
        await PtyLedger.of().settled()
        return list(self.frames)

    async def request(self, frame: SpinelFrame, *, wait: float = 0.0) -> list[SpinelFrame]:
        return await self.ask(hdlc_lite.encode(spinel.build(frame)), wait=wait)


def run_with_rcp(scenario: Callable[[RawHost, SpinelRcp, Medium], Awaitable[Any]], band: Band = Band.GHZ_2_4) -> Any:
    async def main() -> Any:
        medium = Medium(seed=4)
        medium.add_node("rcp", (0.0, 0.0, 0.0))
        medium.add_node("other", (3.0, 0.0, 0.0))
        rcp = SpinelRcp(medium.radio("rcp", band))
        rcp.plug()
        host = RawHost()
        host.link = SerialLink(LinkSettings(rcp.path, reconnect=False), host)
        await host.link.open()
        boot = await host.ask(b"", wait=0.001)
        assert boot == [spinel.parse(hx("80 06 00 70"))]  # the dongle announces its boot
        try:
            return await scenario(host, rcp, medium)
        finally:
            await host.link.close()
            await rcp.close()

    return clock.run(main(), virtual=True)


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


def test_startup_exchange_of_the_openthread_host() -> None:
    """spinel.md 5 steps 1-3 with the worked frames of spinel.md 1."""

    async def scenario(host: RawHost, rcp: SpinelRcp, medium: Medium) -> None:
        assert await host.ask(hx("7E 80 01 02 EA F0 7E")) == [spinel.parse(hx("80 06 00 70"))]
        assert await host.ask(hx("7E 81 02 01 C5 B2 7E")) == [spinel.parse(hx("81 06 01 04 03"))]
        [caps] = await host.request(SpinelFrame(2, Command.PROP_VALUE_GET, Prop.CAPS))
        assert caps.tid == 2 and {34, 513, 64, 65} <= set(spinel.unpack("A(i)", caps.value)[0])
        [api] = await host.request(SpinelFrame(3, Command.PROP_VALUE_GET, Prop.RCP_API_VERSION))
        assert spinel.unpack("i", api.value) == (11,)
        [radio_caps] = await host.request(SpinelFrame(4, Command.PROP_VALUE_GET, Prop.RADIO_CAPS))
        assert spinel.unpack("i", radio_caps.value)[0] & 0x0F == 0x0F  # ACK timeout, energy scan, retries, CSMA
        [hwaddr] = await host.request(SpinelFrame(5, Command.PROP_VALUE_GET, Prop.HWADDR))
        assert int.from_bytes(hwaddr.value, "big") == rcp.radio.info.extended_address

    run_with_rcp(scenario)


def test_replies_echo_the_header_and_read_values_back() -> None:
    async def scenario(host: RawHost, rcp: SpinelRcp, medium: Medium) -> None:
        [reply] = await host.ask(hx("7E 86 03 21 1A 7D 5E F0 7E"))  # SET PHY_CHAN = 26, TID 6
        assert spinel.build(reply) == hx("86 06 21 1A") and rcp.radio.channel == Channel(0, 26)
        [reply] = await host.request(SpinelFrame(7, Command.PROP_VALUE_SET, Prop.PHY_TX_POWER, hx("7F"), iid=2))
        assert (reply.header, reply.prop) == (0xA7, Prop.PHY_TX_POWER)
        assert spinel.unpack("c", reply.value)[0] == round(rcp.radio.info.max_power_dbm)  # clamped, read back
        [reply] = await host.request(SpinelFrame(8, Command.PROP_VALUE_SET, Prop.MAC_PROMISCUOUS_MODE, hx("01")))
        assert reply.value == hx("02")  # NETWORK reads back as FULL, as on the OT RCP

    run_with_rcp(scenario)


def test_errors_come_back_as_last_status() -> None:
    async def scenario(host: RawHost, rcp: SpinelRcp, medium: Medium) -> None:
        def status(frames: list[SpinelFrame]) -> int:
            [frame] = frames
            assert frame.prop == Prop.LAST_STATUS
            return spinel.decode_uint(frame.value)[0]

        assert status(await host.request(SpinelFrame(1, Command.PROP_VALUE_GET, 0x3BFF))) == Status.PROP_NOT_FOUND
        assert status(await host.request(SpinelFrame(2, Command.PROP_VALUE_SET, Prop.CAPS, hx("22")))) == (
            Status.INVALID_COMMAND_FOR_PROP
        )
        assert status(await host.request(SpinelFrame(3, Command.PROP_VALUE_SET, Prop.PHY_CHAN, hx("05")))) == (
            Status.INVALID_ARGUMENT
        )
        assert status(await host.request(SpinelFrame(4, Command.PROP_VALUE_SET, Prop.MAC_15_4_PANID, hx("01")))) == (
            Status.PARSE_ERROR
        )
        assert status(await host.request(SpinelFrame(5, 30, None, b""))) == Status.INVALID_COMMAND
        assert status(await host.request(SpinelFrame(6, Command.NOOP))) == Status.OK

    run_with_rcp(scenario)


def test_source_match_insert_remove_and_clear() -> None:
    async def scenario(host: RawHost, rcp: SpinelRcp, medium: Medium) -> None:
        prop = Prop.MAC_SRC_MATCH_SHORT_ADDRESSES
        [reply] = await host.request(SpinelFrame(1, Command.PROP_VALUE_INSERT, prop, hx("34 12")))
        assert (reply.command, reply.value) == (Command.PROP_VALUE_INSERTED, hx("34 12"))
        await host.request(SpinelFrame(2, Command.PROP_VALUE_INSERT, prop, hx("01 00")))
        [reply] = await host.request(SpinelFrame(3, Command.PROP_VALUE_REMOVE, prop, hx("34 12")))
        assert reply.command == Command.PROP_VALUE_REMOVED and rcp.state.short_sources == {1}
        [reply] = await host.request(SpinelFrame(4, Command.PROP_VALUE_SET, prop, b""))
        assert reply.value == b"" and rcp.state.short_sources == set()

    run_with_rcp(scenario)


def test_transmit_tx_done_and_busy() -> None:
    """A STREAM_RAW SET is answered on its TID after the air time; a second one meanwhile gets INVALID_STATE."""

    async def scenario(host: RawHost, rcp: SpinelRcp, medium: Medium) -> None:
        for frame in (
            SpinelFrame(1, Command.PROP_VALUE_SET, Prop.PHY_ENABLED, hx("01")),
            SpinelFrame(2, Command.PROP_VALUE_SET, Prop.MAC_RAW_STREAM_ENABLED, hx("01")),
        ):
            await host.request(frame)
        psdu = data_frame(1, 9, 1, ack=True)[:-2] + b"\x00\x00"  # placeholder FCS, as the host sends it
        request = spinel.build_tx_request(spinel.TxRequest(psdu, 11, max_retries=1))
        frames = [SpinelFrame(tid, Command.PROP_VALUE_SET, Prop.STREAM_RAW, request) for tid in (5, 6)]
        replies = await host.ask(b"".join(hdlc_lite.encode(spinel.build(f)) for f in frames), wait=0.1)
        busy, done = replies
        assert busy.tid == 6 and spinel.decode_uint(busy.value)[0] == Status.INVALID_STATE
        assert done.tid == 5 and spinel.parse_tx_done(done.value) == spinel.TxDone(Status.NO_ACK)

    run_with_rcp(scenario)


def test_received_frames_reach_the_host_with_metadata() -> None:
    async def scenario(host: RawHost, rcp: SpinelRcp, medium: Medium) -> None:
        for frame in (
            SpinelFrame(1, Command.PROP_VALUE_SET, Prop.PHY_ENABLED, hx("01")),
            SpinelFrame(2, Command.PROP_VALUE_SET, Prop.MAC_15_4_PANID, spinel.pack("S", PAN)),
            SpinelFrame(3, Command.PROP_VALUE_SET, Prop.MAC_15_4_SADDR, spinel.pack("S", 2)),
        ):
            await host.request(frame)
        other = medium.radio("other", Band.GHZ_2_4)
        frames = await _send_and_collect(host, other, data_frame(1, 2, 7))
        assert frames == []  # asleep: raw stream off
        await host.request(SpinelFrame(4, Command.PROP_VALUE_SET, Prop.MAC_RAW_STREAM_ENABLED, hx("01")))
        [frame] = await _send_and_collect(host, other, data_frame(2, 2, 7))
        rx = spinel.parse_rx_frame(frame.value)
        assert frame.tid == 0 and rx.psdu == data_frame(2, 2, 7)
        assert (rx.metadata.channel, rx.metadata.noise_floor, rx.metadata.rx_error) == (11, -128, 0)
        assert -100 < rx.metadata.rssi < 0 and len(frame.value) == 2 + len(rx.psdu) + 26

    run_with_rcp(scenario)


async def _send_and_collect(host: RawHost, radio: Any, psdu: bytes) -> list[SpinelFrame]:
    host.frames.clear()
    await radio.transmit(psdu, mode=TxMode.DIRECT)
    await asyncio.sleep(0.01)
    await PtyLedger.of().settled()
    return [f for f in host.frames if f.prop == Prop.STREAM_RAW]


def test_energy_scan_reports_then_goes_idle() -> None:
    async def scenario(host: RawHost, rcp: SpinelRcp, medium: Medium) -> None:
        await host.request(SpinelFrame(1, Command.PROP_VALUE_SET, Prop.MAC_SCAN_MASK, hx("0F")))
        await host.request(SpinelFrame(2, Command.PROP_VALUE_SET, Prop.MAC_SCAN_PERIOD, spinel.pack("S", 20)))
        replies = await host.request(SpinelFrame(3, Command.PROP_VALUE_SET, Prop.MAC_SCAN_STATE, hx("02")), wait=0.05)
        state, result, idle = replies
        assert (state.tid, state.value) == (3, hx("02"))
        channel, rssi = spinel.unpack("Cc", result.value)
        assert (result.tid, result.prop, channel) == (0, Prop.MAC_ENERGY_SCAN_RESULT, 15) and -110 < rssi < -80
        assert (idle.prop, idle.value) == (Prop.MAC_SCAN_STATE, hx("00"))
        assert rcp.radio.channel == Channel(0, 11)  # back home after the scan

    run_with_rcp(scenario)


def test_garbage_from_the_host_is_ignored() -> None:
    async def scenario(host: RawHost, rcp: SpinelRcp, medium: Medium) -> None:
        noise = b"\x00\x7e\x12\x34\x7e" + hdlc_lite.encode(b"\x41\x02\x01") + b"AT+GMR\r\n\x7e"
        replies = await host.ask(noise + hx("7E 81 02 01 C5 B2 7E"))
        assert replies == [spinel.parse(hx("81 06 01 04 03"))] and rcp.dropped >= 2

    run_with_rcp(scenario)


def test_serve_spinel_rcp_returns_a_path_hosts_open(tmp_path: Path) -> None:
    link = tmp_path / "rcp"

    async def main() -> str:
        medium = Medium()
        medium.add_node("n", (0.0, 0.0, 0.0))
        path = serve_spinel_rcp(medium.radio("n", Band.MHZ_868), str(link))
        assert os.path.islink(path) and os.readlink(path).startswith("/dev/pts/")
        return path

    assert clock.run(main(), virtual=True) == str(link)
    assert not link.exists()  # the pty and its link went with the loop


SNIFFER = shutil.which("sniffer.py", path=os.path.dirname(sys.executable))


@pytest.mark.skipif(SNIFFER is None, reason="pyspinel's sniffer.py is not installed (pip install pyspinel)")
def test_pyspinel_sniffer_captures_from_the_virtual_rcp(tmp_path: Path) -> None:
    """pyspinel's sniffer (OpenThread's Python host) resets our RCP, tunes it and writes our frames to a pcap."""
    output = tmp_path / "capture.pcap"
    sent = [data_frame(seq, 0xFFFF, 1) for seq in range(3)]

    async def main() -> list[bytes]:
        medium = Medium(seed=9)
        medium.add_node("rcp", (0.0, 0.0, 0.0))
        medium.add_node("meter", (2.0, 0.0, 0.0))
        rcp = SpinelRcp(medium.radio("rcp", Band.GHZ_2_4))
        rcp.plug()
        meter = medium.radio("meter", Band.GHZ_2_4)
        await meter.set_channel(Channel(0, 15))
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(SNIFFER), "-u", rcp.path, "-c", "15", "-o", str(output),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            assert process.stderr is not None
            async with asyncio.timeout(20):
                while b"SUCCESS" not in await process.stderr.readline():
                    pass
                for psdu in sent:
                    await meter.transmit(psdu, mode=TxMode.DIRECT)
                while len(_frames(output)) < len(sent):
                    await asyncio.sleep(0.05)
        finally:
            process.kill()
            await process.wait()
            await rcp.close()
        return _frames(output)

    assert clock.run(main()) == sent


def _frames(path: Path) -> list[bytes]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    if len(data) < 24:
        return []
    return [record.psdu for record in pcap.read(data)[1]]


def test_aiospinel_probes_the_virtual_rcp() -> None:
    """Home Assistant's aiospinel (an independent asyncio host, on zigpy's serial transport) resets and probes it."""

    async def main() -> tuple[str, bytes, int]:
        medium = Medium(seed=2)
        medium.add_node("rcp", (0.0, 0.0, 0.0))
        rcp = SpinelRcp(medium.radio("rcp", Band.GHZ_2_4))
        rcp.plug()
        try:
            _, protocol = await create_serial_connection(
                asyncio.get_running_loop(), SpinelProtocol, rcp.path, baudrate=460800
            )
            assert isinstance(protocol, SpinelProtocol)
            await protocol.wait_until_connected()
            async with asyncio.timeout(10):
                version = await protocol.probe()
                reply = await protocol.send_command(CommandID.PROP_VALUE_GET, PropertyID.HWADDR.serialize())
            await protocol.disconnect()
        finally:
            await rcp.close()
        return version, reply.data, rcp.radio.info.extended_address

    version, data, eui = clock.run(main())
    assert version == FIRMWARE_VERSION
    assert data == spinel.encode_uint(Prop.HWADDR) + eui.to_bytes(8, "big")
