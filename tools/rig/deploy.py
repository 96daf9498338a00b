"""`commshub rig deploy`: push a bundle to many rigs over SSH and install it, in parallel.

    commshub rig deploy HOST... --bundle B [--ssh-config FILE] [--identity KEY] [-o OPTION]...
                        [--jobs N] [--root DIR] [--service S] [--timeout S] [--no-compile] [--json]

HOST is `[user@]host[:port]` or an alias of the SSH config. For each rig, at most `--jobs` at
once: `scp` the bundle and `commshub-rig-bootstrap` to a fresh /var/tmp/commshub-deploy.XXXXXX/
folder, then `ssh` to run the bootstrap (with `sudo -n` unless the login is root), which installs
with the rig's own commshub, or bootstraps one from the bundle on a rig that has none; the folder
is removed afterwards. The rig verifies the bundle
against its own trusted keys: deploying cannot make a rig accept an unsigned bundle.

Why the system `ssh` and `scp`: they read the lab's ~/.ssh/config, agents, jump hosts and known
hosts exactly as an engineer's shell does, and need no extra dependency. Each call runs with
`BatchMode=yes` (a rig that wants a password fails at once instead of hanging the run).

One line per rig as it finishes: `HOST  RESULT  version V slot S  DETAIL`; `--json` prints one
JSON object per rig instead. `--root` may contain `{host}` (one folder per rig, e.g. several
test roots behind one SSH server).

Exit codes: 0 every rig installed and healthy; 1 at least one did not (its line says why).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tools.rig.bundle import data_file

UPLOAD_PREFIX = "/var/tmp/commshub-deploy"
BOOTSTRAP = "commshub-rig-bootstrap"


@dataclass(frozen=True, slots=True)
class SshOptions:
    config: Path | None = None
    identity: Path | None = None
    options: tuple[str, ...] = ()
    connect_timeout: int = 10

    def arguments(self, port_flag: str, port: int | None) -> list[str]:
        arguments = ["-o", "BatchMode=yes", "-o", f"ConnectTimeout={self.connect_timeout}"]
        if self.config:
            arguments += ["-F", str(self.config)]
        if self.identity:
            arguments += ["-i", str(self.identity)]
        for option in self.options:
            arguments += ["-o", option]
        if port is not None:
            arguments += [port_flag, str(port)]
        return arguments


@dataclass(frozen=True, slots=True)
class RigHost:
    name: str  # as given on the command line
    destination: str  # [user@]host for ssh / scp
    port: int | None

    @classmethod
    def parse(cls, text: str) -> RigHost:
        """`[user@]host[:port]` (an IPv6 address goes through an SSH config alias instead)."""
        destination, sep, port = text.partition(":")
        if sep and port.isdigit() and ":" not in port:
            return cls(text, destination, int(port))
        return cls(text, text, None)


@dataclass(frozen=True, slots=True)
class DeployResult:
    host: str
    ok: bool
    result: str
    version: str | None
    slot: str | None
    detail: str

    def line(self, width: int) -> str:
        where = f"version {self.version} slot {self.slot}" if self.version else ""
        return f"{self.host:<{width}}  {self.result:<11}  {where}  {self.detail}".rstrip()


async def _call(command: list[str], timeout: float) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        return -1, "", f"no answer within {timeout:g} s"
    return process.returncode or 0, stdout.decode(errors="replace"), stderr.decode(errors="replace")


def remote_install_command(folder: str, bundle_name: str, install_arguments: Sequence[str]) -> str:
    """The shell command the rig runs: the bootstrap as root (sudo -n unless already root), then
    the upload folder is removed (a rig's SD card is small), keeping the install's exit status."""
    files = (f"{folder}/{BOOTSTRAP}", f"{folder}/{bundle_name}")
    install = " ".join(shlex.quote(part) for part in ("sh", *files, *install_arguments))
    sudo = 'if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo -n"; fi'
    return f"{sudo}; $sudo {install}; status=$?; $sudo rm -rf {shlex.quote(folder)}; exit $status"


async def deploy_one(
    host: RigHost,
    bundle: Path,
    bootstrap: Path,
    ssh: SshOptions,
    install_arguments: Sequence[str],
    timeout: float,
) -> DeployResult:
    """One rig: a fresh upload folder (so concurrent deploys never share files), copy, install."""
    ssh_command = ["ssh", *ssh.arguments("-p", host.port), host.destination]
    code, out, err = await _call([*ssh_command, f"mktemp -d {UPLOAD_PREFIX}.XXXXXX"], timeout)
    folder = out.strip()
    if code != 0 or not folder.startswith(UPLOAD_PREFIX):
        return DeployResult(host.name, False, "connect-failed", None, None, _last_line(err) or out.strip())
    scp = ["scp", "-q", *ssh.arguments("-P", host.port), str(bundle), str(bootstrap), f"{host.destination}:{folder}/"]
    code, _out, err = await _call(scp, timeout)
    if code != 0:
        await _call([*ssh_command, f"rm -rf {shlex.quote(folder)}"], timeout)
        return DeployResult(host.name, False, "copy-failed", None, None, _last_line(err))
    command = remote_install_command(folder, bundle.name, [*install_arguments, "--json"])
    code, out, err = await _call([*ssh_command, command], timeout)
    report = _json_line(out)
    if report is None:
        return DeployResult(host.name, False, "failed", None, None, _last_line(err) or f"exit status {code}")
    ok = code == 0 and report.get("result") in ("installed", "staged")
    return DeployResult(
        host.name,
        ok,
        str(report.get("result")),
        report.get("version"),
        report.get("slot"),
        str(report.get("health") or report.get("detail") or ""),
    )


async def deploy(
    hosts: Sequence[RigHost],
    bundle: Path,
    *,
    ssh: SshOptions,
    install_arguments: Callable[[RigHost], Sequence[str]],
    jobs: int = 8,
    timeout: float = 900.0,
    on_result: Callable[[DeployResult], None] | None = None,
) -> list[DeployResult]:
    """Deploy to every host, `jobs` at a time; `on_result` sees each rig's result as it finishes."""
    limit = asyncio.Semaphore(jobs)
    with tempfile.TemporaryDirectory(prefix="commshub-deploy-") as folder:
        bootstrap = Path(folder) / BOOTSTRAP  # scp keeps the name: the remote command expects it
        bootstrap.write_bytes(data_file(BOOTSTRAP))

        async def one(host: RigHost) -> DeployResult:
            async with limit:
                result = await deploy_one(host, bundle, bootstrap, ssh, install_arguments(host), timeout)
            if on_result:
                on_result(result)
            return result

        return list(await asyncio.gather(*(one(host) for host in hosts)))


def _json_line(text: str) -> dict[str, Any] | None:
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("deploy", help="push a bundle to rigs over SSH and install it, in parallel")
    parser.add_argument("hosts", nargs="+", metavar="HOST", help="[user@]host[:port] or an SSH config alias")
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--ssh-config", type=Path, help="ssh -F FILE")
    parser.add_argument("--identity", type=Path, help="ssh -i KEY")
    parser.add_argument("-o", dest="ssh_options", action="append", default=[], help="an ssh -o OPTION (repeatable)")
    parser.add_argument("--jobs", type=int, default=8, help="rigs at once (default 8)")
    parser.add_argument("--root", help="install under this folder on each rig ({host} is replaced)")
    parser.add_argument("--service", choices=("auto", "systemd", "process", "none"), default="auto")
    parser.add_argument("--timeout", type=float, default=120.0, help="each rig's health check timeout, seconds")
    parser.add_argument("--no-compile", action="store_true", help="skip byte-compiling the slot")
    parser.add_argument("--json", action="store_true", help="one JSON object per rig")
    return parser


def run(args: argparse.Namespace) -> int:
    hosts = [RigHost.parse(text) for text in args.hosts]
    width = max(len(host.name) for host in hosts)

    def arguments(host: RigHost) -> list[str]:
        extra = ["--service", args.service, "--timeout", str(args.timeout)]
        if args.root:
            extra += ["--root", args.root.replace("{host}", host.name)]
        if args.no_compile:
            extra.append("--no-compile")
        return extra

    def show(result: DeployResult) -> None:
        print(json.dumps(asdict(result)) if args.json else result.line(width), flush=True)

    ssh = SshOptions(args.ssh_config, args.identity, tuple(args.ssh_options))
    results = asyncio.run(
        deploy(hosts, args.bundle.resolve(), ssh=ssh, install_arguments=arguments, jobs=args.jobs, on_result=show)
    )
    if not args.json:
        good = sum(result.ok for result in results)
        print(f"{good} of {len(results)} rigs installed and healthy", file=sys.stderr)
    return 0 if all(result.ok for result in results) else 1
