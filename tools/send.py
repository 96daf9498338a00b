"""`commshub send`: a test head-end - send GBCS commands to a hub's WAN port and print what comes back.

    commshub send [--to HOST:PORT] [--keystore DIR] [--state FILE] [--json] [--timeout S] [--wait-alerts S]
                  [INPUT ...] [--use-case NAME [--set KEY=VALUE ...]] ...
    commshub send --list-use-cases [--json]

An INPUT is a GBCS message file (hex, base64 or binary, as `commshub decode` reads them), sent
byte for byte - an RTDS COMMAND, say. `--use-case NAME` builds a fresh command of that use case
(`firmware.headend`), with `--set key=value` parameters (`--list-use-cases` lists both), sealed with
the key store's remote-party keys and the next originator counter from the state file. Files go
first, then the use cases, each in the order given; each command is answered before the next is sent.

Each message the hub sends back - the response, and any alert - is printed as `commshub decode`
prints it (`--json`: the same JSON Lines records, one per message received). A response is matched
to its command by counter and by who sent it; a command the hub or the device refuses gets no
response (GBCS answers nothing that cannot be trusted), so after `--timeout` seconds, or sooner
when the device's refusal alert arrives, it is reported "no response" on stderr. After the last
command the connection stays open until `--wait-alerts` seconds pass with nothing more arriving.

Keys: `--keystore DIR` (the folder `commshub run --export-keys DIR` writes for a hub that generated
its keys, or the RTDS key store), else `$COMMSHUB_KEYSTORE`, else `<state dir>/keys` when it
exists. Files need none to be sent; the answers are then decoded without verification.

Counters: `--state FILE` (SQLite), default `<state dir>/headend.sqlite`, where the state dir is
`$COMMSHUB_STATE_DIR`, else `$XDG_STATE_HOME/commshub`, else `~/.local/state/commshub`.

Exit codes: 0 every command answered; 1 some got no response, or the hub could not be reached or
hung up; 2 usage (no input, unknown use case, bad parameter, missing key, unreadable key store or
file); 3 internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from firmware.headend.builder import BuiltCommand
    from firmware.headend.exchange import Awaited
    from protocols.gbcs import KeyStore, Message


def default_state_dir() -> Path:
    """Where a head-end keeps its counters and finds a key store by default (see the module docstring)."""
    explicit = os.environ.get("COMMSHUB_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "commshub"


class _UseCase(argparse.Action):
    """`--use-case NAME`: a new use case, in order."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: str | None = None) -> None:
        namespace.use_cases.append((values, []))


class _Set(argparse.Action):
    """`--set KEY=VALUE`: a parameter of the `--use-case` before it."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: str | None = None) -> None:
        if not namespace.use_cases:
            parser.error(f"--set {values} comes before any --use-case")
        namespace.use_cases[-1][1].append(values)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "send",
        help="send GBCS commands (files or use cases) to a hub and print the answers",
        description="A test head-end: send GBCS messages to a hub's WAN port, print responses and alerts.",
    )
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="GBCS message file (hex, base64 or binary)")
    parser.add_argument("--to", default=None, metavar="HOST:PORT", help="the hub's WAN port (default 127.0.0.1:8765)")
    parser.add_argument("--keystore", metavar="DIR", help="key store folder (<eui>-<ka|ds|pp-ka>.<pem|key>)")
    parser.add_argument("--state", metavar="FILE", help="counter state file (SQLite)")
    parser.add_argument("--json", action="store_true", help="one JSON object per message received (JSON Lines)")
    parser.add_argument("--timeout", type=_seconds, default=30.0, metavar="S", help="wait for each response (30)")
    parser.add_argument(
        "--wait-alerts", type=_seconds, default=0.5, metavar="S", help="after the last answer, wait S s of quiet (0.5)"
    )
    parser.add_argument(
        "--use-case", action=_UseCase, dest="use_cases", default=[], metavar="NAME", help="build a command (repeatable)"
    )
    parser.add_argument("--set", action=_Set, metavar="KEY=VALUE", help="a parameter of the --use-case before it")
    parser.add_argument("--list-use-cases", action="store_true", help="list the use cases and their parameters")
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value <= 86_400:
        raise argparse.ArgumentTypeError(f"{value} is outside 0..86400 seconds")
    return value


class UsageError(ValueError):
    """Something wrong with what was asked: reported on one line, exit 2."""


@dataclass
class Outgoing:
    """One message to send and what its response is recognised by."""

    source: str
    data: bytes
    awaited: Awaited


def run(args: argparse.Namespace) -> int:
    out, err = sys.stdout, sys.stderr
    if args.list_use_cases:
        return _list(args.json, out)
    if not args.inputs and not args.use_cases:
        print("commshub send: give INPUT files or --use-case NAME (see --list-use-cases)", file=err)
        return 2
    try:
        host, port = _address(args.to)
        keystore = _keystore(args.keystore, needed=bool(args.use_cases))
        outgoing = [_file(source) for source in args.inputs]
        outgoing += _build(args.use_cases, keystore, args.state)
    except UsageError as error:
        print(f"commshub send: {error}", file=err)
        return 2
    from hal import clock
    from tools import zcl_cache

    zcl_cache.load(zcl_cache.cache_dir())
    session = Session(keystore, args.json, out, err, timeout=args.timeout, quiet=args.wait_alerts)
    return clock.run(session.run(host, port, outgoing))


def _list(as_json: bool, out: TextIO) -> int:
    from firmware.headend import catalogue

    if as_json:
        for use_case in catalogue.USE_CASES.values():
            out.write(json.dumps(catalogue.describe(use_case)) + "\n")
    else:
        out.write(catalogue.listing())
    return 0


def _address(text: str | None) -> tuple[str, int]:
    from hal.wan import DEFAULT_HOST, DEFAULT_PORT

    if text is None:
        return DEFAULT_HOST, DEFAULT_PORT
    host, colon, port = text.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--to {text!r}: expected HOST:PORT with a port 1..65535")
    return host.strip("[]"), int(port)


def _keystore(folder: str | None, *, needed: bool) -> KeyStore | None:
    from hal.keystore import load_keystore
    from protocols.gbcs import KeyStoreError

    chosen = folder or os.environ.get("COMMSHUB_KEYSTORE")
    if chosen is None:
        exported = default_state_dir() / "keys"
        if not exported.is_dir():
            if needed:
                raise UsageError(
                    f"no key store: give --keystore DIR (a hub's `commshub run --export-keys DIR`, or the RTDS one, "
                    f"shared/gbcs/keystore), set $COMMSHUB_KEYSTORE, or keep one in {exported}"
                )
            return None
        chosen = str(exported)
    try:
        return load_keystore(chosen)
    except KeyStoreError as error:
        raise UsageError(str(error)) from None


def _file(source: str) -> Outgoing:
    """A message file, and what its response will carry if it is a command we can read."""
    from firmware.headend.exchange import Awaited
    from protocols.gbcs import Cra, GbcsDecodeError
    from protocols.gbcs.envelope import decode
    from tools.decode_input import InputError, read_input

    try:
        data = read_input(source)
    except InputError as error:
        raise UsageError(str(error)) from None
    try:
        message, _ = decode(data)
    except GbcsDecodeError:
        return Outgoing(source, data, Awaited(None, None, None))  # sent as is: the hub will say what it thinks
    if message.cra is not Cra.COMMAND:
        return Outgoing(source, data, Awaited(None, None, None))
    return Outgoing(source, data, Awaited(message.originator_counter, message.recipient, message.originator))


def _build(use_cases: list[tuple[str, list[str]]], keystore: KeyStore | None, state: str | None) -> list[Outgoing]:
    """Every use case built before anything is sent, so a bad one stops the run before it starts."""
    if not use_cases:
        return []
    assert keystore is not None
    from firmware.headend.builder import CommandBuilder, MissingKey
    from firmware.headend.catalogue import UnknownUseCase
    from firmware.headend.counters import NvmCounters
    from firmware.headend.exchange import Awaited
    from firmware.headend.parameters import ParameterError, parse_settings
    from hal.nvm import NvmError, NvmStore

    path = Path(state) if state else default_state_dir() / "headend.sqlite"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        store = NvmStore.open(path)
    except (OSError, NvmError) as error:
        raise UsageError(f"state file {path}: {error}") from None
    builder = CommandBuilder(keystore, NvmCounters(store.partition("headend")))
    built: list[BuiltCommand] = []
    try:
        for name, settings in use_cases:
            try:
                built.append(builder.build(name, parse_settings(settings), time.time()))
            except (UnknownUseCase, ParameterError, MissingKey) as error:
                raise UsageError(f"--use-case {name}: {error}") from None
    finally:
        store.close()
    return [Outgoing(f"use-case:{c.use_case}", c.data, Awaited(c.counter, c.recipient, c.originator)) for c in built]


class Session:
    """One connection to the hub: each command sent, its answer awaited, everything received printed."""

    def __init__(
        self, keystore: KeyStore | None, as_json: bool, out: TextIO, err: TextIO, *, timeout: float, quiet: float
    ) -> None:
        self.keystore = keystore
        self.as_json = as_json
        self.out = out
        self.err = err
        self.timeout = timeout
        self.quiet = quiet
        self._sources: dict[int | None, str] = {}

    async def run(self, host: str, port: int, outgoing: list[Outgoing]) -> int:
        from hal.wan import WanClient, WanClosed, WanConnectError
        from tools._headend import exchange, linger

        try:
            head_end = await WanClient.connect(host, port, timeout=self.timeout)
        except WanConnectError as error:
            self.err.write(f"commshub send: {error}\n")
            return 1
        unanswered = 0
        try:
            for item in outgoing:
                self._sources[item.awaited.counter] = item.source
                outcome = await exchange(
                    head_end, item.data, item.awaited, timeout=self.timeout, on_message=self._print
                )
                if outcome.response is None:
                    self.err.write(f"commshub send: {item.source}: no response ({outcome.why})\n")
                    unanswered += 1
            await linger(head_end, self.quiet, self._print)
        except WanClosed as error:
            self.err.write(f"commshub send: {host}:{port}: {error}\n")
            return 1
        finally:
            await head_end.close()
        return 1 if unanswered else 0

    def _print(self, data: bytes, awaited: Awaited | None) -> Message | None:
        """Decode and print one received message as `commshub decode` would; the message (None: undecodable).

        The record's source is the input the message answers, `alert from <EUI>` for an alert, else its kind."""
        from firmware.headend.exchange import answers
        from protocols.gbcs import Cra
        from tools.decode import decode_one, render

        message, error = decode_one(data, self.keystore)
        source = "hub"
        if message is not None:
            source = message.cra.label
            if message.cra is Cra.ALERT:
                source = f"alert from {message.originator.hex()}"
            elif awaited is not None and answers(message, awaited):
                source = self._sources.get(awaited.counter, source)
        text = render(source, message, error, as_json=self.as_json)
        (self.out if self.as_json or message is not None else self.err).write(text)
        self.out.flush()
        return message
