"""Payload-level replay of the RTDS folders aimed at the ESME (shared/gbcs/rtds; gbcs.md 1).

Per folder: a fresh `Esme` on a fresh NVM, every COMMAND's payload fed in originator-counter
order with the `CommandContext` its grouping header gives, the meter's clock starting at
2015-01-01T00:00:00Z (the date-time RTDS responses carry). After each command, virtual time is
advanced past the future-dated activations it left pending, as the scenario would play out.

A command passes when the response has the RTDS RESPONSE's payload family and the same
per-item outcomes - what `shared/tools/rtds_replay.py` `outcome()` compares: the sequence of
(get/set/action, result). A folder passes when all its commands pass and every ALERT message
code the folder holds was raised.

RTDS ERROR scenarios whose failing result is a device fault (hardware-fault, temporary-
failure) cannot follow from the command: the test arms a `Fault` on the instruction the
RTDS response shows failing (the meter then answers the rest with break-on-error), never by
recognising the message.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from firmware.devices.esme import DeviceProfile, Esme, Fault, FaultKind, KeyStoreSecurity, shipped_profile
from firmware.gbcs.contract import CommandContext, RaisedAlert
from hal.nvm import NvmStore
from protocols import dlms
from protocols.dlms import AccessRequest, AccessResponse, ActionSpec, GetSpec, GetWithSelectionSpec, SetSpec
from protocols.gbcs import Cra, KeyStore, Message, parse

ESME = bytes.fromhex("00db1234567890a0")
START_UTC = 1_420_070_400.0  # 2015-01-01T00:00:00Z
DEVICE_FAULTS = {1, 2}  # hardware-fault, temporary-failure
#: Use cases RTDS runs on a polyphase meter (meters.md 1.1: the 3-phase variants), and on a twin one.
POLYPHASE_USE_CASES = {"ECS23b", "ECS26k", "ECS29b", "ECS29d", "ECS29f"}


@dataclass
class Outcome:
    name: str
    passed: bool
    why: str = ""


@dataclass
class FolderResult:
    folder: str
    commands: list[Outcome] = field(default_factory=list)
    alerts_missing: list[int] = field(default_factory=list)
    alerts: list[RaisedAlert] = field(default_factory=list)
    responses: dict[str, bytes] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(outcome.passed for outcome in self.commands) and not self.alerts_missing


@cache
def folder_messages(folder: Path, keystore: KeyStore) -> dict[str, Message]:
    return {
        path.name: parse(bytes.fromhex(path.read_text().strip()), keystore) for path in sorted(folder.glob("*.HEX"))
    }


def esme_folders(rtds: Path, keystore: KeyStore) -> list[Path]:
    """Folders whose COMMANDs go to the ESME with DLMS payloads."""
    chosen = []
    for folder in sorted(rtds.iterdir()):
        messages = folder_messages(folder, keystore)
        commands = [
            m for name, m in messages.items() if name.endswith("_COMMAND_GBCS.HEX") and "PRECOMMAND" not in name
        ]
        if commands and all(m.recipient == ESME for m in commands) and all(m.payload[:1] == b"\xd9" for m in commands):
            chosen.append(folder)
    return chosen


def outcome(payload: bytes) -> tuple[str, tuple[tuple[str, int], ...]]:
    """(payload family, per-item (kind, result)) of a response payload."""
    apdu = dlms.parse(payload)
    if not isinstance(apdu, AccessResponse):
        return type(apdu).__name__, ()
    return "access-response", tuple((result.kind.name.lower(), result.result) for result in apdu.results)


def _descriptor(spec: object) -> tuple[FaultKind, int, object, int]:
    if isinstance(spec, ActionSpec):
        return FaultKind.ACTION, spec.descriptor.class_id, spec.descriptor.instance, spec.descriptor.method
    assert isinstance(spec, (GetSpec, GetWithSelectionSpec, SetSpec))
    kind = FaultKind.SET if isinstance(spec, SetSpec) else FaultKind.GET
    return kind, spec.descriptor.class_id, spec.descriptor.instance, spec.descriptor.attribute


def device_fault(command: bytes, expected: bytes) -> Fault | None:
    """The fault reproducing an RTDS ERROR whose first failure is a device fault, or None."""
    request, response = dlms.parse(command), dlms.parse(expected)
    assert isinstance(request, AccessRequest) and isinstance(response, AccessResponse)
    failing = next((index for index, result in enumerate(response.results) if result.result != 0), None)
    if failing is None or response.results[failing].result not in DEVICE_FAULTS:
        return None
    target = _descriptor(request.specs[failing])
    earlier = sum(_descriptor(spec) == target for spec in request.specs[:failing])
    kind, class_id, obis, member = target
    return Fault(kind, class_id, obis, member, response.results[failing].result, skip=earlier, times=1)  # type: ignore[arg-type]


def profile_for(folder: Path) -> DeviceProfile:
    """The meter a folder's scenarios run on: its variant, and the state a use case presupposes."""
    use_case = folder.name.split("_", 1)[1]
    if use_case in POLYPHASE_USE_CASES:
        return shipped_profile("polyphase")
    if use_case == "ECS09":  # activating emergency credit presupposes a prepayment meter low on credit
        profile = shipped_profile("prepayment-single")
        return replace(profile, prepayment=replace(profile.prepayment, meter_balance=50_000))
    if any("TWIN" in path.name for path in folder.glob("*.HEX")):
        return shipped_profile("twin")
    return shipped_profile("credit-single")


class Clock:
    """The test's virtual time: loop time and UTC move together, never backwards."""

    def __init__(self) -> None:
        self.now = 0.0
        self.utc = START_UTC

    def to(self, utc: float) -> None:
        if utc > self.utc:
            self.now += utc - self.utc
            self.utc = utc


def replay(folder: Path, keystore: KeyStore) -> FolderResult:
    messages = folder_messages(folder, keystore)
    result = FolderResult(folder.name)
    commands = sorted(
        (name for name in messages if name.endswith("_COMMAND_GBCS.HEX") and "PRECOMMAND" not in name),
        key=lambda name: (messages[name].originator_counter, name),
    )
    esme = Esme(
        NvmStore.memory().partition("device/esme"),
        profile_for(folder),
        random.Random(7),
        security=KeyStoreSecurity(keystore, ESME),
    )
    clock = Clock()
    for name in commands:
        message = messages[name]
        expected = messages.get(name.replace("_COMMAND_", "_RESPONSE_"))
        fault = device_fault(message.payload, expected.payload) if expected is not None and "_ERROR_" in name else None
        if fault is not None:
            esme.faults.add(fault)
        context = CommandContext(
            message_code=message.message_code,
            originator=message.originator,
            recipient=message.recipient,
            counter=message.originator_counter,
            role=keystore.role(message.originator),
            critical=bool(message.signature),
            other_information=message.other_information,
            now=clock.now,
            utc=clock.utc,
        )
        handled = esme.handle(message.payload, context)
        esme.faults.clear()
        result.alerts.extend(handled.alerts)
        assert handled.response is not None
        result.responses[name] = handled.response
        if expected is None:
            result.commands.append(Outcome(name, True))
        else:
            got, want = outcome(handled.response), outcome(expected.payload)
            result.commands.append(Outcome(name, got == want, "" if got == want else f"got {got} want {want}"))
        for due, _ in esme.pending_activations():  # let the scenario play out past its future date
            clock.to(due - esme.meter_time(0.0) + 1)
            result.alerts.extend(esme.timer_fired(clock.now, clock.utc))
    wanted = {m.message_code for name, m in messages.items() if m.cra is Cra.ALERT}
    raised = {alert.message_code for alert in result.alerts}
    result.alerts_missing = sorted(wanted - raised)
    return result
