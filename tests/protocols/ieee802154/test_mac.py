"""The MAC codec against scapy's dot15d4 (both directions), the radio.md 2.4 examples, and fuzzing."""

from __future__ import annotations

import io

import pytest
from construct import ConstructError
from hypothesis import given
from hypothesis import strategies as st

from protocols.ieee802154 import (
    AckFrame,
    AddrMode,
    AssociationRequest,
    AssociationResponse,
    BeaconFrame,
    BeaconRequest,
    Capability,
    CommandFrame,
    CoordinatorRealignment,
    DataFrame,
    DataRequest,
    Disassociation,
    Frame,
    FrameType,
    FrameVersion,
    GtsFields,
    Header,
    Ieee802154DecodeError,
    Ieee802154EncodeError,
    OrphanNotification,
    PanIdConflict,
    PendingAddresses,
    RawCommand,
    SecurityHeader,
    SuperframeSpec,
    append_fcs,
    build,
    fastpath,
    mac,
    parse,
    peek,
)

from .scapy_frames import frames

SCAPY = [(name, pkt, bytes(pkt)) for name, pkt in frames()]
IDS = [name for name, _, _ in SCAPY]

_SIMPLE_COMMANDS = {4: DataRequest(), 5: PanIdConflict(), 6: OrphanNotification(), 7: BeaconRequest()}


def _from_scapy(pkt) -> Frame:  # type: ignore[no-untyped-def]
    """Our frame value, written out from scapy's own dissection of `pkt` (independent of our parser)."""
    from scapy.layers.dot15d4 import Dot15d4FCS

    pkt = Dot15d4FCS(bytes(pkt))
    body = pkt.payload

    def get(name: str) -> int | None:
        return body.getfieldval(name) if name in body.fields else None

    dst_mode, src_mode = AddrMode(pkt.fcf_destaddrmode), AddrMode(pkt.fcf_srcaddrmode)
    header = Header(
        FrameType(pkt.fcf_frametype),
        pkt.seqnum,
        dst_mode,
        get("dest_panid") if dst_mode else None,
        get("dest_addr") if dst_mode else None,
        src_mode,
        get("src_panid"),
        get("src_addr") if src_mode else None,
        pan_id_compression=bool(pkt.fcf_panidcompress),
        ack_request=bool(pkt.fcf_ackreq),
        frame_pending=bool(pkt.fcf_pending),
        security=bool(pkt.fcf_security),
        version=FrameVersion(pkt.fcf_framever),
    )
    security = None
    if pkt.fcf_security:
        aux = body.aux_sec_header
        mode = aux.sec_sc_keyidmode
        security = SecurityHeader(
            aux.sec_sc_seclevel,
            mode,
            aux.sec_framecounter,
            aux.sec_keyid_keysource if mode >= 2 else None,
            aux.sec_keyid_keyindex if mode else None,
        )
    rest = bytes(body.payload)
    if header.frame_type == FrameType.ACK:
        return AckFrame(header)
    if header.frame_type == FrameType.DATA:
        return DataFrame(header, rest, security)
    if header.frame_type == FrameType.BEACON:
        superframe = SuperframeSpec(
            body.sf_beaconorder,
            body.sf_sforder,
            body.sf_finalcapslot,
            bool(body.sf_battlifeextend),
            bool(body.sf_reserved),
            bool(body.sf_pancoord),
            bool(body.sf_assocpermit),
        )
        pending = PendingAddresses(tuple(body.pa_short_addresses), tuple(body.pa_long_addresses))
        return BeaconFrame(header, superframe, GtsFields(bool(body.gts_spec_permit)), pending, rest, security)
    cmd_id = body.cmd_id
    if security is not None:
        return CommandFrame(header, RawCommand(cmd_id, rest), security)
    args = body.payload
    command = {
        1: lambda: AssociationRequest(Capability(int.from_bytes(bytes(args)[:1], "little"))),
        2: lambda: AssociationResponse(args.short_address, args.association_status),
        3: lambda: Disassociation(args.disassociation_reason),
        8: lambda: CoordinatorRealignment(
            args.panid,
            args.coord_address,
            args.channel,
            args.dev_address,
            args.payload.channel_page if args.payload else None,
        ),
    }.get(cmd_id, lambda: _SIMPLE_COMMANDS[cmd_id])()
    return CommandFrame(header, command)


@pytest.mark.parametrize("name, pkt, psdu", SCAPY, ids=IDS)
def test_parse_matches_scapy_dissection(name: str, pkt, psdu: bytes) -> None:  # type: ignore[no-untyped-def]
    assert parse(psdu) == _from_scapy(pkt)


@pytest.mark.parametrize("name, pkt, psdu", SCAPY, ids=IDS)
def test_build_matches_scapy_bytes(name: str, pkt, psdu: bytes) -> None:  # type: ignore[no-untyped-def]
    assert build(_from_scapy(pkt)) == psdu


@pytest.mark.parametrize("name, pkt, psdu", SCAPY, ids=IDS)
def test_peek_agrees_with_parse(name: str, pkt, psdu: bytes) -> None:  # type: ignore[no-untyped-def]
    assert peek(psdu) == parse(psdu).header


def test_primer_worked_examples() -> None:
    # source: radio.md 2.4 (scapy Dot15d4FCS, crcmod, tshark "FCS: Correct").
    data = bytes.fromhex("61882A621A00006F79480000006F791E10000102070901013300210000002828")
    frame = parse(data)
    assert isinstance(frame, DataFrame)
    assert frame.payload == bytes.fromhex("48 00 00 00 6F 79 1E 10  00 01 02 07 09 01 01 33  00 21 00 00 00")
    assert (frame.header.dst_pan, frame.header.dst_addr, frame.header.src_addr) == (0x1A62, 0x0000, 0x796F)
    assert build(frame) == data
    assert parse(bytes.fromhex("0200560B82")) == AckFrame(Header(FrameType.ACK, 0x56))
    request = parse(bytes.fromhex("030801FFFFFFFF07132D"))
    assert request == CommandFrame(Header(FrameType.COMMAND, 1, AddrMode.SHORT, 0xFFFF, 0xFFFF), BeaconRequest())
    # radio.md 2.1 common FCF values: association request 0xC823, router joiner capability 0x8E.
    assoc = dict((name, psdu) for name, _, psdu in SCAPY)["assoc-request"]
    assert assoc[:2] == bytes.fromhex("23C8")
    frame = parse(assoc)
    assert isinstance(frame, CommandFrame) and isinstance(frame.command, AssociationRequest)
    assert int(frame.command.capability) == 0x8E


def test_security_header_facts() -> None:
    # IEEE 802.15.4-2006 table 95: MIC length by security level; levels 4-7 encrypt.
    assert [SecurityHeader(level).mic_length for level in range(8)] == [0, 4, 8, 16, 0, 4, 8, 16]
    assert [SecurityHeader(level).encrypted for level in (3, 4)] == [False, True]
    frame = parse(dict((name, psdu) for name, _, psdu in SCAPY)["data-secured-index"])
    assert frame.security is not None and len(frame.payload) == 16 and frame.security.mic_length == 8


def test_fcs32_frames() -> None:
    # radio.md 2.4: CRC-32 of 02 00 56 is sent BD F9 CD 7E.
    frame = parse(bytes.fromhex("020056BDF9CD7E"), fcs=32)
    assert frame == AckFrame(Header(FrameType.ACK, 0x56))
    assert build(frame, fcs=32) == bytes.fromhex("020056BDF9CD7E")
    with pytest.raises(Ieee802154DecodeError) as info:
        parse(bytes.fromhex("020056BDF9CD7F"), fcs=32)
    assert info.value.offset == 3 and info.value.field == "fcs"


@pytest.mark.parametrize(
    "psdu, offset, field",
    [
        ("0200560B83", 3, "fcs"),  # radio.md ACK with a bit flipped in the FCS
        ("02", 1, "fcf"),  # shorter than FCF + FCS
        (append_fcs(bytes.fromhex("4188")).hex(), 2, "?"),  # ends before the sequence number
        (append_fcs(bytes.fromhex("41882a621a")).hex(), 5, "?"),  # ends inside the destination address
        (append_fcs(bytes.fromhex("0400aa")).hex(), 0, "fcf.frame_type"),
        (append_fcs(bytes.fromhex("4134aa")).hex(), 1, "fcf"),  # addressing mode 1
        (append_fcs(bytes.fromhex("4102aa")).hex(), 1, "fcf.ie_present"),
        (append_fcs(bytes.fromhex("4900aa")).hex(), 0, "fcf.security"),  # 2003 security
        (append_fcs(bytes.fromhex("0308010000ffff0700")).hex(), 8, "end"),  # beacon request + 1 octet
        (append_fcs(bytes.fromhex("0308010000ffff02")).hex(), 8, "?"),  # association response, no fields
    ],
)
def test_decode_errors_say_where(psdu: str, offset: int, field: str) -> None:
    data = bytes.fromhex(psdu)
    with pytest.raises(Ieee802154DecodeError) as info:
        parse(data)
    assert info.value.offset == offset
    assert field == "?" or info.value.field == field
    assert 0 <= info.value.offset <= len(data)


BASE = Header(FrameType.DATA, 1, AddrMode.SHORT, 0x1A62, 0, AddrMode.SHORT, None, 1, pan_id_compression=True)


@pytest.mark.parametrize(
    "frame",
    [
        AckFrame(BASE),  # type disagrees with class
        DataFrame(Header(FrameType.DATA, None)),  # 2003 frame without DSN
        DataFrame(Header(FrameType.DATA, 1, AddrMode.SHORT, 0x1A62, None)),  # mode without address
        DataFrame(Header(FrameType.DATA, 1, AddrMode.SHORT, None, 5)),  # address without its PAN
        DataFrame(Header(FrameType.DATA, 1, AddrMode.SHORT, 1, 5, AddrMode.SHORT, 1, 5, pan_id_compression=True)),
        DataFrame(Header(FrameType.DATA, 256)),  # DSN over 8 bits
        DataFrame(Header(FrameType.DATA, 1, AddrMode.SHORT, 1, 0x10000)),  # short address over 16 bits
        DataFrame(BASE, security=SecurityHeader(5)),  # security without the FCF bit
        DataFrame(
            Header(FrameType.DATA, 1, security=True, version=FrameVersion.V2006),
            security=SecurityHeader(5, key_id_mode=1),
        ),  # mode 1 without key index
        BeaconFrame(Header(FrameType.BEACON, 1), SuperframeSpec(beacon_order=16)),
        BeaconFrame(Header(FrameType.BEACON, 1), pending=PendingAddresses(tuple(range(8)))),
        CommandFrame(Header(FrameType.COMMAND, 1), RawCommand(4)),  # a known command kept raw
        CommandFrame(Header(FrameType.COMMAND, 1), AssociationResponse(0x1_0000)),
        DataFrame(BASE, b"\x00" * 119),  # 9 + 119 + 2 = 130 octets: over aMaxPhyPacketSize (127)
        DataFrame(BASE._replace(ack_request=2)),  # an int for a one-bit flag would set pan_id_compression
        DataFrame(BASE._replace(frame_pending=2)),  # ... or ack_request
        DataFrame(BASE._replace(security=16)),  # ... or a bit far away
    ],
)
def test_unbuildable_values(frame: Frame) -> None:
    with pytest.raises(Ieee802154EncodeError):
        build(frame)


def _with_fcs(mpdu: bytes) -> bytes:
    return append_fcs(mpdu)


def _check(psdu: bytes) -> None:
    """The property every input must satisfy: a frame that rebuilds exactly, or a located error."""
    try:
        frame = parse(psdu)
    except Ieee802154DecodeError as exc:
        assert 0 <= exc.offset <= len(psdu)
    else:
        assert build(frame) == psdu
        assert peek(psdu) == frame.header


@given(st.binary(max_size=130))
def test_random_bytes(data: bytes) -> None:
    _check(data)


@given(st.binary(max_size=128))
def test_random_mpdu_with_good_fcs(mpdu: bytes) -> None:
    _check(_with_fcs(mpdu))


@given(st.sampled_from([psdu for _, _, psdu in SCAPY]), st.data())
def test_mutations_of_valid_frames(psdu: bytes, data: st.DataObject) -> None:
    mpdu = bytearray(psdu[:-2])
    cut = data.draw(st.integers(0, len(mpdu)))
    flips = data.draw(st.lists(st.integers(0, 8 * len(mpdu) - 1), max_size=3))
    for bit in flips:
        mpdu[bit // 8] ^= 1 << bit % 8
    _check(_with_fcs(bytes(mpdu)))  # bit flips with the FCS fixed up
    _check(_with_fcs(bytes(mpdu[:cut])))  # truncated, FCS fixed up
    _check(psdu[:cut])  # truncated, FCS wrong


def _both(mpdu: bytes) -> tuple[str, object]:
    try:
        return "ok", mac._MPDU_COMPILED.parse(mpdu)
    except Exception:  # noqa: BLE001 - compiled code raises struct.error and friends
        stream = io.BytesIO(mpdu)
        try:
            mac._MPDU.parse_stream(stream)
        except ConstructError:
            return "error", None
        raise AssertionError("the compiled struct failed where the checked one parsed") from None


@given(st.one_of(st.binary(max_size=60), st.sampled_from([psdu[:-2] for _, _, psdu in SCAPY])))
def test_compiled_and_checked_structs_agree(mpdu: bytes) -> None:
    outcome, compiled = _both(mpdu)
    if outcome == "ok":
        assert compiled == mac._MPDU.parse(mpdu)
        assert mac._MPDU_COMPILED.build(compiled) == mac._MPDU.build(compiled) == mpdu


def _fast_and_checked_agree(mpdu: bytes) -> None:
    """`fastpath.parse_fast` declines exactly where the checked codec raises, and agrees where it decodes;
    `peek` (which reads through the same per-FCF layouts) agrees with the checked codec's header."""
    fast = fastpath.parse_fast(append_fcs(mpdu), len(mpdu))
    try:
        checked = mac.parse_checked(mpdu)
    except Ieee802154DecodeError:
        assert fast is None, f"fast path decoded what the checked codec refuses: {fast!r}"
    else:
        assert fast == checked
        assert peek(mpdu) == checked.header


_FCFS = st.builds(  # FCFs from their fields, so that most are ones the codec decodes
    lambda kind, flags, dst, version, src: kind | flags << 3 | dst << 10 | version << 12 | src << 14,
    st.integers(0, 7),
    st.integers(0, 127),
    st.sampled_from([0, 2, 3, 1]),
    st.integers(0, 3),
    st.sampled_from([0, 2, 3, 1]),
)


@given(_FCFS, st.binary(max_size=60))
def test_fast_path_agrees_with_checked_on_any_header(fcf: int, rest: bytes) -> None:
    _fast_and_checked_agree(fcf.to_bytes(2, "little") + rest)


@given(st.sampled_from([psdu[:-2] for _, _, psdu in SCAPY]), st.data())
def test_fast_path_agrees_with_checked_on_mutated_frames(mpdu: bytes, data: st.DataObject) -> None:
    mutated = bytearray(mpdu)
    for bit in data.draw(st.lists(st.integers(0, 8 * len(mpdu) - 1), max_size=3)):
        mutated[bit // 8] ^= 1 << bit % 8
    _fast_and_checked_agree(bytes(mutated))
    _fast_and_checked_agree(bytes(mutated[: data.draw(st.integers(0, len(mutated)))]))
    _fast_and_checked_agree(bytes(mutated) + data.draw(st.binary(min_size=1, max_size=4)))


def test_fast_path_agrees_with_checked_for_every_fcf() -> None:
    # Every FCF value over one tail long enough for any header, aux header and command: the layouts
    # computed per FCF must match the reference struct's Switch cases one for one.
    tail = bytes(range(7, 7 + 40))
    for fcf in range(0x10000):
        _fast_and_checked_agree(fcf.to_bytes(2, "little") + tail)


@pytest.mark.parametrize("name, pkt, psdu", SCAPY, ids=IDS)
def test_fast_path_decodes_every_scapy_frame(name: str, pkt, psdu: bytes) -> None:  # type: ignore[no-untyped-def]
    assert fastpath.parse_fast(psdu, len(psdu) - 2) == parse(psdu)


def test_the_longest_psdu_is_127_octets() -> None:
    """aMaxPhyPacketSize (radio.md 1): 127 octets build and parse; one more does neither."""
    longest = DataFrame(BASE, b"\x00" * 116)  # 9 octets of MHR, 116 of payload, 2 of FCS
    assert len(build(longest)) == 127 and parse(build(longest)) == longest
    too_long = append_fcs(build(longest)[:-2] + b"\x00")  # a correct FCS over 126 octets: 128 in all
    with pytest.raises(Ieee802154DecodeError, match="aMaxPhyPacketSize") as info:
        parse(too_long)
    assert info.value.offset == 127


@pytest.mark.parametrize("value", [5, "0102", None, 3.5])
def test_parse_takes_bytes_only(value: object) -> None:
    """An int is not a length to allocate, a str not hex: both are refused with a TypeError naming the type."""
    with pytest.raises(TypeError, match=type(value).__name__):
        parse(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=type(value).__name__):
        peek(value)  # type: ignore[arg-type]
    assert parse(bytearray(build(DataFrame(BASE)))) == DataFrame(BASE)  # bytes-like is fine
