"""`commshub demo`: a hub, its virtual home and a head-end in one process - the whole path, as a transcript.

    commshub demo [--home NAME|FILE] [--seed S]

What it shows, step by step, on virtual time (a gas meter's half-hour wake-up takes no wall time):

1. a hub starts with nothing given: it generates its keys (the test PKI) and exports the key
   store folder a head-end needs, which the head-end loads, as `commshub send --keystore` would;
2. commissioning: CCS01 puts each of the home's meters in the CHF device log with its install
   code (read off its label, as an installer does); the CHF alerts the change (CS14);
3. joins: the meters join the HAN with their install-code keys; the hub opens their tunnels;
4. an hour of the home's life, then a meter read: ECS17b, answered through the ESME's tunnel,
   the registers encrypted for the supplier and decrypted by the head-end;
5. a tariff update: ECS01a, critical - signed by the supplier, the response signed by the meter;
6. a top-up: CS01a with a UTRN made for this meter, then the meter balance read back (ECS82);
7. a gas read: GCS13a to the gas meter itself, which answers at its next wake-up;
8. an alert: ECS01b with a price change due in a quarter of an hour; when it takes effect the
   meter says so with alert 0x8F66 (message code 0x00CC).

The head-end is `firmware.headend` (the builders `commshub send --use-case` uses) on an in-process
WAN pipe; the hub is `firmware.hub.start_hub` on the virtual home of `commshub run`. Each step
prints what was sent and what came back; a step passes when the answer is what the script
expects. Exit codes: 0 every step as expected; 1 some step not; 3 internal error.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from firmware.headend.builder import CommandBuilder
    from firmware.hub import Hub
    from hal.wan import PipeHeadEnd
    from protocols.gbcs import KeyStore, Message

#: The home the demo runs in (hal/virtual/floorplans).
DEFAULT_HOME = "semi-detached"
#: Virtual seconds a step waits for its answer: longer than the gas meter's wake-up interval.
ANSWER_WAIT = 4 * 3600.0
#: Virtual seconds of quiet that end a step: what the hub sends right after a response (CS14 after CCS01).
TRAILING = 1.0
#: Virtual seconds the meters get to join once commissioned: a sleepy gas meter retries at its wake-ups.
JOIN_WAIT = 4 * 3600.0
#: Virtual seconds of the home's life between the joins and the first read, so the registers hold something.
HOME_LIFE = 3600.0
#: Virtual seconds the demo lets pass before the gas read, so that the gas meter has gone back to sleep.
GAS_METER_NAP = 600.0
#: GBP 10 in the meter's units (1/100000 GBP), and what the meter may spend while the top-up is read back.
TOP_UP = 1_000_000
SPENT_MEANWHILE = 1_000
#: What the outcome notes of a successful instruction say (DLMS result, ZCL status, join code).
SUCCESS = {"success", "SUCCESS", "INTEGER: success"}
#: The payload-tree fields that carry an instruction's outcome (as shared/tools/rtds_replay.py reads them).
RESULT_NAMES = {"get", "set", "action", "status", "response-code", "join-response-code", "accepted"}


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "demo",
        help="run a hub, its virtual home and a head-end in one process: commission, join, read, tariff, top-up",
        description="A scripted session through the whole hub, printed as a transcript; exit 0 when every step "
        "got the answer it expects.",
    )
    parser.add_argument("--home", default=DEFAULT_HOME, metavar="NAME|FILE", help=f"the home (default {DEFAULT_HOME})")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed of the home (default 1)")
    return parser


def run(args: argparse.Namespace) -> int:
    from hal import clock

    transcript = Transcript(sys.stdout)
    return clock.run(Demo(transcript, home=args.home, seed=args.seed).run(), virtual=True, seed=args.seed)


@dataclass
class Transcript:
    """The printed session: a line per event, stamped with the hub's UTC time; a run of alerts of one kind from
    one device is one line with their count (a meter catching up on its history raises dozens)."""

    out: TextIO
    steps: list[tuple[str, bool]] = field(default_factory=list)
    _alerts: tuple[str, int, str] | None = None  #: (what, how many, stamp of the first) not yet printed

    def _stamp(self) -> str:
        import asyncio

        loop = asyncio.get_running_loop()
        return datetime.fromtimestamp(getattr(loop, "epoch", 0.0) + loop.time(), UTC).strftime("%Y-%m-%d %H:%M:%S")

    def line(self, text: str) -> None:
        self._flush()
        self.out.write(f"[{self._stamp()}] {text}\n")
        self.out.flush()

    def alert(self, what: str) -> None:
        if self._alerts is not None and self._alerts[0] == what:
            self._alerts = (what, self._alerts[1] + 1, self._alerts[2])
            return
        self._flush()
        self._alerts = (what, 1, self._stamp())

    def _flush(self) -> None:
        if self._alerts is not None:
            what, count, stamp = self._alerts
            self._alerts = None
            self.out.write(f"[{stamp}]     <- {'alert' if count == 1 else f'{count} alerts'} {what}\n")

    def step(self, title: str, passed: bool, detail: str) -> None:
        self.steps.append((title, passed))
        self.line(f"{'ok ' if passed else 'NOT'} {title}: {detail}")


def outcome(message: Message) -> list[tuple[str, str]]:
    """(field, note) of each instruction's outcome in a response, read from its decoded payload tree."""
    found: list[tuple[str, str]] = []
    tree = message.payload_tree
    if tree is None:
        return found
    stack = [json.loads(tree.root.to_json_text())]
    while stack:
        node = stack.pop()
        if node.get("name") in RESULT_NAMES and "children" not in node:
            found.append((node["name"], str(node.get("note", node.get("value")))))
        stack.extend(reversed(node.get("children") or []))
    return found


def summary(message: Message) -> str:
    """`3 x action success, set failure ...`: a response's outcomes, counted in order."""
    counted: list[list[Any]] = []
    for name, note in outcome(message):
        if counted and counted[-1][1:] == [name, note]:
            counted[-1][0] += 1
        else:
            counted.append([1, name, note])
    return ", ".join(f"{count} x {name} {note}" if count > 1 else f"{name} {note}" for count, name, note in counted)


class Demo:
    """The scripted session (see the module docstring)."""

    def __init__(self, transcript: Transcript, *, home: str, seed: int) -> None:
        self.transcript = transcript
        self.home_name = home
        self.seed = seed

    async def run(self) -> int:
        import asyncio
        import random
        import tempfile
        from pathlib import Path

        from firmware.headend.builder import CommandBuilder
        from firmware.headend.counters import NvmCounters
        from firmware.hub import HubConfig, start_hub
        from hal.keystore import load_keystore
        from hal.nvm import NvmStore
        from hal.virtual import load_floorplan
        from hal.wan import WanPipe
        from tools.virtual_hub import build_virtual_home

        loop = asyncio.get_running_loop()
        home = build_virtual_home(load_floorplan(self.home_name), seed=self.seed)
        pipes: list[WanPipe] = []

        def pipe(**callbacks: Any) -> WanPipe:
            pipes.append(WanPipe(**callbacks))
            return pipes[-1]

        config = HubConfig(state_file=":memory:", home=self.home_name, commission=False)
        hub = await start_hub(
            config,
            radios=home.radios,
            store=NvmStore.memory(),
            wan=pipe,
            keystore=None,
            utc=lambda: getattr(loop, "epoch", 0.0) + loop.time(),
            rng=random.Random(self.seed),
            devices=home.devices,
        )
        try:
            await hub.open_wan()
            with tempfile.TemporaryDirectory(prefix="commshub-demo-keys-") as folder:

                def write(name: str, contents: bytes) -> None:
                    (Path(folder) / name).write_bytes(contents)

                names = hub.export_keys(write)
                keystore = load_keystore(folder)
            self.transcript.line(
                f"hub started in the virtual home {self.home_name!r}: CHF {hub.chf.eui.hex()}, "
                f"GPF {hub.gpf.eui.hex()}; keys generated, {len(names)} key store files exported for the head-end"
            )
            head_end = await pipes[0].connect()
            builder = CommandBuilder(keystore, NvmCounters(NvmStore.memory().partition("headend")))
            session = Session(self.transcript, hub, head_end, builder, keystore)
            await session.script()
        finally:
            await hub.close()
        passed = sum(ok for _, ok in self.transcript.steps)
        total = len(self.transcript.steps)
        self.transcript.line(f"demo: {passed} of {total} steps answered as expected")
        return 0 if passed == total else 1


class Session:
    """The head-end's side of the demo: build, send, await, check, print."""

    def __init__(
        self, transcript: Transcript, hub: Hub, head_end: PipeHeadEnd, builder: CommandBuilder, keystore: KeyStore
    ) -> None:
        self.transcript = transcript
        self.hub = hub
        self.head_end = head_end
        self.builder = builder
        self.keystore = keystore
        self.alerts: list[Message] = []

    def _utc(self) -> float:
        import asyncio

        loop = asyncio.get_running_loop()
        return float(getattr(loop, "epoch", 0.0)) + loop.time()

    def _received(self, data: bytes, awaited: Any) -> Message | None:
        from protocols.gbcs import Cra, GbcsDecodeError, parse, registry

        try:
            message = parse(data, self.keystore)
        except GbcsDecodeError as error:
            self.transcript.line(f"    <- undecodable message from the hub: {error}")
            return None
        if message.cra is Cra.ALERT:
            self.alerts.append(message)
            info = registry.lookup(message.message_code)
            name = info.name if info is not None else f"0x{message.message_code:04X}"
            self.transcript.alert(f"{name} from {message.originator.hex()}")
        return message

    async def send(self, name: str, *, trailing: bool = True, **settings: str) -> tuple[Message | None, float]:
        """Build, send and await one use case, then (`trailing`) what the hub sends right after its response;
        (the response or None, virtual seconds it took)."""
        import asyncio

        from firmware.headend.exchange import Awaited
        from tools._headend import exchange, linger

        command = self.builder.build(name, settings, self._utc())
        signed = "signed and MACed" if command.signed else "MACed"
        self.transcript.line(
            f"  -> {name} to {command.recipient.hex()} from {command.originator.hex()}, counter {command.counter}, "
            f"{len(command.data)} bytes, {signed}"
        )
        started = asyncio.get_running_loop().time()
        awaited = Awaited(command.counter, command.recipient, command.originator)
        result = await exchange(self.head_end, command.data, awaited, timeout=ANSWER_WAIT, on_message=self._received)
        elapsed = asyncio.get_running_loop().time() - started
        if trailing:
            await linger(self.head_end, TRAILING, self._received)  # alerts sent right after the response
        if result.response is None:
            self.transcript.line(f"    <- no response ({result.why})")
        else:
            verdicts = result.response.verdicts
            check = "signature" if result.response.signature else "MAC"
            value = verdicts.signature if result.response.signature else verdicts.mac
            self.transcript.line(
                f"    <- response after {elapsed:.0f} s, {check} {value.value}: {summary(result.response)}"
            )
        return result.response, elapsed

    def succeeded(self, response: Message | None) -> bool:
        return (
            response is not None and all(note in SUCCESS for _, note in outcome(response)) and bool(outcome(response))
        )

    async def script(self) -> None:
        import asyncio

        await self.commission()
        await self.joins()
        self.transcript.line(f"the home lives its life for {HOME_LIFE / 3600:g} h (virtual time)")
        await asyncio.sleep(HOME_LIFE)
        await self.meter_read()
        await self.tariff()
        await self.top_up()
        await self.gas_read()
        await self.future_dated_alert()

    async def commission(self) -> None:
        """CCS01 for each of the home's devices, one after the other as an installer's visit sends them."""
        from tools._headend import linger
        from tools.virtual_hub import RTDS_DEVICES

        before = len(self.alerts)
        for node in self.hub.devices:
            kind = next((kind for kind, eui in RTDS_DEVICES.items() if eui == node.eui), "ihd")
            code = node.device.install_code[:16].hex()  # the label: the code without the CRC the device appends
            response, _ = await self.send(
                "CCS01",
                trailing=False,
                device=node.eui.hex(),
                device_type="type2" if kind in ("other", "ihd") else kind,
                install_code=code,
            )
            self.transcript.step(
                f"commission {kind} {node.eui.hex()}", self.succeeded(response), "in the CHF device log"
            )
        await linger(self.head_end, TRAILING, self._received)
        changes = sum(alert.message_code == 0x0018 for alert in self.alerts[before:])
        self.transcript.step(
            "device log change alerts (CS14)",
            changes == len(self.hub.devices),
            f"{changes} for {len(self.hub.devices)} devices",
        )

    async def joins(self) -> None:
        joined = await self.hub.ready(timeout=JOIN_WAIT)
        entries = self.hub.chf.device_log.entries()
        detail = ", ".join(f"{entry.eui.hex()} {'joined' if entry.joined else 'NOT joined'}" for entry in entries)
        self.transcript.step("joins", joined, detail)

    async def meter_read(self) -> None:
        response, _ = await self.send("ECS17b")
        decrypted = (
            response is not None
            and bool(response.payload_tree)
            and all(
                d.status == "decrypted"
                for d in response.payload_tree.decryptions  # type: ignore[union-attr]
            )
        )
        energy = _import_register(response) if decrypted and response is not None else None
        detail = (
            f"active import register {energy} Wh, decrypted by the head-end" if energy is not None else "no reading"
        )
        self.transcript.step("meter read (ECS17b)", self.succeeded(response) and energy is not None, detail)

    async def tariff(self) -> None:
        response, _ = await self.send("ECS01a", prices="2500,1200", switches="00:00=2,07:00=1,23:00=2")
        signed = response is not None and response.verdicts.signature.value == "valid"
        self.transcript.step(
            "tariff update (ECS01a)", self.succeeded(response) and signed, "response signed by the meter"
        )

    async def top_up(self) -> None:
        before = _balance(*(await self.send("ECS82")))
        response, _ = await self.send("CS01a", value="10", unit="pounds")
        after = _balance(*(await self.send("ECS82")))
        added = None if before is None or after is None else after - before
        detail = f"meter balance {before} -> {after} (1/100000 GBP)" if added is not None else "balance unread"
        credited = added is not None and TOP_UP - SPENT_MEANWHILE <= added <= TOP_UP
        self.transcript.step("top-up (CS01a, UTRN for GBP 10)", self.succeeded(response) and credited, detail)

    async def gas_read(self) -> None:
        import asyncio

        await asyncio.sleep(GAS_METER_NAP)  # the gas meter dozes off between its wake-ups
        response, elapsed = await self.send("GCS13a", target="gsme")
        self.transcript.step(
            "gas read (GCS13a) through the sleepy gas meter",
            self.succeeded(response) and elapsed > 0,
            f"queued by the CHF, answered at the meter's next wake-up, {elapsed / 60:.0f} min after it was sent",
        )

    async def future_dated_alert(self) -> None:
        import asyncio

        from firmware.headend.exchange import alert_code
        from tools._headend import linger

        response, _ = await self.send("ECS01b", prices="2600,1300", execute_at="+15m")
        before = len(self.alerts)
        deadline = asyncio.get_running_loop().time() + 3600
        while asyncio.get_running_loop().time() < deadline and not _future_dated(self.alerts[before:]):
            await linger(self.head_end, 600.0, self._received)
        arrived = _future_dated(self.alerts[before:])
        code = None if arrived is None else alert_code(arrived.payload)
        detail = f"alert 0x{code:04X} (future-dated change actioned)" if code is not None else "no alert within an hour"
        self.transcript.step(
            "future-dated price change and its alert", self.succeeded(response) and code == 0x8F66, detail
        )


def _future_dated(alerts: list[Message]) -> Message | None:
    return next((alert for alert in alerts if alert.message_code == 0x00CC), None)


def _import_register(response: Message) -> int | None:
    """The active import register in an ECS17b response's decrypted collection (meters.md 2.2)."""
    from protocols.dlms import Integer, Structure, axdr

    tree = response.payload_tree
    if tree is None or not tree.decryptions or tree.decryptions[0].plaintext is None:
        return None
    value = axdr.parse(tree.decryptions[0].plaintext)
    while isinstance(value, Structure) and value.items:
        value = value.items[0]
    return value.value if isinstance(value, Integer) else None


def _balance(response: Message | None, _elapsed: float = 0.0) -> int | None:
    """The meter balance an ECS82 response reads (class 112 attribute 2, a double-long)."""
    from protocols import dlms
    from protocols.dlms import AccessResponse, Integer

    if response is None:
        return None
    answer = dlms.parse(response.payload)
    if not isinstance(answer, AccessResponse) or not answer.data or not isinstance(answer.data[0], Integer):
        return None
    return answer.data[0].value
