"""`commshub rig ...`: Raspberry Pi test rigs (docs/rig.md).

    commshub rig keygen | build | verify | image | install | status | rollback | deploy

One module per job, each with `add_parser(subparsers)` and `run(args)` like the top-level
sub-commands. They are imported only when their command runs: the first-boot bootstrap imports
`tools.rig.bootstrap` with nothing but the standard library (it runs from the bundle's wheel on a
Pi that has no commshub yet), so importing this package must not pull in `cryptography`.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

#: Modules under tools.rig holding a `rig` sub-command (keygen, build, verify, image, install,
#: status, rollback, deploy), in the order `--help` lists them.
COMMAND_MODULES = ("signing", "bundle", "verify", "image", "install", "status", "rollback", "deploy")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("rig", help="Raspberry Pi test rigs: build, image, install, update, deploy")
    add_commands(parser)
    return parser


def add_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="rig_command", metavar="RIG_COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(f"tools.rig.{module_name}")
        sub = module.add_parser(commands)
        sub.set_defaults(_rig_run=module.run)


def run(args: argparse.Namespace) -> int:
    return int(args._rig_run(args))


def main(argv: list[str] | None = None) -> int:
    """`python -m tools.rig ...` (see __main__.py)."""
    parser = argparse.ArgumentParser(prog="python -m tools.rig", description="commshub Raspberry Pi rig commands")
    add_commands(parser)
    return run(parser.parse_args(argv))
