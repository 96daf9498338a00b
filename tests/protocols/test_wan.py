"""`protocols.wan`: the 4-byte big-endian length framing, fed whole, byte by byte or in any split;
zero and oversized lengths refused naming the length and offset; the writer's refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.errors import DecodeError, EncodeError
from protocols.wan import DEFAULT_MAX_MESSAGE_SIZE, FrameReader, WanFrameError, encode_frame

# source: docs/wan.md "Framing" (written by hand: length big-endian, then the message)
VECTORS = [
    (b"\xd9", "00000001d9"),
    (bytes(range(3)), "00000003000102"),
    (b"\xaa" * 0x0102, "00000102" + "aa" * 0x0102),
]


def _read_all(reader: FrameReader, chunks: list[bytes]) -> list[bytes]:
    messages = []
    for chunk in chunks:
        reader.feed(chunk)
        while (message := reader.next_message()) is not None:
            messages.append(message)
    return messages


@pytest.mark.parametrize("message, wire", VECTORS)
def test_vectors(message: bytes, wire: str) -> None:
    assert encode_frame(message).hex() == wire
    assert _read_all(FrameReader(), [bytes.fromhex(wire)]) == [message]


@given(st.lists(st.binary(min_size=1, max_size=300), max_size=8), st.data())
def test_same_messages_whole_byte_by_byte_or_split_anywhere(messages: list[bytes], data: st.DataObject) -> None:
    stream = b"".join(encode_frame(message) for message in messages)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    pieces = [stream[start:end] for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assert _read_all(FrameReader(), [stream]) == messages
    assert _read_all(FrameReader(), [bytes([byte]) for byte in stream]) == messages
    assert _read_all(FrameReader(), pieces) == messages


def test_a_half_frame_waits_and_reports_what_it_holds() -> None:
    reader = FrameReader()
    reader.feed(bytes.fromhex("000000050102"))
    assert reader.next_message() is None and reader.pending == 6 and reader.offset == 0
    reader.feed(bytes.fromhex("030405000000"))
    assert reader.next_message() == bytes.fromhex("0102030405")
    assert reader.next_message() is None and reader.pending == 3 and reader.offset == 9


def test_the_largest_allowed_message_passes_and_one_more_byte_is_refused() -> None:
    reader = FrameReader(max_message_size=10)
    assert _read_all(reader, [encode_frame(b"x" * 10, max_message_size=10)]) == [b"x" * 10]
    reader.feed(bytes.fromhex("0000000b"))  # 11: refused on the header alone, before any body
    with pytest.raises(WanFrameError) as caught:
        reader.next_message()
    error = caught.value
    assert (error.length, error.offset, error.field, error.max_message_size) == (11, 14, "length", 10)
    assert "11 bytes, above the maximum of 10" in str(error) and isinstance(error, DecodeError)


def test_zero_length_is_refused_after_the_good_messages_before_it() -> None:
    reader = FrameReader()
    reader.feed(encode_frame(b"ok") + bytes(4) + encode_frame(b"never"))
    assert reader.next_message() == b"ok"
    with pytest.raises(WanFrameError, match="length of 0") as caught:
        reader.next_message()
    assert (caught.value.length, caught.value.offset) == (0, 6)
    with pytest.raises(WanFrameError):  # the stream cannot be resynchronised: it stays failed
        reader.next_message()


def test_garbage_reads_as_an_oversized_length() -> None:
    reader = FrameReader()
    reader.feed(b"GET / HTTP/1.1\r\n")
    with pytest.raises(WanFrameError) as caught:
        reader.next_message()
    assert caught.value.length == int.from_bytes(b"GET ", "big") and caught.value.offset == 0


def test_the_default_maximum_is_64_kib() -> None:
    assert DEFAULT_MAX_MESSAGE_SIZE == 65536
    assert len(encode_frame(bytes(65536))) == 65540
    with pytest.raises(EncodeError, match="65537 bytes"):
        encode_frame(bytes(65537))


def test_the_writer_refuses_an_empty_message_and_bad_maxima() -> None:
    with pytest.raises(EncodeError, match="a message of 0 bytes"):
        encode_frame(b"")
    with pytest.raises(ValueError, match="max_message_size"):
        FrameReader(max_message_size=0)
    with pytest.raises(ValueError, match="max_message_size"):
        FrameReader(max_message_size=2**32)
