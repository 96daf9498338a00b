"""Built commands have the layout of the DCC reference test data's commands for the same use case.

Expected layouts come from outside the builders: the RTDS COMMAND files in ../shared (read only,
never copied). For every RTDS command whose message code one of our use cases builds, the command
built with its defaults must carry the same instructions - DLMS: the same GET / SET / ACTION /
selective GETs on the same class, logical name and member, each data item of the same A-XDR type
shape; GBZ: the same ZCL commands (cluster, frame control, command id, future-dated or not) in
the same order; ASN.1: the same typed payload - whatever the values. The use cases whose RTDS
example carries a different number of items than our defaults are listed with why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from firmware.headend.catalogue import USE_CASES
from firmware.headend.identities import DEVICES
from hal.keystore import load_keystore
from protocols import dlms, gbz
from protocols.dlms import AccessRequest, Array, CompactArray, Data, Fixed, Integer, Structure, type_of
from protocols.gbcs import Cra, KeyStore, KeyUsage, cs, parse, registry
from tests.firmware.headend.rig import Home

#: Settings that make our command the RTDS scenario's (which controller it addresses, what it must carry).
SETTINGS = {
    "ECS47a": {"controller": "5"},
    "ECS47e": {"controller": "3"},
    "CS06": {"image_hash": "ab" * 32},
}
#: RTDS examples with more items than our defaults, by design.
DIFFERENT = {
    "GCS05": "RTDS publishes a friendly-credit calendar of three day profiles, two weeks and special days",
    "GCS20": "RTDS configures four groups of events, one Set Event Configuration each",
}


def shape(value: Data) -> Any:
    """The A-XDR type shape of a value: its tag, members for a structure, the first element's for an array."""
    if isinstance(value, Structure):
        return ("structure", tuple(shape(item) for item in value.items))
    if isinstance(value, Array):
        return ("array", shape(value.items[0]) if value.items else None)
    if isinstance(value, (Integer, Fixed, CompactArray)):
        return type_of(value).name
    return type(value).__name__


def layout(payload: bytes, message_code: int) -> Any:
    if payload[:1] == b"\xd9":
        request = dlms.parse(payload)
        assert isinstance(request, AccessRequest)
        return [
            (
                type(spec).__name__,
                spec.descriptor.class_id,
                str(spec.descriptor.instance),
                getattr(spec.descriptor, "attribute", None) or getattr(spec.descriptor, "method", None),
                _top(data),
            )
            for spec, data in zip(request.specs, request.data, strict=True)
        ]
    if payload[:2] == b"\x01\x09":
        return [
            (c.cluster_id, c.frame.frame_control, c.frame.command_id, c.from_date_time is not None)
            for c in gbz.parse(payload).components
        ]
    return type(cs.parse(message_code, int(Cra.COMMAND), payload)).__name__


def _top(data: Data) -> Any:
    """Shapes compared to one level inside arrays: lists of entries may be empty in one and not the other."""
    return shape(data) if not isinstance(data, Array) else "array"


def _rtds_commands(rtds_dir: Path, keystore: KeyStore) -> dict[int, list[tuple[str, bytes]]]:
    found: dict[int, list[tuple[str, bytes]]] = {}
    for path in sorted(rtds_dir.glob("*/*_COMMAND_GBCS.HEX")):
        if "PRECOMMAND" in path.name:
            continue
        message = parse(bytes.fromhex(path.read_text()), keystore)
        found.setdefault(message.message_code, []).append((path.name, message.payload))
    return found


def test_built_commands_have_the_rtds_layout(rtds_dir: Path, keystore_dir: Path) -> None:
    commands = _rtds_commands(rtds_dir, load_keystore(keystore_dir))
    home = Home()
    ppmid_certificate = home.pki.device_certificates()[(DEVICES["ppmid"], KeyUsage.KA)]
    settings = {**SETTINGS, "CS03C": {"certificate": ppmid_certificate.hex()}}
    compared, differences = [], {}
    for use_case in USE_CASES.values():
        examples = commands.get(use_case.message_code)
        if not examples or use_case.name in DIFFERENT:
            continue
        built = parse(home.build(use_case.name, **settings.get(use_case.name, {})).data, home.keystore)
        ours = layout(built.payload, use_case.message_code)
        theirs = {name: layout(payload, use_case.message_code) for name, payload in examples}
        if use_case.family == registry.DLMS and use_case.name == "ECS35d":  # ECS35d shares ECS35c's code
            continue
        compared.append(use_case.name)
        if ours not in theirs.values():
            differences[use_case.name] = (ours, next(iter(theirs.items())))
    assert differences == {}
    assert len(compared) == 124, compared  # every use case of ours that RTDS has an example of


@pytest.mark.parametrize("name", sorted(DIFFERENT))
def test_the_listed_differences_are_real(rtds_dir: Path, keystore_dir: Path, name: str) -> None:
    """Each use case excused above does differ from its RTDS example (else it belongs in the comparison)."""
    use_case = USE_CASES[name.lower()]
    examples = _rtds_commands(rtds_dir, load_keystore(keystore_dir))[use_case.message_code]
    home = Home()
    ours = layout(parse(home.build(name).data, home.keystore).payload, use_case.message_code)
    assert all(layout(payload, use_case.message_code) != ours for _, payload in examples)
