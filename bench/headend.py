"""`python -m bench headend`: how fast the test head-end builds and exchanges commands.

Figures: commands built and sealed per second by use case (`firmware.headend.CommandBuilder`:
parameters, counter on an in-memory NVM, payload, signature when critical, MAC); GBCS round trips
per second over a real TCP socket on 127.0.0.1 (`hal.wan.WanClient` to `hal.wan.WanServer`, an ESME
model behind its `firmware.gbcs` endpoint answering, the response decoded and its MAC verified
as `commshub send` does); and the wall time of one `commshub send --use-case` process, start to
exit. Ratio: building a command against decoding one (`protocols.gbcs.parse` with keys).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hal.wan import WanClient, WanMessage, WanServer
from protocols.gbcs import parse
from tests.firmware.headend.rig import Home

#: Use cases timed: a plain read, a protected read, a critical write (signed), a top-up (UTRN), GBZ, CHF.
CASES = ("ECS52", "ECS17b", "ECS01a", "CS01a", "GCS13a", "CCS01")
ROUND_TRIPS = 300


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s"


def _build_rates(home: Home) -> float:
    decode_seconds = 0.0
    for name in CASES:
        count = 60 if name in ("ECS01a",) else 200
        started = time.perf_counter()
        built = [home.build(name) for _ in range(count)]
        elapsed = time.perf_counter() - started
        started = time.perf_counter()
        for command in built:
            parse(command.data, home.keystore)
        decoded = time.perf_counter() - started
        if name == "ECS52":
            decode_seconds = decoded / count
        size = len(built[0].data)
        print(f"build {name:<7} {_rate(count, elapsed):>10}   ({size} bytes; decode {_rate(count, decoded)})")
    return decode_seconds


async def _round_trips(home: Home) -> None:
    endpoint = home.devices[bytes.fromhex("00db1234567890a0")].endpoint

    def on_message(message: WanMessage) -> None:
        for out in endpoint.receive(message.data, home.now, home.utc):
            server.send(message.connection_id, out.data)
            endpoint.sent(out.seq)

    server = WanServer("127.0.0.1", 0, on_message=on_message)
    await server.start()
    client = await WanClient.connect("127.0.0.1", server.port)
    commands = [home.build("ECS52").data for _ in range(ROUND_TRIPS)]
    started = time.perf_counter()
    for data in commands:
        await client.send(data)
        parse(await client.receive(timeout=10.0), home.keystore)
    elapsed = time.perf_counter() - started
    await client.close()
    await server.close()
    print(f"round trips over TCP (ECS52 to the ESME model, MAC checked both ways): {_rate(ROUND_TRIPS, elapsed)}")


def _process_wall_time() -> None:
    script = Path(sys.executable).parent / "commshub"
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        subprocess.run(
            [str(script), "send", "--list-use-cases"], check=True, capture_output=True, cwd=folder, timeout=120
        )
        print(f"`commshub send --list-use-cases` process, start to exit: {time.perf_counter() - started:.2f} s")


def main() -> None:
    home = Home()
    decode = _build_rates(home)
    started = time.perf_counter()
    for _ in range(200):
        home.build("ECS52")
    build = (time.perf_counter() - started) / 200
    print(f"ratio build / decode (ECS52): {build / decode:.2f}")
    asyncio.run(_round_trips(home))
    _process_wall_time()


if __name__ == "__main__":
    main()
