"""`rig deploy` through a real OpenSSH server on 127.0.0.1, to two rig roots behind it, in parallel.

The server runs with a throwaway host key and accepts one throwaway user key; the client side is
the system `ssh`/`scp` with an SSH config naming the rigs. Neither rig root has commshub: each is
bootstrapped from the bundle by the rig's own bare `python3`, then installed and health-checked.
"""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.tools.rig.conftest import free_port, hub_config, wan_answer
from tools.cli import main
from tools.rig.bundle import BuiltBundle
from tools.rig.signing import KeyPairPaths
from tools.rig.slots import RigLayout
from tools.rig.supervisor import ProcessSupervisor

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
pytestmark = pytest.mark.skipif(
    not (os.access(SSHD, os.X_OK) and shutil.which("ssh") and shutil.which("scp") and shutil.which("ssh-keygen")),
    reason="needs OpenSSH's server and client (apt-get install openssh-server openssh-client)",
)


@dataclass(frozen=True)
class SshServer:
    port: int
    client_config: Path


def keygen(path: Path) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path


@pytest.fixture
def ssh_server(tmp_path: Path) -> Iterator[SshServer]:
    folder = tmp_path / "ssh"
    folder.mkdir()
    host_key, user_key = keygen(folder / "host_key"), keygen(folder / "user_key")
    (folder / "authorized_keys").write_text(user_key.with_suffix(".pub").read_text())
    port, user = free_port(), getpass.getuser()
    server_config = folder / "sshd_config"
    server_config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {folder / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n"
        f"AllowUsers {user}\nSubsystem sftp internal-sftp\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation folder
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key.with_suffix('.pub').read_text()}")
    client_config = folder / "ssh_config"
    client_config.write_text(
        f"Host rig1 rig2\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  IdentityFile {user_key}\n"
        f"  IdentitiesOnly yes\n  UserKnownHostsFile {folder / 'known_hosts'}\n  StrictHostKeyChecking yes\n"
    )
    server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(server_config)], stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        for line in server.stderr:  # sshd -e logs to stderr: wait for its "listening" line
            if "Server listening" in line:
                break
        else:
            pytest.fail(f"sshd did not start (exit {server.wait()})")
        yield SshServer(port, client_config)
    finally:
        server.terminate()
        server.wait()


def test_deploy_installs_on_every_rig_in_parallel_one_line_each(
    ssh_server: SshServer,
    make_bundle: Callable[..., BuiltBundle],
    rig_keys: KeyPairPaths,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rigs = {name: RigLayout(tmp_path / "rigs" / name) for name in ("rig1", "rig2")}
    for layout in rigs.values():  # as a card made by `rig image` holds them: the config and the trusted key
        layout.config.parent.mkdir(parents=True)
        layout.config.write_text(hub_config(layout.root, free_port()))
        layout.trusted_keys.mkdir()
        shutil.copy2(rig_keys.public, layout.trusted_keys / "lab.pub")
    bundle = make_bundle("1.0").path
    uploads_before = set(Path("/var/tmp").glob("commshub-deploy.*"))
    try:
        code = main(
            [
                "rig",
                "deploy",
                "rig1",
                "rig2",
                "127.0.0.1:1",
                "--bundle",
                str(bundle),
                "--ssh-config",
                str(ssh_server.client_config),
                "--root",
                str(tmp_path / "rigs" / "{host}"),
                "--service",
                "process",
                "--no-compile",
                "--timeout",
                "60",
            ]
        )
        output = capsys.readouterr()
        assert code == 1, output  # the third "rig" has no SSH server
        lines = {line.split()[0]: line for line in output.out.splitlines()}
        assert set(lines) == {"rig1", "rig2", "127.0.0.1:1"}
        for name in ("rig1", "rig2"):
            assert lines[name].split()[1:6] == ["installed", "version", "1.0", "slot", "a"], lines[name]
            assert wan_answer(rigs[name]) == "1.0"
        assert lines["127.0.0.1:1"].split()[1] == "connect-failed"
        assert "2 of 3 rigs installed and healthy" in output.err
        assert set(Path("/var/tmp").glob("commshub-deploy.*")) == uploads_before  # each upload folder removed
    finally:
        for layout in rigs.values():
            ProcessSupervisor(layout).stop()
