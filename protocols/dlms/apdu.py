"""The DLMS APDUs GBCS carries (gbcs.md 5.2): access-request `D9`, access-response `DA`, data-notification `0F`,
and the exception-response `D8` a server answers an APDU it cannot serve with.

Layouts (every count and length in the GBCS form of gbcs.md 3.2):

- access-request: `D9` long-invoke-id-and-priority(4) date-time(octet string, empty in GBCS)
  count, request specifications, count, one data item per specification (null when none).
  A specification is a choice byte: `01` GET / `02` SET descriptor(class u16, OBIS 6,
  attribute 1); `03` ACTION (method instead of attribute); `04` GET with selection:
  descriptor, access-selector(1), access-parameters (one data item).
- access-response: `DA` invoke-id(4) date-time, `00` (no echo of the request
  specifications; `01` + the list when echoed), count, data items, count, per specification
  a choice byte (`01` get, `02` set, `03` action) and one result byte (`results.py`).
- data-notification: the same header, then one data item (the alert body, gbcs.md 5.5).

Why values and not construct: the request specification is a choice whose last member
carries an A-XDR value (`axdr.read`), and the whole APDU must report faults at their byte
offset; the same indexed reader as `axdr` is the simplest form.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from protocols.dlms import axdr
from protocols.dlms.data import Data
from protocols.dlms.errors import DlmsDecodeError, DlmsEncodeError
from protocols.dlms.obis import AttributeDescriptor, MethodDescriptor, Obis

TAG_ACCESS_REQUEST = 0xD9
TAG_ACCESS_RESPONSE = 0xDA
TAG_DATA_NOTIFICATION = 0x0F
TAG_EXCEPTION_RESPONSE = 0xD8
#: Service-error choice whose value is a u32 (invocation-counter-error); the others carry one enumerated byte.
_INVOCATION_COUNTER_ERROR = 6


class SpecKind(enum.IntEnum):
    """Choice byte of a request specification (and, for 1-3, of a response specification)."""

    GET = 1
    SET = 2
    ACTION = 3
    GET_WITH_SELECTION = 4


@dataclass(frozen=True, slots=True)
class LongInvokeId:
    """Long-Invoke-Id-And-Priority (IEC 62056-5-3): u32 whose low 24 bits are the invoke id.

    Bit 31 priority (1 high), bit 30 service class (1 confirmed), bit 29 processing option
    (1 break-on-error), bit 28 self-descriptive. Every GBCS DLMS payload carries `0x20`
    (break-on-error, gbcs.md 5.2 and meters.md 0 item 3) and the low 24 bits of the
    grouping-header originator counter.
    """

    value: int

    def __post_init__(self) -> None:
        if not 0 <= self.value <= 0xFFFFFFFF:
            raise DlmsEncodeError("long-invoke-id-and-priority", f"{self.value} is not a u32")

    @classmethod
    def for_counter(cls, counter: int) -> LongInvokeId:
        """The GBCS form: break-on-error, invoke id = the counter's low 24 bits."""
        return cls(0x20000000 | (counter & 0xFFFFFF))

    @property
    def invoke_id(self) -> int:
        return self.value & 0xFFFFFF

    @property
    def break_on_error(self) -> bool:
        return bool(self.value & 0x20000000)


@dataclass(frozen=True, slots=True)
class GetSpec:
    descriptor: AttributeDescriptor


@dataclass(frozen=True, slots=True)
class SetSpec:
    descriptor: AttributeDescriptor


@dataclass(frozen=True, slots=True)
class ActionSpec:
    descriptor: MethodDescriptor


@dataclass(frozen=True, slots=True)
class GetWithSelectionSpec:
    """GET with selective access: `selector` 1 range / 2 entry, `parameters` its descriptor (`selective`)."""

    descriptor: AttributeDescriptor
    selector: int
    parameters: Data


RequestSpec = GetSpec | SetSpec | ActionSpec | GetWithSelectionSpec


@dataclass(frozen=True, slots=True)
class AccessResult:
    """One response specification: what kind of request it answers and the result code (`results.py`)."""

    kind: SpecKind
    result: int

    def __post_init__(self) -> None:
        if self.kind is SpecKind.GET_WITH_SELECTION:
            raise DlmsEncodeError("response specification", "a GET with selection is answered as a GET (kind 1)")
        if not 0 <= self.result <= 0xFF:
            raise DlmsEncodeError("result", f"{self.result} is not one byte")


@dataclass(frozen=True, slots=True)
class AccessRequest:
    invoke: LongInvokeId
    specs: tuple[RequestSpec, ...]
    data: tuple[Data, ...]
    date_time: bytes = b""


@dataclass(frozen=True, slots=True)
class AccessResponse:
    invoke: LongInvokeId
    data: tuple[Data, ...]
    results: tuple[AccessResult, ...]
    date_time: bytes = b""
    request_specs: tuple[RequestSpec, ...] | None = None  #: the echoed request specifications, when present


@dataclass(frozen=True, slots=True)
class DataNotification:
    invoke: LongInvokeId
    body: Data
    date_time: bytes = b""


@dataclass(frozen=True, slots=True)
class ExceptionResponse:
    """Exception-Response (`D8`, IEC 62056-5-3): what a server answers an APDU it cannot serve.

    `state_error`: 1 service-not-allowed, 2 service-unknown. `service_error`: the choice (1
    operation-not-possible, 2 service-not-supported, 3 other-reason, 4 pdu-too-long,
    5 deciphering-error, 6 invocation-counter-error) and `value` its enumerated value (a u32
    for choice 6).
    """

    state_error: int
    service_error: int
    value: int = 0

    def __post_init__(self) -> None:
        if not (0 <= self.state_error <= 0xFF and 0 <= self.service_error <= 0xFF):
            raise DlmsEncodeError("exception-response", "state and service errors are one byte each")
        limit = 0xFFFFFFFF if self.service_error == _INVOCATION_COUNTER_ERROR else 0xFF
        if not 0 <= self.value <= limit:
            raise DlmsEncodeError("exception-response", f"value {self.value} does not fit its choice")


Apdu = AccessRequest | AccessResponse | DataNotification | ExceptionResponse


# ---------------------------------------------------------------------------------------------- parse


def parse(data: bytes) -> Apdu:
    """The APDU filling the whole of `data`, chosen by its tag."""
    data = bytes(data)
    if not data:
        raise DlmsDecodeError(0, "apdu tag", "empty input")
    tag = data[0]
    if tag == TAG_ACCESS_REQUEST:
        apdu: Apdu
        apdu, pos = _access_request(data)
    elif tag == TAG_ACCESS_RESPONSE:
        apdu, pos = _access_response(data)
    elif tag == TAG_DATA_NOTIFICATION:
        apdu, pos = _data_notification(data)
    elif tag == TAG_EXCEPTION_RESPONSE:
        apdu, pos = _exception_response(data)
    else:
        raise DlmsDecodeError(0, "apdu tag", f"0x{tag:02X} is not D9, DA, 0F or D8")
    if pos != len(data):
        raise DlmsDecodeError(pos, "apdu", f"{len(data) - pos} byte(s) after the end of the APDU")
    return apdu


def _header(data: bytes) -> tuple[LongInvokeId, bytes, int]:
    if len(data) < 5:
        raise DlmsDecodeError(1, "long-invoke-id-and-priority", "needs 4 bytes")
    invoke = LongInvokeId(int.from_bytes(data[1:5], "big"))
    length, pos = axdr.length_at(data, 5, len(data), "date-time length")
    if pos + length > len(data):
        raise DlmsDecodeError(pos, "date-time", f"needs {length} byte(s), only {len(data) - pos} left")
    return invoke, data[pos : pos + length], pos + length


def _count(data: bytes, pos: int, field: str) -> tuple[int, int]:
    count, pos = axdr.length_at(data, pos, len(data), field + " count")
    if count > len(data) - pos:
        raise DlmsDecodeError(pos, field, f"{count} entries cannot fit in {len(data) - pos} bytes")
    return count, pos


def _data_list(data: bytes, pos: int, field: str) -> tuple[tuple[Data, ...], int]:
    count, pos = _count(data, pos, field)
    items = []
    for _ in range(count):
        item, pos = axdr.read(data, pos, len(data))
        items.append(item)
    return tuple(items), pos


def _request_specs(data: bytes, pos: int) -> tuple[tuple[RequestSpec, ...], int]:
    count, pos = _count(data, pos, "request specifications")
    specs = []
    for _ in range(count):
        spec, pos = _request_spec(data, pos)
        specs.append(spec)
    return tuple(specs), pos


def _request_spec(data: bytes, pos: int) -> tuple[RequestSpec, int]:
    if pos >= len(data):
        raise DlmsDecodeError(pos, "request specification", "needs 1 byte, none left")
    choice = data[pos]
    if choice not in (1, 2, 3, 4):
        raise DlmsDecodeError(pos, "request specification", f"unknown choice {choice}")
    if pos + 10 > len(data):
        raise DlmsDecodeError(pos + 1, "descriptor", f"needs 9 bytes, only {len(data) - pos - 1} left")
    class_id = int.from_bytes(data[pos + 1 : pos + 3], "big")
    instance = Obis(data[pos + 3 : pos + 9])
    member = data[pos + 9]
    pos += 10
    if choice == SpecKind.ACTION:
        return ActionSpec(MethodDescriptor(class_id, instance, member)), pos
    descriptor = AttributeDescriptor(class_id, instance, member)
    if choice == SpecKind.GET:
        return GetSpec(descriptor), pos
    if choice == SpecKind.SET:
        return SetSpec(descriptor), pos
    if pos >= len(data):
        raise DlmsDecodeError(pos, "access-selector", "needs 1 byte, none left")
    selector = data[pos]
    parameters, pos = axdr.read(data, pos + 1, len(data))
    return GetWithSelectionSpec(descriptor, selector, parameters), pos


def _access_request(data: bytes) -> tuple[AccessRequest, int]:
    invoke, date_time, pos = _header(data)
    specs, pos = _request_specs(data, pos)
    items, pos = _data_list(data, pos, "request data")
    return AccessRequest(invoke, specs, items, date_time), pos


def _access_response(data: bytes) -> tuple[AccessResponse, int]:
    invoke, date_time, pos = _header(data)
    if pos >= len(data):
        raise DlmsDecodeError(pos, "request specifications present", "needs 1 byte, none left")
    echoed: tuple[RequestSpec, ...] | None = None
    if data[pos] == 1:
        echoed, pos = _request_specs(data, pos + 1)
    elif data[pos] != 0:
        raise DlmsDecodeError(pos, "request specifications present", f"0x{data[pos]:02X} is neither 00 nor 01")
    else:
        pos += 1
    items, pos = _data_list(data, pos, "response data")
    count, pos = _count(data, pos, "response specifications")
    results = []
    for _ in range(count):
        if pos + 2 > len(data):
            raise DlmsDecodeError(pos, "response specification", "needs 2 bytes")
        if data[pos] not in (1, 2, 3):
            raise DlmsDecodeError(pos, "response specification", f"unknown choice {data[pos]}")
        results.append(AccessResult(SpecKind(data[pos]), data[pos + 1]))
        pos += 2
    return AccessResponse(invoke, items, tuple(results), date_time, echoed), pos


def _data_notification(data: bytes) -> tuple[DataNotification, int]:
    invoke, date_time, pos = _header(data)
    body, pos = axdr.read(data, pos, len(data))
    return DataNotification(invoke, body, date_time), pos


def _exception_response(data: bytes) -> tuple[ExceptionResponse, int]:
    if len(data) < 4:
        raise DlmsDecodeError(len(data), "exception-response", "needs state-error, service-error and its value")
    size = 4 if data[2] == _INVOCATION_COUNTER_ERROR else 1
    if len(data) < 3 + size:
        raise DlmsDecodeError(3, "service-error value", f"needs {size} byte(s)")
    return ExceptionResponse(data[1], data[2], int.from_bytes(data[3 : 3 + size], "big")), 3 + size


# ---------------------------------------------------------------------------------------------- build


def build(apdu: Apdu) -> bytes:
    """The bytes of `apdu`; `parse(build(x)) == x`."""
    out = bytearray()
    match apdu:
        case AccessRequest(invoke, specs, items, date_time):
            _write_header(out, TAG_ACCESS_REQUEST, invoke, date_time)
            _write_specs(out, specs)
            _write_data_list(out, items, "request data")
        case AccessResponse(invoke, items, results, date_time, echoed):
            _write_header(out, TAG_ACCESS_RESPONSE, invoke, date_time)
            if echoed is None:
                out.append(0)
            else:
                out.append(1)
                _write_specs(out, echoed)
            _write_data_list(out, items, "response data")
            out += axdr.encode_len(len(results), "response specifications count")
            for result in results:
                out += bytes((result.kind, result.result))
        case DataNotification(invoke, body, date_time):
            _write_header(out, TAG_DATA_NOTIFICATION, invoke, date_time)
            axdr.write(out, body)
        case ExceptionResponse(state_error, service_error, value):
            out += bytes((TAG_EXCEPTION_RESPONSE, state_error, service_error))
            out += value.to_bytes(4 if service_error == _INVOCATION_COUNTER_ERROR else 1, "big")
    return bytes(out)


def _write_header(out: bytearray, tag: int, invoke: LongInvokeId, date_time: bytes) -> None:
    out.append(tag)
    out += invoke.value.to_bytes(4, "big")
    out += axdr.encode_len(len(date_time), "date-time length")
    out += date_time


def _write_specs(out: bytearray, specs: tuple[RequestSpec, ...]) -> None:
    out += axdr.encode_len(len(specs), "request specifications count")
    for spec in specs:
        match spec:
            case GetSpec(descriptor) | SetSpec(descriptor):
                out.append(SpecKind.GET if isinstance(spec, GetSpec) else SpecKind.SET)
                _write_descriptor(out, descriptor.class_id, descriptor.instance, descriptor.attribute)
            case ActionSpec(method):
                out.append(SpecKind.ACTION)
                _write_descriptor(out, method.class_id, method.instance, method.method)
            case GetWithSelectionSpec(descriptor, selector, parameters):
                out.append(SpecKind.GET_WITH_SELECTION)
                _write_descriptor(out, descriptor.class_id, descriptor.instance, descriptor.attribute)
                if not 0 <= selector <= 0xFF:
                    raise DlmsEncodeError("access-selector", f"{selector} is not one byte")
                out.append(selector)
                axdr.write(out, parameters)


def _write_descriptor(out: bytearray, class_id: int, instance: Obis, member: int) -> None:
    out += class_id.to_bytes(2, "big")
    out += instance.raw
    out.append(member)


def _write_data_list(out: bytearray, items: tuple[Data, ...], field: str) -> None:
    out += axdr.encode_len(len(items), field + " count")
    for item in items:
        axdr.write(out, item)
