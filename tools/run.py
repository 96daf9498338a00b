"""`commshub run`: the hub - CHF, GPF, its WAN port and its virtual home - until SIGINT or SIGTERM.

    commshub run [--config FILE] [--home NAME|FILE] [--listen HOST:PORT] [--state FILE]
                 [--keystore DIR] [--export-keys DIR] [--fast] [--seed S]

Builds the hub with `firmware.hub.start_hub` from the configuration (the rig's TOML file,
docs/hub.md; options override it), on a `hal.nvm` state file, a `hal.wan` TCP port, and the
virtual radios of the home (`tools.virtual_hub`): the emulated ESME, GSME, PPMID, HCALCS and
a6 device at their RTDS identities, and the home's in-home displays. Prints a live log of
joins, commands, responses and alerts (the hub's UTC time first), and tells a service manager
READY once the WAN port listens and the HAN is formed (`hal.service`), WATCHDOG while it runs,
STOPPING when it stops.

Time: real time by default; the hub serves once its network is formed, its devices joining
meanwhile. `--fast` runs virtual time that keeps pace with real time and jumps ahead only while
the hub waits for the HAN (`hal.fast_forward`, `HubRuntime.busy`): a gas command waits for the
meter's next wake-up in no wall time, but an idle hub does not age between two commands. A
`--fast` hub listens once its devices joined and, at a first start, once `[clock] history` of
its home's life has been simulated; its NVM survives a killed process (`Durability.NORMAL`),
a real-time hub's a power cut (`FULL`).

Keys: `--keystore DIR` (e.g. the RTDS key store) gives the hub and devices their keys and the
remote parties' certificates; without one, test keys are generated on first start and kept in
the state file. `--export-keys DIR` writes the key store folder a head-end needs
(`commshub send --keystore DIR`).

Exit codes: 0 stopped by SIGINT / SIGTERM; 2 bad options, configuration, home, key store,
state file, or a WAN address that cannot be listened on; 3 an internal error.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import threading
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._options import add_home_option

if TYPE_CHECKING:
    from firmware.hub import Hub, HubConfig
    from hal.nvm import NvmStore
    from hal.radio import Radio
    from hal.service import ServiceNotifier

LOGGER = logging.getLogger("commshub.run")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "run",
        help="run the hub: CHF + GPF on a WAN port, with its virtual home (ESME, GSME, PPMID, ...)",
        description="The Communications Hub with its WAN port (4-byte length + GBCS message over TCP) and the "
        "emulated devices of a virtual home, until SIGINT/SIGTERM; a live log of joins, commands, responses, alerts.",
    )
    parser.add_argument("--config", metavar="FILE", help="hub configuration TOML (the rig's hub.toml; docs/hub.md)")
    add_home_option(parser)
    parser.set_defaults(home=None)
    parser.add_argument("--listen", metavar="HOST:PORT", help="WAN address (default 127.0.0.1:8765)")
    parser.add_argument("--state", metavar="FILE", help="the NVM state file (default ./commshub.sqlite)")
    parser.add_argument("--keystore", metavar="DIR", help="GBCS key store folder (default: generated test keys)")
    parser.add_argument("--export-keys", metavar="DIR", help="write the head-end's key store folder here")
    parser.add_argument("--fast", action="store_true", help="virtual time, jumping ahead while the hub waits")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed of the virtual home (default 0)")
    return parser


def load_config(args: argparse.Namespace) -> HubConfig:
    """The configuration file's values with the options on top; ConfigError naming the bad key or option."""
    from dataclasses import replace

    from firmware.hub import ConfigError, HubConfig, parse_config
    from firmware.hub.config import parse_listen

    if args.config is not None:
        try:
            data = tomllib.loads(Path(args.config).read_text())
        except OSError as error:
            raise ConfigError("--config", f"{args.config}: {error.strerror or error}") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError("--config", f"{args.config}: not valid TOML: {error}") from None
        config = parse_config(data, args.config)
    else:
        config = HubConfig(state_file="commshub.sqlite")
    changes: dict[str, Any] = {}
    if args.listen is not None:
        changes["listen_host"], changes["listen_port"] = parse_listen(args.listen, "--listen")
    if args.state is not None:
        changes["state_file"] = args.state
    if args.keystore is not None:
        changes["keystore_dir"] = args.keystore
    if args.home is not None:
        changes["home"] = args.home
    return replace(config, **changes)


class _HubTime(logging.Formatter):
    """Log lines stamped with the hub's UTC time (virtual under `--fast`)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return super().formatTime(record, datefmt)
        epoch = getattr(loop, "epoch", time.time() - loop.time())
        return datetime.fromtimestamp(epoch + loop.time(), UTC).strftime("%Y-%m-%d %H:%M:%S")


def _logging(verbose: int) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_HubTime("%(asctime)s %(message)s"))
    for name in ("commshub.hub", "commshub.run"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if verbose else logging.INFO)
        logger.propagate = False


def run(args: argparse.Namespace) -> int:
    from firmware.hub import ConfigError

    _logging(args.verbose if hasattr(args, "verbose") else 0)
    try:
        config = load_config(args)
    except ConfigError as error:
        print(f"commshub run: {error}", file=sys.stderr)
        return 2
    return _serve(config, args)


def _serve(config: HubConfig, args: argparse.Namespace) -> int:
    from firmware.hub import ConfigError
    from firmware.hub.runtime import CLOCK_NOTE
    from hal.clock import new_real_loop
    from hal.fast_forward import FastForwardLoop
    from hal.nvm import Durability, NvmError, NvmStore

    # A --fast hub is a test tool: its NVM must survive a killed process (NORMAL); a real-time one, a power cut.
    durability = Durability.NORMAL if args.fast else Durability.FULL
    try:
        store = NvmStore.open(config.state_file, durability=durability)
    except NvmError as error:
        print(f"commshub run: --state: {error}", file=sys.stderr)
        return 2
    loop: asyncio.AbstractEventLoop
    if args.fast:
        noted = store.partition("hub").get(CLOCK_NOTE)
        if noted is not None:  # a restart: the clock goes on from where it was (a power cut's time passes)
            epoch = max(float(noted), config.clock_start or time.time())
        else:  # the first start: the home's simulated history ends at the start time
            epoch = (config.clock_start if config.clock_start is not None else time.time()) - config.history
        loop = FastForwardLoop(epoch=epoch, seed=args.seed)
    else:
        loop = new_real_loop()
    try:
        return loop.run_until_complete(_main(config, args, loop, store))
    except (ConfigError, NvmError, _StartError) as error:
        print(f"commshub run: {error}", file=sys.stderr)
        return 2
    finally:
        _finish(loop)
        store.close()


def _finish(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what still runs and let it end, as `asyncio.run` does, then close the loop."""
    tasks = asyncio.all_tasks(loop)
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


class _StartError(Exception):
    """Something the hub needs at start cannot be had (the key store folder, the home, the WAN port)."""


async def _main(config: HubConfig, args: argparse.Namespace, loop: asyncio.AbstractEventLoop, store: NvmStore) -> int:
    import functools
    import random

    from firmware.devices.han_devices import DeviceConfigError
    from firmware.hub import start_hub
    from hal.fast_forward import FastForwardLoop
    from hal.keystore import load_keystore
    from hal.service import ServiceNotifier
    from hal.virtual import FloorPlanError, load_floorplan
    from hal.wan import WanListenError, WanServer
    from protocols.gbcs.keystore import KeyStoreError
    from tools.virtual_hub import VirtualHomeError, build_virtual_home

    keystore = None
    if config.keystore_dir:
        try:
            keystore = load_keystore(config.keystore_dir)
        except (KeyStoreError, OSError) as error:
            raise _StartError(f"--keystore: {error}") from None
    if config.home:
        try:
            home = build_virtual_home(
                load_floorplan(config.home), seed=args.seed, hub=config.hub_node, dual_band=config.dual_band
            )
        except (FloorPlanError, VirtualHomeError) as error:
            raise _StartError(str(error)) from None
        radios, devices, skipped = home.radios, home.devices, home.skipped
        duty_cycle = home.duty_cycle if home.dual_band else None
    else:
        radios, devices, skipped, duty_cycle = await _real_radios(config), [], {}, None
    epoch = getattr(loop, "epoch", time.time() - loop.time())
    stop = asyncio.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    try:
        try:
            hub = await start_hub(
                config,
                radios=radios,
                store=store,
                wan=functools.partial(WanServer, config.listen_host, config.listen_port),
                keystore=keystore,
                utc=lambda: epoch + loop.time(),
                rng=random.Random(args.seed),
                devices=devices,
                duty_cycle=duty_cycle,
            )
        except DeviceConfigError as error:
            raise _StartError(str(error)) from None
        if isinstance(loop, FastForwardLoop):
            loop.hurry = lambda: hub.runtime.busy
        notifier = ServiceNotifier.from_environment()
        try:
            _started(hub, config, skipped, keystore is not None, args.export_keys)
            if isinstance(loop, FastForwardLoop):
                # --fast: head-ends meet a home whose devices joined (and, at a first start, that has lived)
                preparing = asyncio.ensure_future(_prepare(hub, config, loop))
                await _until(stop, preparing)
                if not preparing.done():
                    preparing.cancel()
                    return 0
            else:
                # real time: serve once the HAN is formed; devices join meanwhile (commands for one that has
                # not joined yet get the delivery-failure alert, as from a real hub)
                hub.runtime.tasks.spawn(hub.ready())
            try:
                await hub.open_wan()
            except WanListenError as error:
                raise _StartError(str(error)) from None
            _service_ready(hub, notifier)
            await stop.wait()
        finally:
            LOGGER.info("stopping")
            notifier.stopping()
            await hub.close()
    finally:
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)
    return 0


async def _real_radios(config: HubConfig) -> list[Radio]:
    """The rig's radios (`[han] radios`), 2.4 GHz first (`hal.radios`: a Spinel RCP is a raw radio our stack
    drives); the HAN then has only the devices that join over real air."""
    from hal.radio import RadioError
    from hal.radios import RadioSpecError, open_raw_radio, parse_radio_spec

    radios = []
    for spec in sorted(config.radios, key=lambda radio: radio.band != "2.4GHz"):
        try:
            radios.append(await open_raw_radio(parse_radio_spec(f"{spec.kind}:{spec.path}")))
        except (RadioSpecError, RadioError, OSError) as error:
            raise _StartError(f"han.radios: {spec.kind}:{spec.path}: {error}") from None
    return radios


async def _prepare(hub: Hub, config: HubConfig, loop: asyncio.AbstractEventLoop) -> None:
    """Until the hub may serve: its devices joined and, at a `--fast` first start, the home's history simulated."""
    from hal.fast_forward import FastForwardLoop

    await hub.ready()
    if not (hub.first_start and config.history > 0 and isinstance(loop, FastForwardLoop)):
        return
    LOGGER.info("simulating %.0f s of the home's life before serving", config.history)
    hurry, loop.hurry = loop.hurry, lambda: True
    try:
        await asyncio.sleep(config.history)
    finally:
        loop.hurry = hurry


async def _until(stop: asyncio.Event, task: asyncio.Future[Any]) -> None:
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({stopping, task}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()


def _started(hub: Hub, config: HubConfig, skipped: dict[str, str], given_keys: bool, export: str | None) -> None:
    wan = hub.wan
    port = getattr(wan, "port", config.listen_port)
    keys = f"key store {config.keystore_dir}" if given_keys else "generated test keys (kept in the state file)"
    LOGGER.info(
        "hub CHF %s GPF %s on %s:%s, state %s, %s",
        hub.chf.eui.hex(),
        hub.gpf.eui.hex(),
        config.listen_host,
        port,
        config.state_file,
        keys,
    )
    for node in hub.devices:
        LOGGER.info("device %s %s", node.name, node.eui.hex())
    for name, why in skipped.items():
        LOGGER.info("node %s not emulated: %s", name, why)
    if export is not None:
        folder = Path(export)
        folder.mkdir(parents=True, exist_ok=True)

        def write(name: str, pem: bytes) -> None:
            (folder / name).write_bytes(pem)

        names = hub.export_keys(write)
        LOGGER.info("wrote %d key store files to %s", len(names), folder)


def _service_ready(hub: Hub, notifier: ServiceNotifier) -> None:
    """Tell a service manager the hub serves (the WAN listens, the HAN is formed), and keep its watchdog fed."""
    notifier.ready(f"serving on port {getattr(hub.wan, 'port', '?')}")
    interval = notifier.watchdog_interval
    if interval is not None:
        threading.Thread(target=_watchdog, args=(notifier, interval, hub), daemon=True).start()


def _watchdog(notifier: ServiceNotifier, interval: float, hub: Hub) -> None:
    """WATCHDOG=1 every `interval` real seconds while the hub runs (a thread: `--fast` time is not real time)."""
    while not hub.runtime.closed:
        notifier.watchdog()
        time.sleep(interval)
