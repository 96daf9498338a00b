"""`commshub`: one entry point, one module per sub-command (style.md, CLI).

Each sub-command lives in `tools/<name>.py` with `add_parser(subparsers)` and
`run(args) -> int`; this module only wires them together and turns uncaught
errors into one line on stderr (the traceback only under `-v`).

Exit codes: 0 success; 1 the work ran but some input failed (e.g. a message
that does not decode); 2 usage error; 3 an unexpected internal error.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback

#: Sub-command module names under `tools`, in the order `--help` lists them.
SUBCOMMANDS = ("home", "run", "send", "demo", "decode", "survey", "ca", "rig", "dongle", "sniff", "inject")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="commshub", description="GB smart-metering Communications Hub emulator")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging; -v also shows tracebacks")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"tools.{name}")
        sub = module.add_parser(subparsers)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args._run(args))
    except KeyboardInterrupt:
        print("commshub: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the CLI's one catch-all: report, never crash with a bare traceback
        if args.verbose:
            traceback.print_exc()
        print(f"commshub {args.command}: error: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
