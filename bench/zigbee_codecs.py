"""ZigBee NWK/APS codec throughput: `protocols.zigbee` against scapy's `ZigbeeNWK` / `ZigbeeAppDataPayload`.

Run: `.venv/bin/python -m bench.zigbee_codecs`.

The frames are built by scapy (an independent encoder) as the HAN carries them: NWK data frames
(plain, with IEEE addresses, source-routed, a command) and NWK-secured ones (network key,
extended nonce), APS unicast data with ZCL, broadcast, group, acks, a command and a fragment.
Before timing, our parse of every frame must rebuild it byte-exact.

What each side does, honestly:
* parse: ours decodes the header (and the auxiliary security header) into frozen dataclasses, the
  payload stays bytes; scapy decodes the same header with its payload left as `Raw` (like for like).
* build: ours from dataclasses, scapy `bytes(pkt)` of the same packets.
* secured NWK: ours `unsecure_nwk` (parse + CCM* decrypt and MIC check) and `secure_nwk` (build +
  encrypt); scapy decrypts nothing, so its figure is the header parse only (context, not a ratio
  of equals).
* "checked" lines run our construct reference path alone (what every frame cost before the fast
  path), so the fast/checked ratio is the speed-up on these frames.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.mac_codec import race
from protocols.zigbee import aps as aps_codec
from protocols.zigbee import build_aps, build_nwk, parse_aps, parse_nwk, secure_nwk, unsecure_nwk
from protocols.zigbee import nwk as nwk_codec

_KEY = bytes(range(16))
_METER = 0x0011223344556677


def _nwk_packets() -> list[Any]:
    from scapy.layers.zigbee import ZigbeeNWK, ZigbeeNWKCommandPayload
    from scapy.packet import Raw

    zcl = Raw(bytes.fromhex("40010207090101330018010000000000"))
    return [
        ZigbeeNWK(frametype=0, discover_route=1, destination=0x0000, source=0x796F, radius=30, seqnum=7) / zcl,
        ZigbeeNWK(
            frametype=0,
            discover_route=1,
            flags="extended_src",
            destination=0x0000,
            source=0x796F,
            radius=30,
            seqnum=8,
            ext_src=_METER,
        )
        / zcl,
        ZigbeeNWK(
            frametype=0,
            flags=0x18,
            destination=0xFFFD,
            source=0x4A2B,
            radius=1,
            seqnum=200,
            ext_dst=0x8877665544332211,
            ext_src=_METER,
        )
        / zcl,
        ZigbeeNWK(
            frametype=0,
            flags=0x04,
            destination=0x0001,
            source=0x0000,
            radius=5,
            seqnum=1,
            relay_count=2,
            relay_index=1,
            relays=[0x1111, 0x2222],
        )
        / zcl,
        ZigbeeNWK(frametype=1, destination=0x0000, source=0x3344, radius=1, seqnum=9)
        / ZigbeeNWKCommandPayload(cmd_identifier=4, request=1, rejoin=1),
    ]


def _secured_packets() -> list[Any]:
    from scapy.layers.zigbee import ZigbeeNWK, ZigbeeSecurityHeader

    return [
        ZigbeeNWK(
            frametype=0,
            discover_route=1,
            flags=flags,
            destination=0x0000,
            source=0x796F,
            radius=30,
            seqnum=0x40 + n,
            ext_src=_METER,
        )
        / ZigbeeSecurityHeader(
            key_type=1,
            nwk_seclevel=0,
            extended_nonce=1,
            fc=0x1000 + n,
            source=_METER,
            key_seqnum=0,
            data=bytes(range(n, n + 24)),
        )
        for n, flags in enumerate(("security", "security+extended_src"))
    ]


def _aps_packets() -> list[Any]:
    from scapy.layers.zigbee import ZigbeeAppDataPayload
    from scapy.packet import Raw

    zcl = Raw(bytes.fromhex("0021000000"))
    return [
        ZigbeeAppDataPayload(
            frame_control=0x04,
            delivery_mode=0,
            aps_frametype=0,
            dst_endpoint=1,
            cluster=0x0702,
            profile=0x0109,
            src_endpoint=1,
            counter=0x33,
        )
        / zcl,
        ZigbeeAppDataPayload(
            frame_control=0x04,
            delivery_mode=0,
            aps_frametype=0,
            dst_endpoint=1,
            cluster=0x0702,
            profile=0x0109,
            src_endpoint=1,
            counter=0x34,
        )
        / zcl,
        ZigbeeAppDataPayload(
            frame_control=0,
            delivery_mode=2,
            aps_frametype=0,
            dst_endpoint=0xFF,
            cluster=0x0700,
            profile=0x0109,
            src_endpoint=9,
            counter=4,
        )
        / zcl,
        ZigbeeAppDataPayload(
            frame_control=0,
            delivery_mode=3,
            aps_frametype=0,
            group_addr=0xBEEF,
            cluster=6,
            profile=0x0104,
            src_endpoint=1,
            counter=200,
        )
        / zcl,
        ZigbeeAppDataPayload(
            frame_control=0,
            delivery_mode=0,
            aps_frametype=2,
            dst_endpoint=1,
            cluster=0x0702,
            profile=0x0109,
            src_endpoint=1,
            counter=0x33,
        ),
        ZigbeeAppDataPayload(frame_control=0x01, delivery_mode=0, aps_frametype=2, counter=77),
        ZigbeeAppDataPayload(frame_control=0, delivery_mode=0, aps_frametype=1, counter=1) / Raw(b"\x08\x04"),
        ZigbeeAppDataPayload(
            frame_control=0x0C,
            delivery_mode=0,
            aps_frametype=0,
            dst_endpoint=1,
            cluster=0x0704,
            profile=0x0109,
            src_endpoint=1,
            counter=5,
            fragmentation=1,
            block_number=13,
        )
        / Raw(bytes(range(40))),
    ]


def _scapy_header_only(cls: Any, wire: list[bytes]) -> Callable[[], object]:
    """scapy's decode of `cls` with the payload left as Raw (our codecs stop at the payload too)."""
    from scapy.packet import Raw

    def work() -> object:
        original = cls.guess_payload_class
        cls.guess_payload_class = lambda self, payload: Raw
        try:
            return [cls(data) for data in wire]
        finally:
            cls.guess_payload_class = original

    return work


def main() -> None:
    from scapy.layers.zigbee import ZigbeeAppDataPayload, ZigbeeNWK

    nwk_pkts, sec_pkts, aps_pkts = _nwk_packets(), _secured_packets(), _aps_packets()
    nwk_wire, sec_wire, aps_wire = ([bytes(p) for p in pkts] for pkts in (nwk_pkts, sec_pkts, aps_pkts))
    nwk_frames = [parse_nwk(w) for w in nwk_wire]
    sec_frames = [parse_nwk(w) for w in sec_wire]
    aps_frames = [parse_aps(w) for w in aps_wire]
    assert [build_nwk(f) for f in nwk_frames + sec_frames] == nwk_wire + sec_wire, "NWK must round-trip first"
    assert [build_aps(f) for f in aps_frames] == aps_wire, "APS must round-trip first"
    # Open frames to secure, and their secured wire (what the stack sends and receives per frame).
    opened = [
        nwk_codec.NwkFrame(f.frame_type, f.dst, f.src, f.seq, radius=f.radius, src_ieee=_METER, payload=w)
        for f, w in zip(nwk_frames[:1] * 2, aps_wire[:2], strict=False)
    ]
    protected = [secure_nwk(f, key=_KEY, src_ieee=_METER, frame_counter=n, key_seq=0) for n, f in enumerate(opened)]
    assert [unsecure_nwk(w, key=_KEY).payload for w in protected] == aps_wire[:2]
    print(
        f"frames: {len(nwk_wire)} open NWK, {len(sec_wire)} NWK-secured, {len(aps_wire)} APS "
        "(scapy-built; every one parsed and rebuilt byte-exact before timing)"
    )

    def each(fn: Callable[[Any], object], items: list[Any]) -> tuple[Callable[[], object], int]:
        return (lambda: [fn(item) for item in items]), len(items)

    rates = race(
        {
            "NWK parse": each(parse_nwk, nwk_wire),
            "NWK parse, checked": each(nwk_codec.parse_nwk_checked, nwk_wire),
            "NWK parse, scapy": (_scapy_header_only(ZigbeeNWK, nwk_wire), len(nwk_wire)),
            "NWK build": each(build_nwk, nwk_frames),
            "NWK build, checked": each(nwk_codec.build_nwk_checked, nwk_frames),
            "NWK build, scapy": each(bytes, nwk_pkts),
            "secured NWK parse": each(parse_nwk, sec_wire),
            "secured NWK parse, checked": each(nwk_codec.parse_nwk_checked, sec_wire),
            "secured NWK parse, scapy": (_scapy_header_only(ZigbeeNWK, sec_wire), len(sec_wire)),
            "secured NWK build": each(build_nwk, sec_frames),
            "secured NWK build, scapy": each(bytes, sec_pkts),
            "unsecure_nwk": each(lambda w: unsecure_nwk(w, key=_KEY), protected),
            "secure_nwk": each(lambda f: secure_nwk(f, key=_KEY, src_ieee=_METER, frame_counter=7, key_seq=0), opened),
            "APS parse": each(parse_aps, aps_wire),
            "APS parse, checked": each(aps_codec.parse_aps_checked, aps_wire),
            "APS parse, scapy": (_scapy_header_only(ZigbeeAppDataPayload, aps_wire), len(aps_wire)),
            "APS build": each(build_aps, aps_frames),
            "APS build, checked": each(aps_codec.build_aps_checked, aps_frames),
            "APS build, scapy": each(bytes, aps_pkts),
        }
    )
    for label, rate in rates.items():
        print(f"  {label:<28} {rate:>10,.0f} frames/s   {1e6 / rate:7.2f} us/frame")
    print("ratios (ours / other, higher is better for ours):")
    for what in ("NWK parse", "NWK build", "secured NWK parse", "APS parse", "APS build"):
        versus = f"{rates[what] / rates[what + ', scapy']:6.1f}x vs scapy"
        if what + ", checked" in rates:
            versus += f", {rates[what] / rates[what + ', checked']:6.1f}x vs our checked construct path"
        print(f"  {what:<20} {versus}")
    print(
        f"  {'secured NWK build':<20} {rates['secured NWK build'] / rates['secured NWK build, scapy']:6.1f}x vs scapy"
    )
    print(
        f"  unsecure_nwk (parse + decrypt) vs scapy's header parse alone: "
        f"{rates['unsecure_nwk'] / rates['secured NWK parse, scapy']:6.1f}x (scapy does not decrypt)"
    )


if __name__ == "__main__":
    main()
