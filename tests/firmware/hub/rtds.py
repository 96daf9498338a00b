"""RTDS through the whole hub over TCP, as `shared/tools/rtds_replay.py` replays it, in process.

Per folder with COMMAND files (gbcs.md 1): a fresh hub (`harness.RunningHub`: the semi-detached
virtual home with every RTDS device, the RTDS key store) listening on a real TCP port, restarted
from the state file of a hub whose home has lived two days (`age`: the reference hub's GPF had
daily readings to answer from; `commshub run --fast` does the same at a first start); each
COMMAND sent as it is, in originator-counter order, by a `hal.wan.WanClient`; the response
compared with the folder's RESPONSE by `summary` (message code, CRA, payload family, per-item
outcomes - the comparison the shared script makes from `commshub decode --json`); every ALERT
message code of the folder must have reached the head-end. Target `hub`: folders whose commands
all go to the CHF or the GPF; `meters`: the others (as the script splits them).

ERROR scenarios whose failure is a device fault (the command is the SUCCESS scenario's, only the
device differs) are set up through the fault API of the device that answers - the CHF's COSEM
faults, the GSME's and the ESME's - on the item the RTDS response shows failing, never by
recognising the message (`firmware.chf.Fault`, `firmware.devices.gsme.Fault`,
`firmware.devices.esme.Fault`). The shared script has no way to inject faults: there such
scenarios are compared on the envelope only for meters, and fail for the hub.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from firmware.devices.gsme_node import GsmeNode
from firmware.hub.runtime import CLOCK_NOTE
from hal.nvm import Durability, NvmStore
from protocols import dlms, gbz
from protocols.gbcs import Cra, KeyStore, Message, parse
from protocols.gbcs.crypto import PAYLOAD_KEY_TYPE
from protocols.gbz import GbzDecodeError
from tests.firmware.chf.rtds import chf_fault
from tests.firmware.devices.esme.rtds import device_fault as esme_fault
from tests.firmware.devices.gsme.rtds import device_faults as gsme_faults
from tests.firmware.gbcs.rtds import summary
from tests.firmware.hub.harness import RTDS_UTC, RunningHub, settle

HUB_EUIS = {bytes.fromhex("00db1234567890a2"), bytes.fromhex("00db1234567890a3")}
CHF, ESME, GSME = (bytes.fromhex(f"00db1234567890a{n}") for n in (2, 0, 1))
#: Days the home has lived before a replay (the GPF's daily consumption log needs two midnights).
HISTORY_DAYS = 2.0


@dataclass(frozen=True)
class Scenario:
    name: str
    data: bytes
    command: Message
    response: Message | None


@dataclass
class FolderResult:
    folder: str
    passed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    alerts_missing: list[int] = field(default_factory=list)
    faults_armed: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.alerts_missing

    def why(self) -> str:
        parts = [f"{name}: {reason}" for name, reason in self.failed.items()]
        if self.alerts_missing:
            parts.append(f"alerts not raised: {[hex(code) for code in self.alerts_missing]}")
        return "; ".join(parts)


def load(folder: Path, keystore: KeyStore) -> tuple[list[Scenario], set[int]]:
    """(scenarios in originator-counter order, the folder's ALERT message codes)."""
    files = {p.name: bytes.fromhex(p.read_text().strip()) for p in sorted(folder.glob("*.HEX"))}
    scenarios = []
    for name, data in files.items():
        if not name.endswith("_COMMAND_GBCS.HEX") or "PRECOMMAND" in name:
            continue
        response = files.get(name.replace("_COMMAND_", "_RESPONSE_"))
        expected = None if response is None else parse(response, keystore)
        scenarios.append(Scenario(name, data, parse(data, keystore), expected))
    scenarios.sort(key=lambda s: (s.command.originator_counter, s.name))
    alerts = {parse(data, keystore).message_code for name, data in files.items() if "_ALERT_" in name}
    return scenarios, alerts


def folders(rtds_dir: Path, keystore: KeyStore, target: str) -> list[Path]:
    """The folders the shared script takes for `target` ("hub" or "meters")."""
    chosen = []
    for folder in sorted(p for p in rtds_dir.iterdir() if p.is_dir()):
        scenarios, _ = load(folder, keystore)
        if not scenarios:
            continue
        recipients = {scenario.command.recipient for scenario in scenarios}
        if (target == "hub") == (recipients <= HUB_EUIS):
            chosen.append(folder)
    return chosen


def arm_faults(running: RunningHub, scenario: Scenario) -> int:
    """Arm the device fault an ERROR scenario's response shows, on the device that answers; how many."""
    hub, response = running.hub, scenario.response
    if "_ERROR_" not in scenario.name or response is None or hub is None:
        return 0
    recipient, payload = scenario.command.recipient, scenario.command.payload
    if recipient == CHF and payload[:1] == b"\xd9":
        fault = chf_fault(payload, response.payload)
        if fault is not None:
            hub.chf.faults.add(fault)
        return int(fault is not None)
    if recipient == ESME and _access(payload, response.payload):
        esme = hub.device(ESME).model
        dlms_fault = esme_fault(payload, response.payload)
        if dlms_fault is not None:
            esme.faults.add(dlms_fault)
        return int(dlms_fault is not None)
    node = hub.device(GSME) if recipient == GSME else None
    if isinstance(node, GsmeNode) and running.keystore is not None:
        pair = (GSME, response.recipient)
        key = running.keystore.derived_key(
            pair, GSME, PAYLOAD_KEY_TYPE, response.originator_counter, response.recipient
        )
        cipher = None if key is None else gbz.Cipher(key, GSME)
        try:
            armed = gsme_faults(gbz.parse(payload), gbz.parse(response.payload, cipher=cipher))
        except GbzDecodeError:  # not a GBZ exchange (a CS use case to the GSME)
            return 0
        for fault in armed:
            node.gas.gsme.add_fault(fault)
        return len(armed)
    return 0


def _access(command: bytes, response: bytes) -> bool:
    """Whether the pair is a DLMS access-request and its access-response (the ESME's COSEM use cases)."""
    try:
        return isinstance(dlms.parse(command), dlms.AccessRequest) and isinstance(
            dlms.parse(response), dlms.AccessResponse
        )
    except dlms.DlmsDecodeError:
        return False


def clear_faults(running: RunningHub) -> None:
    hub = running.hub
    assert hub is not None
    hub.chf.faults.clear()
    for node in hub.devices:
        if isinstance(node, GsmeNode):
            node.gas.gsme.clear_faults()


def age(state: Path, keystore: KeyStore, days: float = HISTORY_DAYS) -> None:
    """A hub's state file after `days` of its home's life, ending at `RTDS_UTC` (no command sent): the GPF
    has taken its midnight readings (daily consumption, daily snapshots), as the reference hub had."""
    store = NvmStore.open(state, durability=Durability.NORMAL)
    running = RunningHub(keystore, store=store, utc_start=RTDS_UTC - days * 86400)
    try:
        running.run(running.start())
        running.run(settle(days * 86400))
    finally:
        running.shut()
        store.close()


def replay(folder: Path, keystore: KeyStore, aged: Path, *, inject_faults: bool = True) -> FolderResult:
    """One folder through a hub restarted on a copy of the `aged` state file (see the module docstring)."""
    result = FolderResult(folder.name)
    scenarios, alerts_expected = load(folder, keystore)
    state = aged.with_name(f"{folder.name}.sqlite")
    shutil.copyfile(aged, state)
    store = NvmStore.open(state, durability=Durability.NORMAL)
    running = RunningHub(keystore, store=store, utc_start=store.partition("hub").get(CLOCK_NOTE))
    alerts_seen: set[int] = set()
    try:
        running.run(running.start())
        for scenario in scenarios:
            if inject_faults:
                result.faults_armed += arm_faults(running, scenario)

            async def exchange(data: bytes = scenario.data) -> tuple[Message | None, list[Message]]:
                client = await running.client()
                try:
                    answer = await running.exchange(client, data)
                    extra = await running.receive_all(client, 5.0)
                finally:
                    await client.close()
                return answer.response, answer.others + extra

            response, others = running.run(exchange())
            clear_faults(running)
            alerts_seen |= {message.message_code for message in others if message.cra is Cra.ALERT}
            if scenario.response is None:
                continue
            if response is None:
                result.failed[scenario.name] = "no response"
            elif summary(response) != summary(scenario.response):
                got, want = summary(response), summary(scenario.response)
                result.failed[scenario.name] = f"got {got[:3]} {got[3][:4]} want {want[:3]} {want[3][:4]}"
            else:
                result.passed.append(scenario.name)
    finally:
        running.shut()
        store.close()
        state.unlink()
    result.alerts_missing = sorted(alerts_expected - alerts_seen)
    return result
