"""The compact ZCL table: its cache equals a fresh derivation from zigpy + smart_energy, and decoding
through it gives the same tree as walking zigpy's own schemas (`zcl_zigpy`, the reference), over
every RTDS GBZ payload (shared/gbcs/rtds) and over random field bytes for every plain kind."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.gbcs import parse
from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.payload import PayloadContext, decode_payload, zcl, zcl_table, zcl_zigpy
from protocols.gbcs.payload.reader import Reader
from protocols.gbcs.payload.zcl_table import CommandSpec, ZclTable


@pytest.fixture(scope="module")
def fresh() -> ZclTable:
    return zcl_table.derive()


@pytest.fixture(scope="module")
def reference(fresh: ZclTable) -> ZclTable:
    """The same table with every layout left to zigpy: decoding through it is zcl_zigpy's walk."""
    return dataclasses.replace(
        fresh,
        commands={key: CommandSpec(spec.name, None) for key, spec in fresh.commands.items()},
        general={key: CommandSpec(spec.name, None) for key, spec in fresh.general.items()},
        data_types={key: (name, None) for key, (name, _) in fresh.data_types.items()},
    )


def test_json_form_round_trips(fresh: ZclTable) -> None:
    assert ZclTable.from_json(json.loads(json.dumps(fresh.to_json()))) == fresh


def test_the_table_sees_smart_energy_definitions(fresh: ZclTable) -> None:
    """ChangeDebt as smart_energy defines it: the RTDS corpus needs a 2-octet balance percentage."""
    change_debt = fresh.commands[(0x0705, zcl_table.CLIENT_TO_SERVER, 0x02)]
    assert change_debt.name == "change_debt" and change_debt.fields is not None
    assert change_debt.fields[-1] == ("debt_recovery_balance_percentage", ["uint", 2], False)
    day_profile = fresh.commands[(0x0707, zcl_table.SERVER_TO_CLIENT, 0x01)]
    assert day_profile.fields is not None and day_profile.fields[-1][1][0] == "records"
    assert fresh.clusters[0x070B] == "SubGhz"


def test_every_rtds_gbz_payload_decodes_as_zigpy_decodes_it(
    rtds_dir: Path, fresh: ZclTable, reference: ZclTable
) -> None:
    compared = 0
    for path in sorted(rtds_dir.glob("*/*.HEX")):
        message = parse(bytes.fromhex(path.read_text().strip()))
        if message.payload_tree is None or message.payload_tree.family != "gbz":
            continue
        base = message.payload_tree.root.offset
        trees = [
            decode_payload(
                message.payload,
                base_offset=base,
                context=PayloadContext(message.message_code, int(message.cra), zcl=table),
            )
            for table in (fresh, reference)
        ]
        assert trees[0] == trees[1], path.name
        compared += 1
    assert compared == 216  # every GBZ file of RTDS 4.5.0


def _plain_commands(table: ZclTable) -> list[tuple[tuple[int, int, int], CommandSpec]]:
    return sorted((key, spec) for key, spec in table.commands.items() if spec.fields)  # type: ignore[misc]


def _decode_fields(data: bytes, fields: Any, key: tuple[int, int, int]) -> Any:
    try:
        return zcl.read_fields(Reader(data, 100), fields)
    except GbcsDecodeError as exc:
        return ("error", exc.offset)


def _decode_reference(data: bytes, key: tuple[int, int, int]) -> Any:
    try:
        return zcl_zigpy.command_fields(Reader(data, 100), key[0], 1, key[1], key[2])
    except GbcsDecodeError as exc:
        return ("error", exc.offset)


@settings(max_examples=300)
@given(st.data())
def test_plain_kinds_read_random_bytes_as_zigpy_does(data: st.DataObject) -> None:
    """Any bytes, for any command the table reads itself: the same fields, or an error at the same offset."""
    table = zcl_table.derived()
    key, spec = data.draw(st.sampled_from(_plain_commands(table)))
    payload = data.draw(st.binary(max_size=40))
    assert _decode_fields(payload, spec.fields, key) == _decode_reference(payload, key)


def _flag_types() -> list[type]:
    """Every bitmap type with named bits in the registered cluster schemas (e.g. Metering's SnapshotCause)."""
    import enum

    from protocols.zigbee.zcl_registry import cluster_classes

    found = {
        field.type
        for cluster in cluster_classes().values()
        for defs in (cluster.server_commands, cluster.client_commands)
        for command in defs.values()
        for field in command.schema.fields
        if isinstance(field.type, type) and issubclass(field.type, enum.Flag) and field.type.__members__
    }
    return sorted(found, key=lambda kind: kind.__qualname__)


@pytest.mark.parametrize("flag_type", _flag_types(), ids=lambda kind: kind.__qualname__)
def test_bitmap_names_follow_python_flags(flag_type: type) -> None:
    """Named bits read as `enum.Flag` names them (one member, `A|B`, or none with unknown bits)."""
    import random

    kind = zcl_table.plain_kind(flag_type)
    bits = kind[1] * 8
    values = [*random.Random(bits).sample(range(1 << bits), min(300, 1 << bits)), 0, 1, 3, (1 << bits) - 1]
    values += [int(member.value) for member in flag_type.__members__.values()]
    for value in values:
        data = value.to_bytes(kind[1], "little")
        assert zcl.read_value(Reader(data), "v", kind) == zcl_zigpy.value(Reader(data), "v", flag_type), hex(value)
