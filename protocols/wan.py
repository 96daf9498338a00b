"""The WAN framing between a head-end and the hub (docs/wan.md): a 4-byte length, then a GBCS message.

Why a length prefix: GBCS messages (gbcs.md) carry no overall length a reader could use
before parsing, and a TCP stream has no message boundaries. Each message is sent as

    length (4 bytes, unsigned, big-endian)  ||  the GBCS message (length bytes)

A length of 0 (no GBCS message is empty) or above the reader's maximum (default
`DEFAULT_MAX_MESSAGE_SIZE`, 64 KiB: 16 times the largest message of the DCC reference data set,
3,986 bytes, while bounding what one connection can make the hub buffer) is a `WanFrameError`
naming the length and its stream offset. The stream has no sync marker, so after such an error
nothing further can be trusted: the reader stays failed and the connection must be closed.

Sans-I/O (h11's shape): `FrameReader.feed(bytes)` buffers whatever arrived, `next_message()`
returns each whole message in turn (None until one is whole); `encode_frame` is the writer.
"""

from __future__ import annotations

from protocols.errors import DecodeError, EncodeError

PROTOCOL = "wan"

#: Bytes of the length prefix.
HEADER_SIZE = 4

#: Default largest message a reader accepts and a writer sends (64 KiB).
DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024

#: The largest length the 4-byte prefix can carry; a maximum above it is meaningless.
LARGEST_LENGTH = 0xFFFFFFFF


class WanFrameError(DecodeError):
    """A length prefix that no valid frame has: zero, or above the maximum message size."""

    def __init__(self, offset: int, length: int, max_message_size: int) -> None:
        self.length = length
        self.max_message_size = max_message_size
        reason = (
            "a message length of 0 (no GBCS message is empty)"
            if length == 0
            else f"a message length of {length} bytes, above the maximum of {max_message_size}"
        )
        super().__init__(PROTOCOL, offset, "length", reason)


def _check_max(max_message_size: int) -> int:
    if not 1 <= max_message_size <= LARGEST_LENGTH:
        raise ValueError(f"max_message_size must be 1..{LARGEST_LENGTH}, not {max_message_size}")
    return max_message_size


def check_message_size(message: bytes, max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE) -> None:
    """Raise `EncodeError` unless `message` can be framed: 1 to `max_message_size` bytes."""
    if not message or len(message) > _check_max(max_message_size):
        raise EncodeError(
            PROTOCOL, "length", f"a message of {len(message)} bytes (1..{max_message_size} can be framed)"
        )


def encode_frame(message: bytes, *, max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE) -> bytes:
    """`message` with its length prefix; `EncodeError` for an empty or oversized message."""
    check_message_size(message, max_message_size)
    return len(message).to_bytes(HEADER_SIZE, "big") + message


class FrameReader:
    """Split a byte stream into messages; raises `WanFrameError` on an invalid length prefix."""

    def __init__(self, *, max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE) -> None:
        self.max_message_size = _check_max(max_message_size)
        self._buffer = bytearray()
        self._consumed = 0  # stream offset of the first byte in _buffer
        self._failure: WanFrameError | None = None

    def feed(self, data: bytes) -> None:
        """Buffer bytes received from the stream (any amount, any split)."""
        self._buffer += data

    def next_message(self) -> bytes | None:
        """The next whole message, or None until more bytes arrive.

        A bad length prefix raises `WanFrameError` as soon as its 4 bytes are in (before any body
        is buffered), and again on every later call: the stream cannot be resynchronised.
        """
        if self._failure is not None:
            raise self._failure
        if len(self._buffer) < HEADER_SIZE:
            return None
        length = int.from_bytes(self._buffer[:HEADER_SIZE], "big")
        if length == 0 or length > self.max_message_size:
            self._failure = WanFrameError(self._consumed, length, self.max_message_size)
            raise self._failure
        end = HEADER_SIZE + length
        if len(self._buffer) < end:
            return None
        message = bytes(self._buffer[HEADER_SIZE:end])
        del self._buffer[:end]
        self._consumed += end
        return message

    @property
    def offset(self) -> int:
        """Stream offset where the next (or the incomplete) frame starts."""
        return self._consumed

    @property
    def pending(self) -> int:
        """Bytes held of a frame not yet whole (0 at a frame boundary)."""
        return len(self._buffer)
