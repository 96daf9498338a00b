"""RTDS at the CHF level: every folder whose commands go to the CHF or the GPF, replayed through a fresh `Chf` + `Gpf`.

Per folder (shared/gbcs/rtds; gbcs.md 1): a fresh hub on a fresh NVM with the RTDS key store,
in the home RTDS scenarios ran in - an ESME and a sleepy GSME commissioned by CCS01 and
joined, played by the ESME and GSME models (`firmware.devices.esme`, `firmware.devices.gsme`)
behind their own GBCS endpoints, the GSME's wake-up pushes having filled the gas mirror for
the days before. Each COMMAND
goes to `Chf.wan_message` in originator-counter order; one for the GSME waits in its queue
until the meter's wake-up takes it. The answer that reaches the WAN is compared with the
folder's RESPONSE exactly as `shared/tools/rtds_replay.py`'s `summary()` compares: message
code, CRA flag, payload family and the sequence of per-item outcomes, decoded with
`protocols.gbcs.parse` (the tree `commshub decode --json` prints).

RTDS ERROR scenarios whose failure is a device fault (`hardware-fault`; the command is the
SUCCESS scenario's, only the device differs) are set up through the fault API of the device
that answers - the CHF's COSEM faults, the GSME model's - on the instruction the RTDS
response shows failing, never by recognising the message.

Alert-only folders (CS14, CCS08, DBCH06-11, GCS62) have no command: the test drives the
input that causes each alert (`ALERT_DRIVERS`) and compares the alert the hub sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from firmware.chf import Fault, FaultKind, StartEnergyScan, ToDevice
from firmware.chf.device_log import DeviceEntry
from hal.radio import Channel
from protocols import dlms, gbz
from protocols.dlms import AccessRequest, AccessResponse, ActionSpec, SetSpec
from protocols.gbcs import Cra, KeyStore, Message, parse
from protocols.gbcs.crypto import PAYLOAD_KEY_TYPE
from protocols.gbcs.cs.common import PPMID
from tests.firmware.chf.home import CHF_EUI, ESME_EUI, GPF_EUI, GSME_EUI, PPMID_EUI, Home
from tests.firmware.devices.gsme.rtds import device_faults
from tests.firmware.gbcs.rtds import summary

HUB = {CHF_EUI, GPF_EUI}
#: The hub's clock in a replay: after the GSME model's history of the scenarios (it was commissioned on
#: 2014-12-30 and has daily reads from then), as the GSME's own RTDS tests run it.
REPLAY_UTC = datetime(2015, 1, 2, 12, 0, tzinfo=UTC).timestamp()
#: Just after the GSME model's shipped profiles are commissioned (2014-12-30).
GSME_COMMISSIONED = datetime(2014, 12, 30, 6, 0, tzinfo=UTC).timestamp()
DEVICE_FAULTS = {1, 2}  # DLMS hardware-fault, temporary-failure
GSME_HARDWARE_FAILURE = 0xC0


@dataclass(frozen=True)
class Scenario:
    name: str
    command: Message
    data: bytes
    response: Message | None


@dataclass
class FolderResult:
    folder: str
    passed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    alerts_missing: list[int] = field(default_factory=list)
    alert_shapes_differ: list[int] = field(default_factory=list)
    faults_armed: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.alerts_missing and not self.alert_shapes_differ


def load(folder: Path, keystore: KeyStore) -> tuple[list[Scenario], dict[str, Message]]:
    """(scenarios in originator-counter order, ALERT messages by file name)."""
    messages = {
        p.name: (p, parse(bytes.fromhex(p.read_text().strip()), keystore)) for p in sorted(folder.glob("*.HEX"))
    }
    scenarios = [
        Scenario(name, message, bytes.fromhex(path.read_text().strip()), _response(messages, name))
        for name, (path, message) in messages.items()
        if name.endswith("_COMMAND_GBCS.HEX") and "PRECOMMAND" not in name
    ]
    scenarios.sort(key=lambda s: (s.command.originator_counter, s.name))
    alerts = {name: message for name, (_, message) in messages.items() if "_ALERT_" in name}
    return scenarios, alerts


def _response(messages: dict[str, tuple[Path, Message]], name: str) -> Message | None:
    found = messages.get(name.replace("_COMMAND_", "_RESPONSE_"))
    return None if found is None else found[1]


def hub_folders(rtds_dir: Path, keystore: KeyStore) -> list[Path]:
    """Folders with a command for the CHF or the GPF, and the alert-only folders of the CHF and GPF."""
    chosen = []
    for folder in sorted(p for p in rtds_dir.iterdir() if p.is_dir()):
        scenarios, alerts = load(folder, keystore)
        to_hub = any(s.command.recipient in HUB for s in scenarios)
        if to_hub or (not scenarios and any(a.originator in HUB for a in alerts.values())):
            chosen.append(folder)
    return chosen


# -- faults for ERROR scenarios ------------------------------------------------------------------------


def _target(spec: dlms.RequestSpec) -> tuple[FaultKind, int, dlms.Obis, int]:
    if isinstance(spec, ActionSpec):
        return FaultKind.ACTION, spec.descriptor.class_id, spec.descriptor.instance, spec.descriptor.method
    kind = FaultKind.SET if isinstance(spec, SetSpec) else FaultKind.GET
    return kind, spec.descriptor.class_id, spec.descriptor.instance, spec.descriptor.attribute


def chf_fault(command: bytes, expected: bytes) -> Fault | None:
    """The CHF fault reproducing an RTDS ERROR whose first failure is a device fault, or None."""
    request, response = dlms.parse(command), dlms.parse(expected)
    if not isinstance(request, AccessRequest) or not isinstance(response, AccessResponse):
        return None
    failing = next((i for i, result in enumerate(response.results) if result.result != 0), None)
    if failing is None or response.results[failing].result not in DEVICE_FAULTS:
        return None
    target = _target(request.specs[failing])
    earlier = sum(_target(spec) == target for spec in request.specs[:failing])
    kind, class_id, obis, member = target
    return Fault(kind, class_id, obis, member, response.results[failing].result, skip=earlier, times=1)


def arm_faults(home: Home, scenario: Scenario, keystore: KeyStore) -> int:
    """Arm the device fault an ERROR scenario shows, on the device that answers it; how many were armed."""
    if "_ERROR_" not in scenario.name or scenario.response is None:
        return 0
    if scenario.command.recipient == CHF_EUI and scenario.command.payload[:1] == b"\xd9":
        fault = chf_fault(scenario.command.payload, scenario.response.payload)
        if fault is None:
            return 0
        home.chf.faults.add(fault)
        return 1
    if scenario.command.recipient == GSME_EUI and home.gsme_model is not None:
        response = scenario.response
        key = keystore.derived_key(
            (GSME_EUI, response.recipient), GSME_EUI, PAYLOAD_KEY_TYPE, response.originator_counter, response.recipient
        )
        cipher = None if key is None else gbz.Cipher(key, GSME_EUI)
        gsme_faults = device_faults(gbz.parse(scenario.command.payload), gbz.parse(response.payload, cipher=cipher))
        for gsme_fault in gsme_faults:
            home.gsme_model.gsme.add_fault(gsme_fault)
        return len(gsme_faults)
    return 0


# -- replay --------------------------------------------------------------------------------------------


def fresh_home(keystore: KeyStore) -> Home:
    """The home RTDS ran in: its GSME was commissioned on 2014-12-30 and has pushed to its mirror since."""
    home = Home(keystore, now=0.0, utc=REPLAY_UTC)
    home.add_gsme()
    home.add_esme()
    home.push_mirror(since=GSME_COMMISSIONED)
    home.commission_rtds_home()
    return home


def replay(folder: Path, keystore: KeyStore, *, inject_faults: bool = True) -> FolderResult:
    result = FolderResult(folder.name)
    scenarios, alerts = load(folder, keystore)
    home = fresh_home(keystore)
    if not scenarios:
        driver = ALERT_DRIVERS.get(folder.name.split("_", 1)[1])
        if driver is not None:
            driver(home)
    for scenario in scenarios:
        if inject_faults:
            result.faults_armed += arm_faults(home, scenario, keystore)
        before, han_before = len(home.wan), len(home.han)
        home.advance(60)
        home.send(scenario.data)
        if scenario.command.recipient == GSME_EUI:
            home.gsme_wakes()
        if scenario.command.recipient == ESME_EUI:
            home.esme_answers(han_before)
        home.chf.faults.clear()
        if home.gsme_model is not None:
            home.gsme_model.gsme.clear_faults()
        got = [parse(sent.data, keystore) for sent in home.wan[before:]]
        responses = [message for message in got if message.cra is Cra.RESPONSE]
        if scenario.response is None:
            continue
        if not responses:
            forwarded = [a for a in home.han if isinstance(a, ToDevice) and a.data == scenario.data]
            why = "forwarded to the device, which is not in this test" if forwarded else "no response"
            result.failed[scenario.name] = why
            continue
        want, have = summary(scenario.response), summary(responses[0])
        if have == want:
            result.passed.append(scenario.name)
        else:
            result.failed[scenario.name] = f"got {have} want {want}"
    sent = [parse(message.data, keystore) for message in home.wan]
    shapes: dict[int, set[Any]] = {}
    for message in sent:
        if message.cra is Cra.ALERT:
            shapes.setdefault(message.message_code, set()).add(shape(message))
    for alert in alerts.values():
        if alert.message_code not in shapes:
            result.alerts_missing.append(alert.message_code)
        elif shape(alert) not in shapes[alert.message_code]:
            result.alert_shapes_differ.append(alert.message_code)
    return result


def shape(message: Message) -> Any:
    """The decoded payload's tree of field names, without values: the layout a decoder sees."""
    assert message.payload_tree is not None
    return _names(json.loads(message.payload_tree.root.to_json_text()))


def _names(node: dict[str, Any]) -> Any:
    """(name, children's shapes), a list's repeated entries counted once (a log of 1 or 5 devices is one layout)."""
    children = (_names(child) for child in node.get("children") or ())
    return (node.get("name"), tuple(dict.fromkeys(children)))


# -- what makes the alert-only folders' alerts ----------------------------------------------------------


def _dbch06(home: Home) -> None:
    home.take(home.chf.duty_cycle(0.016, home.now, home.utc, busiest=GSME_EUI))


def _dbch07_08(home: Home) -> None:
    home.dcc(0x010E, _scan_request())
    scan = next(a for a in home.han if isinstance(a, StartEnergyScan))
    energies = dict.fromkeys(scan.channels, -60.0)
    energies[Channel(28, 5)] = -95.0
    home.take(home.chf.energy_scan_result(energies, home.now, home.utc))


def _scan_request() -> bytes:
    spec = SetSpec(dlms.AttributeDescriptor(1, dlms.Obis.of("0-0:94.44.10.1"), 2))
    return dlms.build(AccessRequest(dlms.LongInvokeId.for_counter(9), (spec,), (dlms.u8(0),)))


def _dbch10(home: Home) -> None:
    home.take(home.chf.device_joined(GSME_EUI, home.now, home.utc, sleepy=True, sub_ghz=True))
    home.take(home.chf.duty_cycle(0.03, home.now, home.utc, busiest=GSME_EUI))
    home.dcc(0x00B8, _gcs13b(), recipient=GSME_EUI)


def _gcs13b() -> bytes:
    frame = gbz.ZclFrame(0x00, 0, 0x00, bytes.fromhex("0007"))
    return gbz.build(gbz.GbzPayload((gbz.Component(0x0702, frame),)))


def _dbch11(home: Home) -> None:
    for index in range(home.config.sub_ghz_capacity + 1):
        eui = bytes.fromhex(f"00db12345678{index:04x}")
        home.chf.device_log.put(DeviceEntry(eui, bytes(16)))
        home.take(home.chf.device_joined(eui, home.now, home.utc, sub_ghz=True))


def _ccs08(home: Home) -> None:
    home.take(home.chf.firmware_transferred(PPMID_EUI, b"\x01\x02\x03\x04", 0, home.now, home.utc))


def _gcs62(home: Home) -> None:
    home.commission(PPMID_EUI, PPMID)


ALERT_DRIVERS: dict[str, Callable[[Home], None]] = {
    "CS14": lambda home: None,  # the commissioning of the home's devices changed the device log already
    "DBCH06": _dbch06,
    "DBCH07": _dbch07_08,
    "DBCH08": _dbch07_08,
    "DBCH10": _dbch10,
    "DBCH11": _dbch11,
    "CCS08": _ccs08,
    "GCS62": _gcs62,
}
