"""The parsers the project has, each registered once (see `registry`).

Seeds are built by our own encoders from values the primers and specifications describe
(gbcs.md 3.6's ECS52, radio.md's frame layouts), never copied from the RTDS corpus: the
repo cannot ship it, and the fuzzer must run where it is absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from hal.virtual.floorplan import BUILTIN_FLOORPLANS, FloorPlanError, parse_floorplan
from protocols import ieee802154, pcap, zigbee
from protocols.errors import DecodeError
from protocols.gbcs import GbcsDecodeError, Message
from protocols.gbcs.envelope import decode as gbcs_decode
from protocols.gbcs.envelope import encode as gbcs_encode
from protocols.gbcs.gbt import segment
from protocols.gbcs.payload import PayloadContext, decode_payload
from protocols.ieee802154 import AddrMode, DataFrame, FrameType, FrameVersion, Header, SecurityHeader
from protocols.zigbee import ApsFrame, ApsFrameType, AuxHeader, KeyId, NwkFrame, NwkFrameType
from protocols.zigbee.errors import ZigbeeDecodeError
from protocols.zigbee.nwk import BROADCAST_RX_ON_WHEN_IDLE
from protocols.zigbee.zdo import ZdoFrame, build_zdo, parse_zdo

from .registry import Target, register

#: gbcs.md 3.6: the ECS52 command, MACed (General Ciphering around General Signing).
ECS52 = bytes.fromhex(
    "DD000000000000471100000000DF090100000000000003E80890B3D51F300100000800DB1234567890A000020059"
    "13D9200003E8000101000100000002" "01FF020100" "00A25A51A93BAFA5C9E2B224BD"
)  # fmt: skip
#: Payload seeds, one per family of gbcs.md 5: a DLMS access-request (ECS52's), a data-notification
#: of a structure with a long-unsigned and a 12-octet date-time (5.5), a GBZ Configure Reporting
#: component (5.3) and a DER SEQUENCE of an INTEGER and an OCTET STRING (5.4).
PAYLOADS = (
    bytes.fromhex("D9200003E800010100010000000201FF020100"),
    bytes.fromhex("0F20000001000202128F66090C07EA010FFF09000000800000"),
    bytes.fromhex("010901010702000C000106000000200100020005"),
    bytes.fromhex("30090201010404DEADBEEF"),
)
#: Message codes and CRA flags the payload target rotates through: ECS52 (DLMS), an alert (0x00CC),
#: a GBZ use case (GCS, 0x0083) and a CS use case with an ASN.1 schema (CS02b, 0x0016).
_CONTEXTS = ((0x0059, 1), (0x00CC, 3), (0x0083, 2), (0x0016, 1))


def _gbcs_seeds() -> Iterable[bytes]:
    from protocols.gbcs.example import example_command

    yield ECS52
    yield example_command().wire
    message, _ = gbcs_decode(ECS52)
    for payload in PAYLOADS:
        yield gbcs_encode(replace(message, payload=payload))
    date_time = bytes.fromhex("07E90C04040A1E0000FFC400")  # gbcs.md 3.3: 2025-12-04 10:30, UTC+1
    yield gbcs_encode(replace(message, date_time_raw=date_time))
    yield gbcs_encode(replace(message, date_time_raw=date_time, mac=None))  # General Signing alone (gbcs.md 3.4)
    yield from segment(ECS52, block_size=24)


def _gbcs_parse(data: bytes) -> object:
    from protocols.gbcs import parse

    return parse(data)


def _gbcs_build(message: Message) -> bytes:
    from protocols.gbcs import build

    return build(message)


def _payload_parse(data: bytes) -> object:
    """The first octet picks the message context (a GBCS envelope supplies it), the rest is the payload."""
    if not data:
        return decode_payload(data, base_offset=0, context=PayloadContext(*_CONTEXTS[0]))
    code, cra = _CONTEXTS[data[0] % len(_CONTEXTS)]
    return decode_payload(data[1:], base_offset=1, context=PayloadContext(code, cra))


def _payload_seeds() -> Iterable[bytes]:
    for index, payload in enumerate(PAYLOADS):
        yield bytes((index,)) + payload


_SHORT = Header(FrameType.DATA, 7, AddrMode.SHORT, 0x1A62, 0x0000, AddrMode.SHORT, None, 0x796F, True, True)


def _mac_seeds() -> Iterable[bytes]:
    nwk = zigbee.build_nwk(NwkFrame(NwkFrameType.DATA, dst=0x0000, src=0x796F, seq=1, payload=b"\x00\x01"))
    yield ieee802154.build(DataFrame(_SHORT, nwk))
    yield ieee802154.build_ack(7, frame_pending=True)
    secured = _SHORT._replace(security=True, version=FrameVersion.V2006)
    yield ieee802154.build(DataFrame(secured, b"\x01\x02\x03\x04", SecurityHeader(5, 1, 9, None, 1)))
    yield ieee802154.append_fcs(bytes.fromhex("030801ffffffff07"))  # beacon request (radio.md 2.4)


def _nwk_seeds() -> Iterable[bytes]:
    aux = AuxHeader(KeyId.NETWORK, frame_counter=5, source=0x0011223344556677, key_seq=0)
    yield zigbee.build_nwk(
        NwkFrame(NwkFrameType.DATA, dst=BROADCAST_RX_ON_WHEN_IDLE, src=0, seq=3, radius=5, payload=b"\x08\x00")
    )
    yield zigbee.build_nwk(NwkFrame(NwkFrameType.DATA, dst=1, src=2, seq=4, aux=aux, payload=b"\x00" * 8))
    yield zigbee.build_nwk(
        NwkFrame(NwkFrameType.COMMAND, dst=1, src=2, seq=5, dst_ieee=1, src_ieee=2, payload=b"\x01\x08\x00\x00")
    )


def _aps_seeds() -> Iterable[bytes]:
    yield zigbee.build_aps(
        ApsFrame(ApsFrameType.DATA, 9, dst_endpoint=1, cluster=0x0702, profile=0x0109, src_endpoint=1, payload=b"\x00")
    )
    yield zigbee.build_aps(ApsFrame(ApsFrameType.ACK, 9, ack_format=True))


def _zdo_parse(data: bytes) -> object:
    """The first two octets name the ZDO cluster (the APS header carries it), the rest is the frame."""
    if len(data) < 2:
        raise ZigbeeDecodeError("zigbee.zdo", len(data), "cluster", "the fuzz input's 2-octet cluster ID is cut")
    return parse_zdo(int.from_bytes(data[:2], "little"), data[2:], base=2)


def _zdo_build(frame: ZdoFrame) -> bytes:
    return frame.cluster.to_bytes(2, "little") + build_zdo(frame)


def _zdo_seeds() -> Iterable[bytes]:
    yield bytes.fromhex("00000177665544332211000000")  # NWK_addr_req (cluster 0x0000)
    yield bytes.fromhex("1300026f7977665544332211008e")  # Device_annce (cluster 0x0013)


def _pcap_seeds() -> Iterable[bytes]:
    psdu = ieee802154.build_ack(1)
    for linktype in sorted(pcap.LINKTYPES):
        record = pcap.PcapRecord(1.5, psdu, 0, 11, -60.0, 200) if linktype == pcap.LINKTYPE_IEEE802_15_4_TAP else None
        rec = record or pcap.PcapRecord(1.5, psdu)
        yield pcap.file_header(linktype) + pcap.record(rec, linktype)


def _floorplan_parse(data: bytes) -> object:
    return parse_floorplan(data.decode("utf-8", errors="replace"), source="<fuzz>")


def _floorplan_seeds() -> Iterable[bytes]:
    from importlib import resources

    for name in BUILTIN_FLOORPLANS:
        yield resources.files("hal.virtual.floorplans").joinpath(f"{name}.toml").read_bytes()


register(
    Target(
        "gbcs",
        _gbcs_parse,
        (GbcsDecodeError,),
        _gbcs_seeds,
        _gbcs_build,
        weight=4.0,  # its inputs are verified, and also run through `commshub decode` in batches
        notes="envelope + payloads",
    )
)
register(Target("gbcs_payload", _payload_parse, (GbcsDecodeError,), _payload_seeds))
register(Target("ieee802154", ieee802154.parse, (DecodeError,), _mac_seeds, ieee802154.build, max_size=140))
register(Target("ieee802154_peek", ieee802154.peek, (DecodeError,), _mac_seeds, max_size=140))
register(Target("zigbee_nwk", zigbee.parse_nwk, (DecodeError,), _nwk_seeds, zigbee.build_nwk, max_size=140))
register(Target("zigbee_aps", zigbee.parse_aps, (DecodeError,), _aps_seeds, zigbee.build_aps, max_size=140))
register(Target("zigbee_zdo", _zdo_parse, (DecodeError,), _zdo_seeds, _zdo_build, max_size=140))
register(Target("pcap", pcap.read, (DecodeError,), _pcap_seeds, max_size=1024))
register(
    Target(
        "floorplan",
        _floorplan_parse,
        (FloorPlanError,),
        _floorplan_seeds,
        max_size=8192,
        notes="hal.virtual floor plan files",
    )
)

# The other parsers, by family; importing registers them (after this module's names they seed from).
from . import link_targets, payload_targets  # noqa: E402, F401 - imported to register, after ECS52/PAYLOADS
