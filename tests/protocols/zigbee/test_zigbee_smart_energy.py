"""GB Smart Energy cluster extensions: zigpy sees them, names/IDs match Wireshark's SE tables, and
every command schema produces frames Wireshark's SE dissector reads exactly to the last octet."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import zigpy.types as t
from zigpy.zcl import Cluster, foundation
from zigpy.zcl.clusters import smartenergy as zigpy_se

from protocols.zigbee import ApsFrame, ApsFrameType, NwkFrame, NwkFrameType, build_aps, build_nwk, smart_energy
from protocols.zigbee.zcl_registry import cluster_class
from tests.protocols.zigbee.vectors import mac_data_frame, write_pcap

needs_tshark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark (Wireshark) is not installed")

# Wireshark's field-name prefix for each cluster's tables (packet-zbee-zcl-se.c).
WIRESHARK_PREFIX = {
    0x0700: "price",
    0x0703: "msg",
    0x0704: "tun",
    0x0705: "pp",
    0x0707: "calendar",
    0x0708: "device_management",
    0x0709: "events",
    0x070B: "sub_ghz",
}
GLOBAL_ATTRIBUTES = {0xFFFD, 0xFFFE}


class FakeDevice:
    """Just enough of a zigpy Device for Cluster.request to build and hand over a frame."""

    manufacturer_id = None
    name = "fake"
    nwk = 0x796F
    ieee = t.EUI64.convert("00:11:22:33:44:55:66:77")

    def get_sequence(self) -> int:
        return 9


class FakeEndpoint:
    """Records the ZCL bytes zigpy's cluster API sends through it."""

    endpoint_id = 1
    manufacturer_id = None

    def __init__(self) -> None:
        self.device = FakeDevice()
        self.sent: list[tuple[int, bytes]] = []

    async def request(self, cluster: int, sequence: int, data: bytes, **_: Any) -> None:
        self.sent.append((cluster, data))


def test_zigpy_registry_resolves_our_classes() -> None:
    endpoint = FakeEndpoint()
    for cluster_id, cls in smart_energy.CLUSTERS.items():
        assert cluster_class(cluster_id) is cls
        instance = Cluster.from_id(endpoint, cluster_id)
        assert type(instance) is cls and instance.cluster_id == cluster_id
        if cluster_id != smart_energy.SUB_GHZ_CLUSTER_ID:  # an extension of zigpy's class, not a twin
            assert issubclass(cls, getattr(zigpy_se, cls.__mro__[1].__name__))
    assert not hasattr(zigpy_se, "SubGhz")


def test_tunneling_requests_through_zigpy_match_radio_md_5_6() -> None:
    endpoint = FakeEndpoint()
    tunneling = Cluster.from_id(endpoint, 0x0704)

    async def send() -> None:
        await tunneling.request_tunnel(
            protocol_id=smart_energy.TunnelProtocol.GB_HRGP,
            manufacturer_code=0xFFFF,
            flow_control_support=False,
            max_incoming_transfer_size=1500,
            tsn=6,
        )
        await tunneling.transfer_data(tunnel_id=0x0102, data=t.Bytes(b"\xde\xad\xbe\xef"), tsn=7, expect_reply=False)

    asyncio.run(send())
    # radio.md 5.6: RequestTunnel = protocol (1) + manufacturer (2) + flow control (1) + max size (2);
    # TransferData = tunnel ID (2) + opaque octets; ZCL header: cluster-specific, client->server.
    assert endpoint.sent == [
        (0x0704, bytes.fromhex("01060006ffff00dc05")),
        (0x0704, bytes.fromhex("0107020201deadbeef")),
    ]


def test_received_transfer_data_deserialises() -> None:
    tunneling = Cluster.from_id(FakeEndpoint(), 0x0704)
    header, command = tunneling.deserialize(bytes.fromhex("0911010300cafe"))  # server->client TransferData
    assert header.command_id == 0x01 and command.tunnel_id == 3 and command.data == b"\xca\xfe"


def _norm(name: str) -> str:
    """Compare names the way both spell them: letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.lower().removesuffix("_to_client"))


@pytest.fixture(scope="module")
def wireshark_values() -> dict[str, dict[int, str]]:
    if shutil.which("tshark") is None:
        pytest.skip("tshark (Wireshark) is not installed")
    out = subprocess.run(["tshark", "-G", "values"], capture_output=True, text=True, timeout=120, check=True).stdout
    tables: dict[str, dict[int, str]] = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] == "V" and parts[1].startswith("zbee_zcl_se."):
            tables.setdefault(parts[1], {})[int(parts[2], 0)] = parts[3]
    return tables


@pytest.mark.parametrize("cluster_id", list(smart_energy.CLUSTERS), ids=hex)
def test_names_and_ids_match_wireshark(cluster_id: int, wireshark_values: dict[str, dict[int, str]]) -> None:
    cls = smart_energy.CLUSTERS[cluster_id]
    prefix = f"zbee_zcl_se.{WIRESHARK_PREFIX[cluster_id]}"
    for ours, theirs in ((cls.ServerCommandDefs, "cmd.srv_rx.id"), (cls.ClientCommandDefs, "cmd.srv_tx.id")):
        table = wireshark_values[f"{prefix}.{theirs}"]
        assert {c.id: _norm(c.name) for c in ours} == {i: _norm(n) for i, n in table.items()}
    attributes = {a.id: _norm(a.name) for a in cls.AttributeDefs if a.id not in GLOBAL_ATTRIBUTES}
    table = wireshark_values.get(f"{prefix}.attr_id", {})
    assert attributes == {i: _norm(table[i]) for i in attributes}


def test_metering_is_zigpys_with_gbs_supplementary_attributes() -> None:
    cls = cluster_class(0x0702)
    assert cls is smart_energy.Metering and cls.__mro__[1] is zigpy_se.Metering
    assert all(cls.attributes[attr.id] == attr for attr in zigpy_se.Metering.attributes.values())
    added = {attr_id: (name, kind) for name, (attr_id, kind) in smart_energy.SUPPLEMENTARY_ATTRIBUTES.items()}
    # meters.md 4.1: 0x0607/0x0608 tamper and depletion, 0x0700-0x0703 blocks, 0x0B10-0x0B15 uncontrolled flow
    assert sorted(added) == [0x0607, 0x0608, 0x0700, 0x0701, 0x0702, 0x0703, *range(0x0B10, 0x0B16)]
    assert not set(added) & set(zigpy_se.Metering.attributes)
    for attr_id, (name, kind) in added.items():
        assert (cls.attributes[attr_id].name, cls.attributes[attr_id].type) == (name, kind)
        assert cls.attributes_by_name[name].id == attr_id


def test_supplementary_metering_attributes_are_wiresharks(wireshark_values: dict[str, dict[int, str]]) -> None:
    table = wireshark_values["zbee_zcl_se.met.attr_id"]
    for name, (attr_id, _kind) in smart_energy.SUPPLEMENTARY_ATTRIBUTES.items():
        theirs = _norm(table[attr_id]).replace("summation", "summ")
        # Wireshark drops "threshold" from 0x0B11's name; ours keeps the GSME profiles' spelling
        assert _norm(name) == theirs or _norm(name) == theirs.replace("flowunit", "flowthresholdunit")


def _sample(kind: Any) -> Any:
    """A small valid value of a zigpy type, to fill every field of a schema."""
    if isinstance(kind, type) and issubclass(kind, t.Struct):
        return kind(**{f.name: _sample(f.type) for f in kind.fields})
    if isinstance(kind, type) and issubclass(kind, t.List):
        return kind([_sample(kind._item_type)])
    if kind is t.Bytes:
        return t.Bytes(b"\x01\x02\x03")
    if isinstance(kind, type) and issubclass(kind, str):
        return kind("hi")
    if isinstance(kind, type) and issubclass(kind, bytes):
        return kind(b"ab")
    return kind(1)


# Opaque tails whose layout another field selects (control value 1 in each case): a valid
# sub-payload so Wireshark can read it (SE 1.4 layouts as packet-zbee-zcl-se.c dissects them).
OPAQUE_TAILS = {
    ("Price", "publish_price_matrix"): {"payload": t.Bytes(bytes.fromhex("1110270000"))},  # tier/block, price
    ("Price", "publish_block_thresholds"): {"payload": t.Bytes(bytes.fromhex("01e80300000000"))},
    ("DeviceManagement", "set_event_configuration"): {"event_configuration_payload": t.Bytes(bytes.fromhex("0102"))},
}


def _every_command() -> list[tuple[int, str, Any, foundation.Direction]]:
    found = []
    for cluster_id, cls in smart_energy.CLUSTERS.items():
        for defs, direction in (
            (cls.ServerCommandDefs, foundation.Direction.Client_to_Server),
            (cls.ClientCommandDefs, foundation.Direction.Server_to_Client),
        ):
            found += [(cluster_id, cls.__name__, command, direction) for command in defs]
    return found


def _sample_args(class_name: str, command: Any) -> dict[str, Any]:
    args = {f.name: _sample(f.type) for f in command.schema.fields}
    args.update(OPAQUE_TAILS.get((class_name, command.name), {}))
    return args


@pytest.mark.parametrize(
    "cluster_id, class_name, command, direction",
    _every_command(),
    ids=[f"{c[1]}.{c[2].name}" for c in _every_command()],
)
def test_every_command_round_trips_through_zigpy(
    cluster_id: int, class_name: str, command: Any, direction: foundation.Direction
) -> None:
    cluster = Cluster.from_id(FakeEndpoint(), cluster_id)
    request = command.schema(**_sample_args(class_name, command))
    header = foundation.ZCLHeader.cluster(5, command.id, direction=direction)
    parsed_header, parsed = cluster.deserialize(header.serialize() + request.serialize())
    assert parsed_header.command_id == command.id and parsed == request


def _fields_end(packet: ET.Element) -> int:
    """Where the last octet Wireshark dissected above the MAC ends (ZCL fields and subdissectors)."""
    ends = [
        int(field.get("pos", 0)) + int(field.get("size", 0))
        for proto in packet.iter("proto")
        if proto.get("name") not in ("geninfo", "frame", "wpan")
        for field in proto.iter("field")
        if field.get("pos") is not None
    ]
    return max(ends)


@needs_tshark
def test_wireshark_reads_every_command_to_its_last_octet(tmp_path: Path) -> None:
    commands = _every_command()
    frames = []
    for index, (cluster_id, class_name, command, direction) in enumerate(commands):
        zcl = foundation.ZCLHeader.cluster(index & 0xFF, command.id, direction=direction).serialize()
        zcl += command.schema(**_sample_args(class_name, command)).serialize()
        aps = build_aps(
            ApsFrame(
                ApsFrameType.DATA,
                index & 0xFF,
                dst_endpoint=1,
                cluster=cluster_id,
                profile=0x0109,
                src_endpoint=1,
                payload=zcl,
            )
        )
        frames.append(
            mac_data_frame(
                build_nwk(NwkFrame(NwkFrameType.DATA, 0, 0x796F, index & 0xFF, payload=aps)),
                index & 0xFF,
                0x0000,
                0x796F,
            )
        )
    path = tmp_path / "se.pcap"
    write_pcap(path, frames)
    pdml = subprocess.run(
        ["tshark", "-n", "-r", str(path), "-T", "pdml"], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    packets = list(ET.fromstring(pdml).iter("packet"))
    assert len(packets) == len(commands)
    short, malformed = [], []
    for (_cluster_id, class_name, command, _), frame, packet in zip(commands, frames, packets, strict=False):
        if packet.find("proto[@name='_ws.malformed']") is not None:
            malformed.append(f"{class_name}.{command.name}")
        elif _fields_end(packet) != len(frame) - 2:  # Wireshark stopped before our last octet
            short.append(f"{class_name}.{command.name}")
    assert malformed == [] and short == []


@needs_tshark
def test_change_debt_balance_percentage_is_two_octets_where_wireshark_reads_one(tmp_path: Path) -> None:
    """The one layout where the RTDS corpus overrules Wireshark 4.0.17 (packet-zbee-zcl-se.c).

    ChangeDebt's Debt Recovery Balance Percentage is an unsigned 16-bit integer in SE 1.4 (D.7.2.3.3),
    and all 12 RTDS ChangeDebt components (GCS04) decode to their last octet only so; Wireshark
    dissects 1 octet and leaves the second undissected. Pin that down, so that a Wireshark which
    changes its reading (or a schema which drifts) is noticed."""
    command = smart_energy.Prepayment.ServerCommandDefs.change_debt
    assert command.schema.fields[-1].name == "debt_recovery_balance_percentage"
    assert command.schema.fields[-1].type is t.uint16_t
    zcl = foundation.ZCLHeader.cluster(1, command.id, direction=foundation.Direction.Client_to_Server).serialize()
    zcl += command.schema(**_sample_args("Prepayment", command)).serialize()
    aps = build_aps(
        ApsFrame(ApsFrameType.DATA, 1, dst_endpoint=1, cluster=0x0705, profile=0x0109, src_endpoint=1, payload=zcl)
    )
    frame = mac_data_frame(build_nwk(NwkFrame(NwkFrameType.DATA, 0, 0x796F, 1, payload=aps)), 1, 0x0000, 0x796F)
    path = tmp_path / "change_debt.pcap"
    write_pcap(path, [frame])
    pdml = subprocess.run(
        ["tshark", "-n", "-r", str(path), "-T", "pdml"], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    field = next(
        f for f in ET.fromstring(pdml).iter("field") if f.get("showname", "").startswith("Debt Recovery Balance")
    )
    assert (int(field.get("pos")), int(field.get("size"))) == (len(frame) - 2 - 2, 1)  # FCS, then our 2 octets
