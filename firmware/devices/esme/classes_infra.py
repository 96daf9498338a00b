"""Infrastructure interface classes: Data Protection (30), Image Transfer (18), Push Setup (40) and
Security Setup (64) (IEC 62056-6-2; meters.md 2.1, 3.3).

Data protection (GBCS "Get Protected Attributes", meters.md 3.3): method 1 takes
`structure{ array of object definitions {class, logical name, attribute, data index,
selective access {enum selector, parameters}}, array of protection parameters }`; the meter
reads each attribute (selector 1 with a pair of 12-byte date-times is a range by time, as the
protected log reads send it), encrypts `structure{ values... }` (gbcs.md 4.4) and answers
`structure{ its own protection parameters, octet-string block }`. Its parameters mirror the
request's with originator and recipient swapped, as in RTDS. Each protection object serves
only the collection or logs GBCS assigns to it (0-0:43.2.1 ... 43.2.11).

Key choice: recipient = the supplementary remote party when the command names one, else the
command's originator; counter = the transaction id's counter. An unknown-remote-party read
needs the device's own counter instead (gbcs.md 3.5), which only the envelope side knows: its
`PayloadSecurity` implementation is the place to apply it.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from firmware.devices.esme.access import read_attribute
from firmware.devices.esme.alerts import GENERIC_NON_CRITICAL, AlertCode
from firmware.devices.esme.classes_basic import NO_DATA, constant, stored
from firmware.devices.esme.cosem import Attribute, CosemObject, Method
from firmware.devices.esme.logs import TIME_STAMP
from firmware.devices.esme.schema import (
    BOOL,
    ENUM,
    I8,
    OBIS6,
    U8,
    U16,
    U32,
    AnyValue,
    ArrayOf,
    Octets,
    Refused,
    Struct,
    items,
    number,
    raw,
)
from firmware.gbcs.contract import RaisedAlert
from protocols.dlms import (
    BitString,
    Boolean,
    Data,
    DataAccessResult,
    DataNotification,
    Integer,
    LongInvokeId,
    Obis,
    Structure,
    array,
    axdr,
    build,
    enum_,
    octets,
    structure,
    u8,
    u16,
    u32,
)
from protocols.dlms.selective import CaptureObject, EntryDescriptor, RangeDescriptor, SelectiveAccess

if TYPE_CHECKING:
    from firmware.devices.esme.meter import Call

#: Which collection or logs each protection object serves (meters.md 1.1 and 3.3).
PROTECTED = {
    1: ((1, "0-0:94.44.34.30"),),
    2: ((7, "0-0:98.1.0.255"), (7, "0-0:98.1.1.255")),
    3: ((7, "0-0:98.1.2.255"),),
    4: ((7, "0-0:99.1.3.255"),),
    5: ((7, "0-0:98.1.9.255"),),
    6: ((7, "0-0:98.1.8.255"),),
    7: ((7, "0-0:99.1.0.255"),),
    8: ((1, "0-0:94.44.34.10"),),
    9: ((1, "0-0:94.44.34.1"),),
    10: ((1, "0-0:94.44.34.2"),),
    11: ((7, "0-0:98.1.0.255"),),
}
_SELECTIVE = Struct(ENUM, AnyValue())
_OBJECT = Struct(U16, OBIS6, I8, U16, _SELECTIVE)
_PROTECTION = Struct(ENUM, Struct(Octets(9, 9), Octets(8, 8), Octets(8, 8), Octets(0, 255), AnyValue()))
GET_PROTECTED = Struct(ArrayOf(_OBJECT, 8, 1), ArrayOf(_PROTECTION, 4, 1))
IMAGE_BLOCK_SIZE = 200
MAX_IMAGE = 2 * 1024 * 1024


def _selection(value: Data) -> SelectiveAccess | None:
    """The selective access of a protected read: enum 0 none; 1 range by two date-times (or dlu); 2 entries."""
    selector, parameters = items(value)
    if number(selector) == 0:
        return None
    if number(selector) == 1 and isinstance(parameters, Structure) and len(parameters.items) == 2:
        return RangeDescriptor(TIME_STAMP, parameters.items[0], parameters.items[1])
    if number(selector) == 2 and isinstance(parameters, Structure) and len(parameters.items) == 2:
        first, last = parameters.items
        if isinstance(first, Integer) and isinstance(last, Integer):
            return EntryDescriptor(first.value, last.value)
    raise Refused(DataAccessResult.TYPE_UNMATCHED, f"selective access {number(selector)} is not understood")


def data_protection(obis: str) -> CosemObject:
    """Class 30 `get_protected_attributes` for protection object 0-0:43.2.n.255."""
    serves = PROTECTED[Obis.of(obis).raw[4]]

    def get_protected(call: Call, value: Data) -> Data | None:
        meter, context = call.meter, call.context
        definitions, protections = items(value)
        values = []
        for definition in items(definitions):
            class_id, name, attribute, _, selective = items(definition)
            target = (number(class_id), str(Obis(raw(name))))
            if target not in serves:
                raise Refused(DataAccessResult.OBJECT_UNAVAILABLE, f"{obis} does not protect {target}")
            selection = _selection(selective)
            values.append(read_attribute(call, number(class_id), Obis(raw(name)), number(attribute), selection))
        if context is None or meter.security is None:
            raise Refused(DataAccessResult.TEMPORARY_FAILURE, "no key material to protect the data")
        protection_type, parameters = items(items(protections)[0])
        transaction, *_, key_info = items(parameters)
        info = context.other_information
        recipient = getattr(info, "remote_party_id", None) or context.originator
        counter = int.from_bytes(raw(transaction)[1:], "big")
        block = meter.security.encrypt(axdr.build(Structure(tuple(values))), recipient=recipient, counter=counter)
        if block is None:
            raise Refused(DataAccessResult.TEMPORARY_FAILURE, "no key agreement with the requester")
        answer = structure(
            enum_(number(protection_type)),
            structure(transaction, octets(context.recipient), octets(context.originator), octets(b""), key_info),
        )
        return structure(array([answer]), octets(block))

    attributes = {
        3: constant(
            array([CaptureObject(class_id, Obis.of(name), 2).to_data() for class_id, name in serves]),
            "protection_object_list",
        ),
        6: constant(enum_(3), "required_protection"),
    }
    return CosemObject(
        30,
        Obis.of(obis),
        f"Data protection {obis}",
        attributes,
        {1: Method(GET_PROTECTED, get_protected, "get_protected_attributes")},
    )


# ---------------------------------------------------------------------------------------------- image transfer


def _blocks(call: Call) -> int:
    size = call.meter.state("img/size")
    return (size + IMAGE_BLOCK_SIZE - 1) // IMAGE_BLOCK_SIZE


def _received(call: Call) -> list[int]:
    return [index for index in range(_blocks(call)) if call.meter.store.get(f"m/img/block/{index}") is not None]


def image_transfer(obis: str = "0-0:44.0.0.255") -> CosemObject:
    """Class 18: initiate, transfer blocks, verify (SHA-256 of the image; the fault API can fail it), activate."""

    def initiate(call: Call, value: Data) -> Data | None:
        identifier, size = items(value)
        if not 0 < number(size) <= MAX_IMAGE:
            raise Refused(DataAccessResult.OTHER_REASON, f"image size outside 1..{MAX_IMAGE}")
        for index in range(_blocks(call)):
            call.meter.store.delete(f"m/img/block/{index}")
        call.meter.store.put("m/img/id", raw(identifier))
        call.meter.set_state("img/size", number(size))
        call.meter.set_state("img/status", 1)
        return None

    def transfer(call: Call, value: Data) -> Data | None:
        block_number, block = items(value)
        if call.meter.state("img/status") not in (1, 4) or number(block_number) >= _blocks(call):
            raise Refused(DataAccessResult.DATA_BLOCK_NUMBER_INVALID, "no transfer in progress for that block")
        call.meter.store.put(f"m/img/block/{number(block_number)}", raw(block))
        return None

    def verify(call: Call, value: Data) -> Data | None:
        meter = call.meter
        if meter.state("img/status") == 0 or len(_received(call)) != _blocks(call):
            raise Refused(DataAccessResult.DATA_BLOCK_UNAVAILABLE, "the image is incomplete")
        image = b"".join(meter.store.get(f"m/img/block/{index}") for index in range(_blocks(call)))[
            : meter.state("img/size")
        ]
        digest = hashlib.sha256(image).digest()
        if meter.faults.firmware_image_check_fails:
            meter.set_state("img/status", 4)
            meter.raise_alert(AlertCode.FIRMWARE_VERIFICATION_FAILED, call.time)
            raise Refused(DataAccessResult.OTHER_REASON, "image verification failed")
        meter.store.put("m/img/hash", digest)
        meter.set_state("img/status", 3)
        meter.raise_alert(AlertCode.FIRMWARE_VERIFIED, call.time, octets(digest))
        return None

    def activate(call: Call, value: Data) -> Data | None:
        meter = call.meter
        if meter.state("img/status") != 3:
            raise Refused(DataAccessResult.OTHER_REASON, "no verified image to activate")
        version = (bytes(meter.store.get("m/img/id", b"")) + bytes(4))[:4]
        meter.set_value("0-0:0.2.1.255", 2, octets(version))
        meter.set_state("img/status", 6)
        return None

    def status_bits(call: Call) -> Data:
        received = set(_received(call))
        count = _blocks(call)
        raw = 0
        for index in range(count):
            raw = (raw << 1) | (index in received)
        return BitString(count, (raw << ((8 - count % 8) % 8)).to_bytes((count + 7) // 8, "big"))

    def first_missing(call: Call) -> Data:
        received = set(_received(call))
        return u32(next((index for index in range(_blocks(call)) if index not in received), _blocks(call)))

    def to_activate(call: Call) -> Data:
        if call.meter.state("img/status") < 3:
            return array([])
        return array(
            [
                structure(
                    u32(call.meter.state("img/size")),
                    octets(call.meter.store.get("m/img/id", b"")),
                    octets(call.meter.store.get("m/img/hash", b"")),
                )
            ]
        )

    attributes = {
        2: constant(u32(IMAGE_BLOCK_SIZE), "image_block_size"),
        3: Attribute(read=status_bits, label="image_transferred_blocks_status"),
        4: Attribute(read=first_missing, label="image_first_not_transferred_block_number"),
        5: stored(BOOL, Boolean(True), "image_transfer_enabled"),
        6: Attribute(read=lambda call: enum_(call.meter.state("img/status")), label="image_transfer_status"),
        7: Attribute(read=to_activate, label="image_to_activate_info"),
    }
    methods = {
        1: Method(Struct(Octets(1, 64), U32), initiate, "image_transfer_initiate"),
        2: Method(Struct(U32, Octets(1, IMAGE_BLOCK_SIZE)), transfer, "image_block_transfer"),
        3: Method(NO_DATA, verify, "image_verify"),
        4: Method(NO_DATA, activate, "image_activate"),
    }
    return CosemObject(18, Obis.of(obis), "Image transfer", attributes, methods)


# ---------------------------------------------------------------------------------------------- push and security setup


def push_setup(obis: str, pushed: list[tuple[int, str, int]]) -> CosemObject:
    """Class 40: method 1 pushes the listed attributes as a DLMS data-notification (sent as a non-critical alert)."""

    def push(call: Call, value: Data) -> Data | None:
        body = Structure(
            tuple(
                read_attribute(call, class_id, Obis.of(name), attribute, None) for class_id, name, attribute in pushed
            )
        )
        call.meter.alerts.append(
            RaisedAlert(GENERIC_NON_CRITICAL, build(DataNotification(LongInvokeId.for_counter(0), body)))
        )
        return None

    objects = array(
        [CaptureObject(class_id, Obis.of(name), attribute).to_data() for class_id, name, attribute in pushed]
    )
    attributes = {
        2: constant(objects, "push_object_list"),
        3: stored(
            Struct(ENUM, Octets(0, 64), ENUM), structure(enum_(0), octets(b""), enum_(0)), "send_destination_and_method"
        ),
        4: stored(ArrayOf(Struct(Octets(12, 12), Octets(12, 12)), 4), array([]), "communication_window"),
        5: stored(U16, u16(0), "randomisation_start_interval"),
        6: stored(U8, u8(0), "number_of_retries"),
        7: stored(U16, u16(0), "repetition_delay"),
    }
    return CosemObject(40, Obis.of(obis), "Push setup", attributes, {1: Method(NO_DATA, push, "push")})


def security_setup(obis: str = "0-0:43.0.0.255") -> CosemObject:
    """Class 64: the suite and system titles; credentials themselves change through CS02 (ASN.1), not here."""

    def client(call: Call) -> Data:
        return octets(call.meter.store.get("m/last_originator", bytes(8)))

    def server(call: Call) -> Data:
        return octets(call.meter.store.get("m/eui", bytes(8)))

    attributes = {
        2: constant(enum_(0), "security_policy"),
        3: constant(enum_(1), "security_suite"),
        4: Attribute(read=client, label="client_system_title"),
        5: Attribute(read=server, label="server_system_title"),
    }
    return CosemObject(64, Obis.of(obis), "Security setup", attributes)
