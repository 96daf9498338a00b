"""MAC frame parse/build throughput: `protocols.ieee802154` against scapy's `Dot15d4FCS` (issue 3 bar: >= 10x).

Run: `.venv/bin/python -m bench.mac_codec`.

The frame set is the scapy-built one the tests use (every frame type, every
addressing combination scapy can make, NWK/APS/ZCL payloads in the data
frames) weighted towards ZigBee data traffic, as the HAN carries it.

What each side decodes, honestly:
* ours: the whole MAC frame (FCS checked, header, aux security header,
  beacon fields, MAC command fields) into frozen dataclasses; the MAC payload
  of data frames stays raw bytes (the ZigBee codec's job);
* scapy "full": MAC plus NWK, APS and ZCL layers (what `Dot15d4FCS(raw)` does
  with `conf.dot15d4_protocol = "zigbee"`), the figure issue 3 quotes;
* scapy "MAC only": the same with data payloads left as `Raw`, the closest
  like-for-like comparison.
Build: ours from dataclasses to bytes (FCS included); scapy from packet objects
(`bytes(pkt)`, which rebuilds every layer and the FCS).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from protocols.ieee802154 import build, parse, peek

_DATA_WEIGHT = 4  # data frames repeated: most HAN traffic is data


def _rate(work: Callable[[], object], items: int, seconds: float = 1.0) -> float:
    """Items per second of `work()` (which handles `items` frames), run for about `seconds`."""
    rounds, started = 0, time.perf_counter()
    while True:
        work()
        rounds += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return rounds * items / elapsed


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
    print(f"frame set: {count} frames ({sum(len(w) for w in wire) / count:.1f} octets mean), "
          f"{sum(1 for w in wire if w[0] & 7 == 1)} data frames with NWK/APS(/ZCL) payloads")

    zcl = [psdu for psdu, pkt in zip(wire, packets) if pkt.haslayer("ZigbeeClusterLibrary")] * 8
    results = {
        "ours parse": _rate(lambda: [parse(psdu) for psdu in wire], count),
        "ours parse, ZCL frames": _rate(lambda: [parse(psdu) for psdu in zcl], len(zcl)),
        "scapy parse, ZCL frames": _rate(lambda: [Dot15d4FCS(psdu) for psdu in zcl], len(zcl)),
        "ours peek (header only)": _rate(lambda: [peek(psdu) for psdu in wire], count),
        "ours build": _rate(lambda: [build(frame) for frame in ours], count),
        "scapy parse (full)": _rate(lambda: [Dot15d4FCS(psdu) for psdu in wire], count),
        "scapy build": _rate(lambda: [bytes(pkt) for pkt in packets], count),
    }
    original = Dot15d4Data.guess_payload_class
    Dot15d4Data.guess_payload_class = lambda self, payload: Raw  # type: ignore[method-assign]
    try:
        results["scapy parse (MAC only)"] = _rate(lambda: [Dot15d4FCS(psdu) for psdu in wire], count)
    finally:
        Dot15d4Data.guess_payload_class = original  # type: ignore[method-assign]

    for label, rate in results.items():
        print(f"  {label:<26} {rate:>10,.0f} frames/s   {1e6 / rate:7.1f} us/frame")
    # The bar lines use the whole frame set. Ours decodes the MAC only (payload raw); scapy "full" also
    # decodes NWK/APS/ZCL, so the first ratio flatters us and the MAC-only one is like for like.
    print(f"bar (>= 10x), whole set, our MAC parse vs scapy MAC+NWK+APS+ZCL decode: "
          f"{results['ours parse'] / results['scapy parse (full)']:6.1f}x")
    print(f"bar (>= 10x), whole set, our MAC parse vs scapy MAC-only decode (like for like): "
          f"{results['ours parse'] / results['scapy parse (MAC only)']:6.1f}x")
    print(f"build ratio, whole set, ours vs scapy bytes(pkt): {results['ours build'] / results['scapy build']:6.1f}x")
    print(f"for context only, ZCL frames, our MAC parse vs scapy 4-layer decode: "
          f"{results['ours parse, ZCL frames'] / results['scapy parse, ZCL frames']:6.1f}x "
          "(not a like-for-like figure)")


if __name__ == "__main__":
    main()
