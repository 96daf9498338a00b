"""The virtual EZSP NCP on a real pty, driven by our EZSP host on virtual time: the EZSP rules and bad input.

UG100: `version` first (and answered in the legacy format it came in), the
NCP's own version whatever the host asked; anything else before it, an
unknown frame id or unparsable parameters get `invalidCommand` with the
EzspStatus saying why. UG101: noise, cancelled and damaged frames, and a
wrong protocol on the wire are dropped and the link resynchronises; a host
that never acknowledges makes the NCP give up with an ERROR frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from firmware.dongles.ezsp_ncp import STACK_VERSION, EzspNcp, serve_ezsp_ncp
from hal import clock
from hal.radio import Band
from hal.serial.ezsp_host import EzspHost, EzspHostError, EzspTimeout, NotAshError
from hal.virtual import Medium
from protocols.serial import ash, ezsp, ezsp_commands, hdlc_lite
from protocols.serial.ash import AshData
from protocols.serial.ezsp import EzspFrame, EzspHeader, Format
from protocols.serial.ezsp_commands import EzspStatus

Scenario = Callable[[EzspNcp, EzspHost], Awaitable[Any]]


def _run(scenario: Scenario) -> Any:
    async def main() -> Any:
        medium = Medium(seed=5)
        medium.add_node("stick", (0.0, 0.0, 0.0))
        ncp = await serve_ezsp_ncp(medium.radio("stick", Band.GHZ_2_4))
        host = await EzspHost.open(ncp.path)
        try:
            return await scenario(ncp, host)
        finally:
            await host.close()
            await ncp.close()

    return clock.run(main(), virtual=True)


def test_reset_and_version_negotiation() -> None:
    async def scenario(ncp: EzspNcp, host: EzspHost) -> Any:
        identity = await host.reset()
        eui = await host.command("getEui64")
        return identity, eui["eui64"], ncp.network.radio.info.extended_address

    identity, eui, radio_eui = _run(scenario)
    assert (identity.reset_code, identity.protocol_version, identity.stack_type) == (0x0B, 13, 2)
    assert identity.stack_version == STACK_VERSION and identity.stack == "7.4.4.0"
    assert eui == radio_eui


def test_commands_before_version_are_refused() -> None:
    async def scenario(ncp: EzspNcp, host: EzspHost) -> Any:
        await host.reset()
        await host.command("nop")
        await host.reset(negotiate=False)  # the NCP forgets the agreed version on a reset
        with pytest.raises(EzspHostError, match=f"invalidCommand {EzspStatus.ERROR_VERSION_NOT_SET:#04x}"):
            await host.command("nop")
        return ncp.rejected

    assert _run(scenario) == 1


def _raw_command(host: EzspHost, frame_id: int, parameters: bytes) -> None:
    header = EzspHeader(sequence=0x42, frame_id=frame_id, format=Format.EXTENDED)
    session = host._session
    host.write_raw(ash.build(AshData(session.tx, session.rx, ezsp.build(EzspFrame(header, parameters)))))
    session.tx = (session.tx + 1) % 8


async def _next_frame(host: EzspHost) -> tuple[str, dict[str, Any]]:
    async with asyncio.timeout(2):
        return await host.callbacks.get()


@pytest.mark.parametrize(
    ("frame_id", "parameters", "reason"),
    [
        (0x7777, b"", EzspStatus.ERROR_INVALID_FRAME_ID),  # no such frame
        (0x0019, b"", EzspStatus.ERROR_INVALID_FRAME_ID),  # a callback is not a command
        (0x0052, b"", EzspStatus.ERROR_INVALID_VALUE),  # getConfigurationValue without its id
        (0x0005, b"\x00\x00", EzspStatus.ERROR_COMMAND_TOO_LONG),  # nop with parameters
    ],
)
def test_bad_commands_get_invalid_command(frame_id: int, parameters: bytes, reason: EzspStatus) -> None:
    async def scenario(ncp: EzspNcp, host: EzspHost) -> Any:
        await host.reset()
        _raw_command(host, frame_id, parameters)
        name, values = await _next_frame(host)  # unmatched sequence: it lands with the callbacks
        still_fine = await host.command("echo", data=b"ok")
        return name, values, still_fine

    name, values, still_fine = _run(scenario)
    assert (name, values) == ("invalidCommand", {"reason": reason})
    assert still_fine == {"echo": b"ok"}


def test_noise_cancel_substitute_and_bad_crc_then_resync() -> None:
    async def scenario(ncp: EzspNcp, host: EzspHost) -> Any:
        await host.reset()
        good = ash.build(AshData(host._session.tx, host._session.rx, b"\x00\x00\x01\x05\x00"))
        damaged = bytearray(good)
        damaged[2] ^= 0x01
        host.write_raw(b"\x55\xaa\x00\x12" + b"\x7e")  # line noise ending in a flag
        host.write_raw(good[:4] + bytes((ash.CANCEL,)))  # a frame cancelled half way
        host.write_raw(good[:3] + bytes((ash.SUBSTITUTE,)) + good[3:])  # a byte the UART lost
        host.write_raw(bytes(damaged))  # bad CRC: NAK
        await asyncio.sleep(0.1)
        return ncp.link.counters.dropped, ncp.link.counters.naks_sent, await host.command("echo", data=b"\x7e\x7d")

    dropped, naks, echo = _run(scenario)
    assert dropped >= 3 and naks == 1
    assert echo == {"echo": b"\x7e\x7d"}


def test_a_host_speaking_spinel_gets_nothing_and_the_ncp_survives() -> None:
    async def scenario(ncp: EzspNcp, host: EzspHost) -> Any:
        host.write_raw(hdlc_lite.encode(bytes.fromhex("810201")) * 3)  # spinel GET PROTOCOL_VERSION
        await asyncio.sleep(0.5)
        identity = await host.reset()
        return ncp.link.counters.dropped, identity.protocol_version

    dropped, version = _run(scenario)
    assert dropped == 3 and version == 13


def test_host_finds_out_the_other_end_is_not_ash() -> None:
    async def scenario(ncp: EzspNcp, host: EzspHost) -> Any:
        ncp.port.write(hdlc_lite.encode(bytes.fromhex("80060070")) * 4)  # an RCP's reset status, in HDLC-lite
        with pytest.raises(NotAshError):
            await host.reset()
        return True

    assert _run(scenario)


def test_a_frozen_ncp_times_out_instead_of_hanging() -> None:
    async def scenario(ncp: EzspNcp, host: EzspHost) -> Any:
        await host.reset()
        ncp.freeze()
        start = asyncio.get_running_loop().time()
        with pytest.raises(EzspTimeout):
            await host.command("nop")
        return asyncio.get_running_loop().time() - start

    assert _run(scenario) == pytest.approx(5 * 1.6)  # every DATA attempt waits its ACK timeout


def test_ncp_gives_up_on_a_host_that_never_acknowledges() -> None:
    async def scenario(ncp: EzspNcp, host: EzspHost) -> Any:
        await host.reset()
        host._link.write = lambda data: None  # type: ignore[method-assign]  # the host goes deaf and mute
        ncp.network._emit("stackStatusHandler", {"status": 0x90})
        await asyncio.sleep(20)
        return ncp.link.state.value, ncp.link.counters.retransmissions

    state, retransmissions = _run(scenario)
    assert (state, retransmissions) == ("failed", 3)


def test_legacy_version_frame_is_answered_in_legacy_format() -> None:
    async def scenario(ncp: EzspNcp, host: EzspHost) -> Any:
        await host.reset()
        return host._session.version

    assert _run(scenario) == 13
    version = ezsp_commands.frame("version")
    legacy = ezsp.build(
        EzspFrame(EzspHeader(0, 0, format=Format.LEGACY), version.build_command(desired_protocol_version=4))
    )
    assert legacy == bytes.fromhex("00000004")  # radio.md 6.1
