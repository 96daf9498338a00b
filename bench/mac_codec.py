"""MAC frame parse/build throughput: `protocols.ieee802154` against scapy's `Dot15d4FCS` (bar: >= 10x).

Run: `.venv/bin/python -m bench.mac_codec`.

The frame set is the scapy-built one the tests use (every frame type, every
addressing combination scapy can make, NWK/APS/ZCL payloads in the data
frames) weighted towards ZigBee data traffic, as the HAN carries it.

What each side decodes, honestly:
* ours: the whole MAC frame (FCS checked, header, aux security header,
  beacon fields, MAC command fields) into frozen dataclasses; the MAC payload
  of data frames stays raw bytes (the ZigBee codec's job);
* scapy "full": MAC plus NWK, APS and ZCL layers (what `Dot15d4FCS(raw)` does
  with `conf.dot15d4_protocol = "zigbee"`), the figure the bar quotes;
* scapy "MAC only": the same with data payloads left as `Raw`, the closest
  like-for-like comparison.
Build: ours from dataclasses to bytes (FCS included); scapy from packet objects
(`bytes(pkt)`, which rebuilds every layer and the FCS).

Full stack, like for like: on the data frames (plus two NWK-secured ones, as
the HAN really carries them) ours runs `parse`, `protocols.zigbee.parse_nwk`,
`parse_aps`, and zigpy's `ZCLHeader.deserialize` plus the general command's
schema, against scapy's full decode.  Before timing, each frame's decoded
layers are compared side by side (MAC, NWK, NWK/APS security header, APS, ZCL
header, ZCL command); a frame where they differ is left out and named.
Secured payloads are decrypted by neither side: both stop at the auxiliary
header.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from protocols.ieee802154 import DataFrame, build, parse, peek
from protocols.zigbee import PROFILE_ZDO, ApsFrameType, NwkFrameType, parse_aps, parse_nwk

_DATA_WEIGHT = 4  # data frames repeated: most HAN traffic is data


def race(
    contestants: dict[str, tuple[Callable[[], object], int]], rounds: int = 5, seconds: float = 0.3
) -> dict[str, float]:
    """Best frames/s of each `work()` (handling `items` frames) over `rounds` rounds of about `seconds`.

    The rounds are interleaved (every contestant once per round), so a burst of
    load from other processes on the shared machine hits both sides of a ratio
    alike, and the best round per contestant is kept, as `timeit` advises: the
    slower rounds measure the other load, not the code.
    """
    best = dict.fromkeys(contestants, 0.0)
    for _ in range(rounds):
        for label, (work, items) in contestants.items():
            done, started = 0, time.perf_counter()
            while True:
                work()
                done += items
                elapsed = time.perf_counter() - started
                if elapsed >= seconds:
                    break
            best[label] = max(best[label], done / elapsed)
    return best


def _decode_stack(psdu: bytes) -> list[Any]:
    """Our decode of every layer scapy decodes: MAC, NWK (header only when secured), APS, ZCL header + command."""
    from zigpy.zcl.foundation import GENERAL_COMMANDS, ZCLHeader

    frame = parse(psdu)
    layers: list[Any] = [frame]
    if not isinstance(frame, DataFrame) or frame.security is not None or not frame.payload:
        return layers
    nwk = parse_nwk(frame.payload)
    layers.append(nwk)
    if nwk.aux is not None or nwk.frame_type != NwkFrameType.DATA:
        return layers
    aps = parse_aps(nwk.payload)
    layers.append(aps)
    if aps.aux is not None or aps.frame_type != ApsFrameType.DATA or aps.profile == PROFILE_ZDO or not aps.payload:
        return layers
    zcl, rest = ZCLHeader.deserialize(aps.payload)
    layers.append(zcl)
    if zcl.frame_control.is_general and zcl.command_id in GENERAL_COMMANDS:
        layers.append(GENERAL_COMMANDS[zcl.command_id].schema.deserialize(rest)[0])  # type: ignore[index]  # IntEnum keys
    return layers


def _stages(stack: list[bytes]) -> dict[str, tuple[Callable[[], object], int]]:
    """Each of our layer decoders alone on the inputs `_decode_stack` gives it over `stack` (for the breakdown)."""
    from zigpy.zcl.foundation import GENERAL_COMMANDS, ZCLHeader

    layers = [_decode_stack(psdu) for psdu in stack]
    nwk = [frame.payload for frame, *rest in layers if rest]
    aps = [layer[1].payload for layer in layers if len(layer) > 2]
    zcl = [layer[2].payload for layer in layers if len(layer) > 3]

    def zcl_decode() -> object:
        out = []
        for data in zcl:
            header, rest = ZCLHeader.deserialize(data)
            out.append(
                GENERAL_COMMANDS[header.command_id].schema.deserialize(rest)  # type: ignore[index]  # IntEnum keys
                if header.frame_control.is_general and header.command_id in GENERAL_COMMANDS
                else header
            )
        return out

    count = len(stack)
    return {
        "  MAC (protocols.ieee802154)": (lambda: [parse(psdu) for psdu in stack], count),
        "  NWK (protocols.zigbee)": (lambda: [parse_nwk(data) for data in nwk], count),
        "  APS (protocols.zigbee)": (lambda: [parse_aps(data) for data in aps], count),
        "  ZCL (zigpy)": (zcl_decode, count),
    }


def _our_layers(psdu: bytes) -> list[str]:
    """The names of the layers `_decode_stack` decodes, as `_scapy_layers` names scapy's."""
    kinds = {"NwkFrame": "nwk", "ApsFrame": "aps", "ZCLHeader": "zcl"}
    names = ["mac"]
    for layer in _decode_stack(psdu)[1:]:
        names.append(kinds.get(type(layer).__name__, "zcl-command"))
        if getattr(layer, "aux", None) is not None:  # a NWK/APS auxiliary security header
            names.append("aux")
    return names


def _scapy_layers(psdu: bytes) -> list[str]:
    from scapy.layers.dot15d4 import Dot15d4FCS

    kinds = {
        "ZigbeeNWK": "nwk",
        "ZigbeeSecurityHeader": "aux",
        "ZigbeeAppDataPayload": "aps",
        "ZigbeeClusterLibrary": "zcl",
    }
    names = ["mac"]
    for layer in Dot15d4FCS(psdu).layers()[2:]:  # Dot15d4FCS and its Dot15d4Data are the MAC
        name = layer.__name__
        if name in kinds:
            names.append(kinds[name])
        elif name.startswith("ZCL"):
            names.append("zcl-command")
    return names


def _nwk_secured_frames() -> list[tuple[str, Any]]:
    """Data frames as the HAN carries them: NWK-secured (network key), payload ciphertext + MIC."""
    from scapy.layers.dot15d4 import Dot15d4Data, Dot15d4FCS
    from scapy.layers.zigbee import ZigbeeNWK, ZigbeeSecurityHeader

    from tests.protocols.ieee802154.scapy_frames import METER

    def frame(seq: int, flags: str, **nwk: int) -> Any:
        return (
            Dot15d4FCS(
                fcf_frametype=1, fcf_destaddrmode=2, fcf_srcaddrmode=2, seqnum=seq, fcf_ackreq=1, fcf_panidcompress=1
            )
            / Dot15d4Data(dest_panid=0x1A62, dest_addr=0x0000, src_addr=0x796F)
            / ZigbeeNWK(
                frametype=0,
                proto_version=2,
                discover_route=1,
                flags=flags,
                destination=0x0000,
                source=0x796F,
                radius=30,
                seqnum=seq,
                **nwk,  # type: ignore[arg-type]  # scapy's field keywords, typed loosely by its stubs
            )
            / ZigbeeSecurityHeader(
                key_type=1,
                nwk_seclevel=0,
                extended_nonce=1,
                fc=0x1000 + seq,
                source=METER,
                key_seqnum=0,
                data=bytes(range(seq, seq + 40)),
            )
        )

    return [
        ("data-nwk-secured", frame(0x40, "security")),
        ("data-nwk-secured-ext-src", frame(0x41, "security+extended_src", ext_src=METER)),
    ]


def _full_stack_set() -> list[bytes]:
    """The data frames on which ours and scapy decode the same layers; prints the ones left out, and why."""
    from tests.protocols.ieee802154.scapy_frames import frames

    wire, left_out = [], []
    for name, pkt in [*frames(), *_nwk_secured_frames()]:
        psdu = bytes(pkt)
        if psdu[0] & 7 != 1:
            continue
        try:
            ours = _our_layers(psdu)
        except ValueError as exc:  # a payload that our ZigBee/ZCL codecs refuse but scapy decodes anyway
            ours = [f"error: {exc}"]
        theirs = _scapy_layers(psdu)
        if ours == theirs:
            wire.append(psdu)
        else:
            left_out.append(f"{name} (ours {ours}, scapy {theirs})")
    layers = sum(len(_scapy_layers(psdu)) for psdu in wire)
    print(
        f"full-stack set: {len(wire)} data frames, {layers} layers decoded by each side (same layers, checked "
        "per frame)"
    )
    for note in left_out:
        print(f"  left out, layers differ: {note}")
    return wire


def main() -> None:
    from scapy.layers.dot15d4 import Dot15d4Data, Dot15d4FCS
    from scapy.packet import Raw

    from tests.protocols.ieee802154.scapy_frames import frames

    packets = []
    for name, pkt in frames():
        packets.extend([pkt] * (_DATA_WEIGHT if name.startswith("data") else 1))
    wire = [bytes(pkt) for pkt in packets]
    ours = [parse(psdu) for psdu in wire]
    assert [build(frame) for frame in ours] == wire, "our codec must round-trip the set before it is timed"
    count = len(wire)
    print(
        f"frame set: {count} frames ({sum(len(w) for w in wire) / count:.1f} octets mean), "
        f"{sum(1 for w in wire if w[0] & 7 == 1)} data frames with NWK/APS(/ZCL) payloads"
    )

    zcl = [psdu for psdu, pkt in zip(wire, packets, strict=False) if pkt.haslayer("ZigbeeClusterLibrary")] * 8
    stack = _full_stack_set()

    def scapy_mac_only() -> object:
        # scapy's MAC decode alone: its payload guess patched to Raw for the run, then restored
        original = Dot15d4Data.guess_payload_class
        Dot15d4Data.guess_payload_class = lambda self, payload: Raw  # type: ignore[method-assign]  # see above
        try:
            return [Dot15d4FCS(psdu) for psdu in wire]
        finally:
            Dot15d4Data.guess_payload_class = original  # type: ignore[method-assign]  # see above

    results = race(
        {
            "ours parse": (lambda: [parse(psdu) for psdu in wire], count),
            "scapy parse (MAC only)": (scapy_mac_only, count),
            "scapy parse (full)": (lambda: [Dot15d4FCS(psdu) for psdu in wire], count),
            "ours parse, ZCL frames": (lambda: [parse(psdu) for psdu in zcl], len(zcl)),
            "scapy parse, ZCL frames": (lambda: [Dot15d4FCS(psdu) for psdu in zcl], len(zcl)),
            "ours peek (header only)": (lambda: [peek(psdu) for psdu in wire], count),
            "ours build": (lambda: [build(frame) for frame in ours], count),
            "scapy build": (lambda: [bytes(pkt) for pkt in packets], count),
            "ours parse (full stack)": (lambda: [_decode_stack(psdu) for psdu in stack], len(stack)),
            "scapy parse (full stack)": (lambda: [Dot15d4FCS(psdu) for psdu in stack], len(stack)),
        }
    )
    stages = race(_stages(stack), rounds=3)

    for label, rate in results.items():
        print(f"  {label:<26} {rate:>10,.0f} frames/s   {1e6 / rate:7.1f} us/frame")
    # The bar lines use the whole frame set. Ours decodes the MAC only (payload raw); scapy "full" also
    # decodes NWK/APS/ZCL, so the first ratio flatters us and the MAC-only one is like for like.
    print(
        f"bar (>= 10x), whole set, our MAC parse vs scapy MAC+NWK+APS+ZCL decode: "
        f"{results['ours parse'] / results['scapy parse (full)']:6.1f}x"
    )
    print(
        f"bar (>= 10x), whole set, our MAC parse vs scapy MAC-only decode (like for like): "
        f"{results['ours parse'] / results['scapy parse (MAC only)']:6.1f}x"
    )
    print(
        f"full stack, data frames, ours MAC+NWK+APS+ZCL vs scapy's decode of the same layers (like for like): "
        f"{results['ours parse (full stack)'] / results['scapy parse (full stack)']:6.1f}x"
    )
    print("where our full-stack time goes, per full-stack frame (each layer timed alone on its own inputs):")
    for label, rate in stages.items():
        print(f"  {label:<30} {1e6 / rate:7.1f} us/frame")
    print(f"build ratio, whole set, ours vs scapy bytes(pkt): {results['ours build'] / results['scapy build']:6.1f}x")
    print(
        f"for context only, ZCL frames, our MAC parse vs scapy 4-layer decode: "
        f"{results['ours parse, ZCL frames'] / results['scapy parse, ZCL frames']:6.1f}x "
        "(not a like-for-like figure)"
    )


if __name__ == "__main__":
    main()
