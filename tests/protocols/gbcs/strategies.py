"""Hypothesis strategies for GBCS messages made from fields (no corpus needed)."""

from __future__ import annotations

from hypothesis import strategies as st

from protocols.gbcs import Cra, Message, OtherInformation
from protocols.gbcs.lengths import encode_length

titles = st.binary(min_size=8, max_size=8)
u64 = st.integers(min_value=0, max_value=(1 << 64) - 1)
#: A DER SEQUENCE of 0..300 content bytes, standing in for a KA certificate (gbcs.md 3.5).
certificates = (
    st.binary(max_size=300)
    .map(lambda body: b"\x30" + encode_length(len(body)) + body)
    .filter(lambda der: len(der) != 8)
)


def der_prefixed_counter(certificate: bytes, filler: bytes) -> int:
    """An originator counter whose 8 bytes start a DER SEQUENCE that ends exactly with `certificate`.

    Such a counter + certificate pair encodes to the same bytes as a certificate alone,
    which `encode_other_information` must refuse (gbcs.md 3.5 ambiguity).
    """
    for header_size in (2, 3, 4):
        header = b"\x30" + encode_length(8 - header_size + len(certificate))
        if len(header) == header_size:
            return int.from_bytes(header + filler[: 8 - header_size], "big")
    raise AssertionError("a DER header of 2 to 4 bytes always fits")


@st.composite
def other_information(draw: st.DrawFn, ambiguous: bool = False) -> OtherInformation:
    """Other Information of every form; with `ambiguous`, also counters that `der_prefixed_counter` makes."""
    depth = draw(st.integers(min_value=0, max_value=3))
    party = draw(titles) if depth >= 1 else None
    counter = draw(u64) if depth >= 2 else None
    originator_counter = draw(st.none() | u64) if depth >= 3 else None
    certificate = draw(st.none() | certificates) if depth >= 3 else None
    if ambiguous and certificate is not None and draw(st.booleans()):
        originator_counter = der_prefixed_counter(certificate, draw(st.binary(min_size=6, max_size=6)))
    return OtherInformation(draw(st.integers(0, 0xFFFF)), party, counter, originator_counter, certificate)


@st.composite
def messages(draw: st.DrawFn, max_payload: int = 400, ambiguous: bool = False) -> Message:
    """Envelope-level messages; payload bytes are opaque here (parse them with `envelope.decode`).

    With `ambiguous`, Other Information may hold a value the encoder must refuse.
    """
    return Message(
        cra=draw(st.sampled_from(list(Cra))),
        originator_counter=draw(u64),
        originator=draw(titles),
        recipient=draw(titles),
        other_information=draw(other_information(ambiguous)),
        payload=draw(st.binary(max_size=max_payload)),
        date_time_raw=draw(st.none() | st.binary(min_size=12, max_size=12)),
        signature=draw(st.sampled_from([None, b""]) | st.binary(min_size=64, max_size=64)),
        mac=draw(st.none() | st.binary(min_size=12, max_size=12)),
    )
