"""DLMS access-requests as GBCS use cases lay them out (gbcs.md 5.2, meters.md 0-3): the instruction helpers.

A use case is a list of instructions - GET, SET, ACTION, GET-with-selection - each with its data
item (null when it has none); `request` makes the access-request with the GBCS invoke id
(break-on-error, the counter's low 24 bits). The helpers below are the recurring shapes:

- activation times: GBCS's "now" (nine zero bytes) and "never" (nine `FF`), or a date-time
  with weekday, hundredths, deviation and clock status "not specified", as GBCS writes them;
- log reads by time range: selector 1 on the buffer's time-stamp column
  (`0-0:94.44.100.255`), bounds as double-long-unsigned ZigBee UTC (meters.md 3.2);
- protected reads: class 30 method 1 naming the objects to read and the protection wanted
  (meters.md 3.3): authenticated and encrypted for the requester, key agreed from the
  transaction id `04 || counter` (gbcs.md 4.4).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from firmware.gbcs.alerts import zigbee_utc
from firmware.headend.parameters import Moment, Parameter
from firmware.headend.usecase import Request, UseCase
from protocols import dlms
from protocols.dlms import (
    NULL,
    AccessRequest,
    ActionSpec,
    AttributeDescriptor,
    Data,
    DateTime,
    GetSpec,
    GetWithSelectionSpec,
    LongInvokeId,
    MethodDescriptor,
    Obis,
    OctetString,
    RequestSpec,
    SetSpec,
    array,
    enum_,
    i8,
    octets,
    structure,
    u16,
    u32,
)
from protocols.dlms.selective import RANGE_SELECTOR, CaptureObject, RangeDescriptor

Instruction = tuple[RequestSpec, Data]
#: A use case's instructions from its request.
InstructionsFor = Callable[[Request], list[Instruction]]
#: What GBCS passes to a method without parameters (an `integer` 0).
NO_PARAMETERS = i8(0)
#: The capture object of every log's time-stamp column (docs/esme.md, "Buffer time stamp").
TIME_STAMP = CaptureObject(1, Obis.of("0-0:94.44.100.255"), 2)
#: Protection type 2: authenticated and encrypted; key info: agreed key, ECC CDH one-pass (meters.md 3.3).
_ENCRYPTED = 2
_AGREED_KEY = structure(enum_(2), structure(octets(b"\x02"), octets(b"")))
#: Transaction-id type of payload encryption keys (gbcs.md 4.4).
_ENCRYPTION_KEY_TYPE = 0x04


def get(class_id: int, obis: str, attribute: int) -> Instruction:
    return GetSpec(AttributeDescriptor(class_id, Obis.of(obis), attribute)), NULL


def set_(class_id: int, obis: str, attribute: int, value: Data) -> Instruction:
    return SetSpec(AttributeDescriptor(class_id, Obis.of(obis), attribute)), value


def action(class_id: int, obis: str, method: int, value: Data = NO_PARAMETERS) -> Instruction:
    return ActionSpec(MethodDescriptor(class_id, Obis.of(obis), method)), value


def get_range(obis: str, start: float, end: float, *, class_id: int = 7, attribute: int = 2) -> Instruction:
    """A log's entries time-stamped in [start, end] (UTC seconds), as a range on the time-stamp column."""
    access = RangeDescriptor(TIME_STAMP, u32(zigbee_utc(start)), u32(zigbee_utc(end)))
    descriptor = AttributeDescriptor(class_id, Obis.of(obis), attribute)
    return GetWithSelectionSpec(descriptor, RANGE_SELECTOR, access.to_data()), NULL


def date_time(utc: float) -> OctetString:
    """A 12-byte date-time of the instant `utc` as GBCS writes one (weekday, hundredths, deviation, status unset)."""
    moment = datetime.fromtimestamp(utc, UTC)
    value = DateTime(moment.year, moment.month, moment.day, 0xFF, moment.hour, moment.minute, moment.second, 0)
    return octets(value.build())


def activation(moment: Moment) -> OctetString:
    """An activation time: GBCS's now / never markers, or the date-time (gbcs.md 5.2)."""
    if moment.never:
        return octets(DateTime.never_marker().build())
    if moment.utc is None:
        return octets(DateTime.now_marker().build())
    return date_time(moment.utc)


def protected(
    protection: int,
    objects: list[tuple[int, str, tuple[float, float] | None]],
    *,
    counter: int,
    requester: bytes,
    device: bytes,
) -> Instruction:
    """Get Protected Attributes on 0-0:43.2.`protection`.255 (meters.md 3.3): each object is (class, logical
    name, time range or None); the answer is encrypted for `requester` with the key of `04 || counter`."""
    definitions: list[Data] = []
    for class_id, obis, window in objects:
        selection = (
            structure(enum_(0), NULL)
            if window is None
            else structure(enum_(1), structure(date_time(window[0]), date_time(window[1])))
        )
        definitions.append(structure(u16(class_id), octets(Obis.of(obis).raw), i8(2), u16(0), selection))
    transaction = octets(bytes((_ENCRYPTION_KEY_TYPE,)) + counter.to_bytes(8, "big"))
    protection_parameters = structure(
        enum_(_ENCRYPTED), structure(transaction, octets(requester), octets(device), octets(b""), _AGREED_KEY)
    )
    value = structure(array(definitions), array([protection_parameters]))
    return action(30, f"0-0:43.2.{protection}.255", 1, value)


def request(counter: int, instructions: list[Instruction]) -> bytes:
    """The access-request of `instructions`, invoke id from the command's counter (gbcs.md 5.2)."""
    specs = tuple(spec for spec, _ in instructions)
    data = tuple(value for _, value in instructions)
    return dlms.build(AccessRequest(LongInvokeId.for_counter(counter), specs, data))


def gets(objects: str) -> list[Instruction]:
    """GETs written as meters.md 1.1 lists objects: `class logical-name attributes` items separated by `;`,
    attributes comma-separated (e.g. `"3 1-0:2.8.0.255 2,3; 1 0-0:0.2.1.255 2"`)."""
    instructions: list[Instruction] = []
    for item in objects.split(";"):
        class_id, obis, attributes = item.split()
        instructions.extend(get(int(class_id), obis, int(attribute)) for attribute in attributes.split(","))
    return instructions


def dlms_case(
    name: str,
    title: str,
    instructions: InstructionsFor,
    *,
    parameters: tuple[Parameter, ...] = (),
    target: str = "esme",
    message_code: int = -1,
    top_up: bool = False,
) -> UseCase:
    """A use case whose payload is one access-request of `instructions`."""
    return UseCase(
        name,
        title,
        target,
        lambda req: request(req.counter, instructions(req)),
        parameters,
        message_code,
        top_up,
    )
