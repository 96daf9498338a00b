"""GBZ payloads (gbcs.md 5.3): the GB wrapper of ZCL frames that GSME and GPF messages carry.

Layout: profile id `01 09`, a component count, for an alert the alert code and a ZigBee UTC
time stamp (both big-endian), then the components. A component is an extended-header control
byte (bit 0 last component, bit 1 encrypted, bit 4 from-date-time present; the other bits
are kept as they came), a big-endian cluster id and length, then [from-date-time, BE u32],
[encrypted: additional header control and frame counter], the ZCL header, and the ZCL payload
- in clear, or as ciphered length (BE u16) + the gbcs.md 4.4 block (`31` | invocation
counter | ciphertext | 12-byte tag) whose plaintext is the payload.

Some alerts carry a use-case layout instead of components (gbcs.md 5.5: 0x00CD future-dated
outcome, 0x00CF firmware receipt, 0x00F2 integrity, and the generic 0x8161 / 0x8162
user-interface alerts); their bytes after the alert header are `GbzAlert.body` and
`protocols.gbz.alerts` reads them.

Keys stay outside: an encrypted component is opened or sealed with a `Cipher` (the gbcs.md 4.1
payload key and the originator's system title) the caller passes. Without one, the block is
kept as received (`Component.sealed`) so the payload still rebuilds byte for byte. Sealing is
deterministic (GBCS fixes the IV to originator | 00000000), so a parsed-and-decrypted payload
re-encrypts to the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from protocols.gbcs import crypto
from protocols.gbcs.errors import GbcsCryptoError
from protocols.gbz import alerts
from protocols.gbz.errors import GbzDecodeError, GbzEncodeError
from protocols.gbz.frame import ZclFrame, build_header, parse_header

PROFILE_ID = 0x0109
LAST, ENCRYPTED, FROM_DATE_TIME = 0x01, 0x02, 0x10
_KNOWN_BITS = LAST | ENCRYPTED | FROM_DATE_TIME
#: ZigBee UTC values with a meaning of their own in a from-date-time (gbcs.md 5.3).
NOW, NEVER = 0, 0xFFFFFFFF
#: Alert message codes whose payload has a use-case layout after the alert header (gbcs.md 5.5, meters.md 5.2).
BODY_LAYOUT_ALERTS = frozenset({0x00CD, 0x00CF, 0x00F2})


@dataclass(frozen=True, slots=True)
class Cipher:
    """What opens and seals encrypted components: the gbcs.md 4.4 key and the originator's system title."""

    key: bytes
    originator: bytes

    def seal(self, plaintext: bytes) -> bytes:
        return crypto.encrypt_block(self.key, self.originator, plaintext)

    def open(self, block: bytes) -> bytes:
        return crypto.decrypt_block(self.key, self.originator, block)


@dataclass(frozen=True, slots=True)
class Component:
    """One GBZ component: a ZCL frame addressed to a cluster, maybe future-dated, maybe encrypted.

    For an encrypted component `frame.payload` is the plaintext when it is known; `sealed` is
    the block as received when it could not be opened (no cipher given), and then wins on build.
    """

    cluster_id: int
    frame: ZclFrame
    from_date_time: int | None = None
    encrypted: bool = False
    frame_counter: int = 0  #: additional header frame counter: 0, 1, 2... per encrypted component
    additional_control: int = 0
    sealed: bytes | None = None
    reserved_bits: int = 0  #: control bits other than last / encrypted / from-date-time, kept as sent


@dataclass(frozen=True, slots=True)
class GbzPayload:
    """A GBZ command or response: its components in order."""

    components: tuple[Component, ...]


@dataclass(frozen=True, slots=True)
class GbzAlert:
    """A GBZ alert: alert code, ZigBee UTC time stamp, then components or a use-case `body`."""

    alert_code: int
    timestamp: int
    components: tuple[Component, ...] = ()
    body: bytes | None = None
    count: int | None = None  #: the count byte when a body follows (None: the number of components)


@dataclass(slots=True)
class _Reader:
    data: bytes
    pos: int = 0
    end: int = field(default=0)

    def take(self, size: int, name: str) -> bytes:
        if self.pos + size > self.end:
            raise GbzDecodeError(self.pos, name, f"needs {size} byte(s), only {self.end - self.pos} left")
        self.pos += size
        return self.data[self.pos - size : self.pos]

    def uint(self, size: int, name: str) -> int:
        return int.from_bytes(self.take(size, name), "big")


def _header(data: bytes) -> tuple[_Reader, int]:
    r = _Reader(bytes(data), 0, len(data))
    profile = r.uint(2, "profile id")
    if profile != PROFILE_ID:
        raise GbzDecodeError(0, "profile id", f"0x{profile:04X} is not the GBZ profile 0x0109")
    return r, r.uint(1, "component count")


def parse(data: bytes, *, cipher: Cipher | None = None) -> GbzPayload:
    """A GBZ command or response payload; GbzDecodeError (offset into `data`) when malformed.

    With `cipher`, encrypted components are opened (GbzDecodeError if a tag does not verify).
    """
    r, count = _header(data)
    components = _components(r, count, cipher)
    return GbzPayload(components)


def parse_alert(
    data: bytes, *, body_layout: bool = False, cipher: Cipher | None = None, message_code: int | None = None
) -> GbzAlert:
    """A GBZ alert payload whose bytes after the header are a use-case body when `body_layout` is set.

    With `message_code` (the alert's, from the GBCS envelope) the choice is made from it and
    the alert code instead (`alerts.body_type`): so a generic alert's body is found too.
    """
    r, count = _header(data)
    alert_code = r.uint(2, "alert code")
    timestamp = r.uint(4, "alert time stamp")
    if message_code is not None:
        body_layout = alerts.body_type(message_code, alert_code) is not None
    if body_layout:
        return GbzAlert(alert_code, timestamp, (), r.take(r.end - r.pos, "alert body"), count)
    return GbzAlert(alert_code, timestamp, _components(r, count, cipher))


def _components(r: _Reader, count: int, cipher: Cipher | None) -> tuple[Component, ...]:
    components = tuple(_component(r, index, index == count - 1, cipher) for index in range(count))
    if r.pos != r.end:
        raise GbzDecodeError(r.pos, "gbz", f"{r.end - r.pos} byte(s) after the {count} component(s) announced")
    return components


def _component(r: _Reader, index: int, last: bool, cipher: Cipher | None) -> Component:
    start = r.pos
    data = r.data
    if start + 5 > r.end:  # the fixed head: control, cluster id, length (read by `_Reader` for its error)
        r.take(5, "component header")
    control = data[start]
    if bool(control & LAST) != last:
        reason = "last-component bit missing" if last else "last-component bit set on a component that is not last"
        raise GbzDecodeError(start, f"component {index} control", reason)
    cluster_id = (data[start + 1] << 8) | data[start + 2]
    length = (data[start + 3] << 8) | data[start + 4]
    r.pos = start + 5
    body = _Reader(data, r.pos, r.pos + length)
    if body.end > r.end:
        raise GbzDecodeError(r.pos - 2, "component length", f"{length} byte(s), only {r.end - r.pos} left")
    r.pos = body.end
    when = body.uint(4, "from date time") if control & FROM_DATE_TIME else None
    encrypted = bool(control & ENCRYPTED)
    additional, counter = (
        (body.uint(1, "additional header control"), body.uint(1, "frame counter")) if encrypted else (0, 0)
    )
    frame_control, manufacturer, sequence, command_id, body.pos = parse_header(data, body.pos, body.end)
    sealed: bytes | None = None
    payload = b""
    if encrypted:
        size = body.uint(2, "ciphered information length")
        block_at = body.pos
        block = body.take(size, "encrypted block")
        if body.pos != body.end:
            raise GbzDecodeError(body.pos, "encrypted component", f"{body.end - body.pos} byte(s) after the block")
        if cipher is None:
            sealed = block
        else:
            try:
                payload = cipher.open(block)
            except GbcsCryptoError as exc:
                raise GbzDecodeError(block_at + exc.offset, f"component {index} block", exc.reason) from None
    else:
        payload = data[body.pos : body.end]
    frame = ZclFrame(frame_control, sequence, command_id, payload, manufacturer)
    return Component(cluster_id, frame, when, encrypted, counter, additional, sealed, control & ~_KNOWN_BITS)


def build(payload: GbzPayload, *, cipher: Cipher | None = None) -> bytes:
    """The bytes of a command or response; `cipher` seals encrypted components given in clear."""
    return _head(len(payload.components)) + _build_components(payload.components, cipher)


def build_alert(alert: GbzAlert, *, cipher: Cipher | None = None) -> bytes:
    """The bytes of an alert payload."""
    if not 0 <= alert.alert_code <= 0xFFFF or not 0 <= alert.timestamp <= 0xFFFFFFFF:
        raise GbzEncodeError("alert header", "alert code is 16 bits, time stamp 32 bits")
    head = alert.alert_code.to_bytes(2, "big") + alert.timestamp.to_bytes(4, "big")
    if alert.body is not None:
        if alert.components:
            raise GbzEncodeError("body", "an alert has either components or a use-case body, not both")
        count = 1 if alert.count is None else alert.count
        return _head(count) + head + alert.body
    return _head(len(alert.components)) + head + _build_components(alert.components, cipher)


def _head(count: int) -> bytes:
    if not 0 <= count <= 0xFF:
        raise GbzEncodeError("component count", f"{count} components do not fit the count byte")
    return PROFILE_ID.to_bytes(2, "big") + bytes((count,))


def _build_components(components: tuple[Component, ...], cipher: Cipher | None) -> bytes:
    out = bytearray()
    for index, component in enumerate(components):
        out += _build_component(component, index == len(components) - 1, cipher)
    return bytes(out)


def _build_component(c: Component, last: bool, cipher: Cipher | None) -> bytes:
    if c.reserved_bits & _KNOWN_BITS or not 0 <= c.reserved_bits <= 0xFF:
        raise GbzEncodeError("reserved_bits", f"0x{c.reserved_bits:X} overlaps the defined control bits")
    if not 0 <= c.cluster_id <= 0xFFFF:
        raise GbzEncodeError("cluster_id", f"{c.cluster_id} is not 16 bits")
    control = c.reserved_bits | (LAST if last else 0)
    body = bytearray()
    if c.from_date_time is not None:
        if not 0 <= c.from_date_time <= 0xFFFFFFFF:
            raise GbzEncodeError("from_date_time", f"{c.from_date_time} is not a 32-bit ZigBee time")
        control |= FROM_DATE_TIME
        body += c.from_date_time.to_bytes(4, "big")
    if c.encrypted:
        control |= ENCRYPTED
        if not (0 <= c.additional_control <= 0xFF and 0 <= c.frame_counter <= 0xFF):
            raise GbzEncodeError("frame_counter", "additional header control and frame counter are one byte each")
        body += bytes((c.additional_control, c.frame_counter))
        body += build_header(c.frame)
        if c.sealed is not None:
            block = c.sealed
        elif cipher is not None:
            block = cipher.seal(c.frame.payload)
        else:
            raise GbzEncodeError("encrypted", "an encrypted component in clear needs a cipher to be sealed")
        body += len(block).to_bytes(2, "big") + block
    else:
        body += build_header(c.frame) + c.frame.payload
    if len(body) > 0xFFFF:
        raise GbzEncodeError("component length", f"{len(body)} bytes do not fit 16 bits")
    return bytes((control,)) + c.cluster_id.to_bytes(2, "big") + len(body).to_bytes(2, "big") + body


def opened(payload: GbzPayload, cipher: Cipher) -> GbzPayload:
    """`payload` with every still-sealed component opened with `cipher` (GbzDecodeError if one fails)."""
    out = []
    for index, component in enumerate(payload.components):
        if component.sealed is None:
            out.append(component)
            continue
        try:
            plaintext = cipher.open(component.sealed)
        except GbcsCryptoError as exc:
            raise GbzDecodeError(exc.offset, f"component {index} block", exc.reason) from None
        out.append(replace(component, frame=replace(component.frame, payload=plaintext), sealed=None))
    return GbzPayload(tuple(out))
