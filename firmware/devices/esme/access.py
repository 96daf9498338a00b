"""GET, SET and ACTION on the object table, with the results a DLMS server gives (meters.md 3.1).

- no object of that logical name: `object-undefined` (4);
- an object of that name but another class: `object-class-inconsistent` (9);
- an attribute or method the object does not have: `object-unavailable` (11);
- a write to a read-only attribute (logical name included): `read-write-denied` (3);
- a value of the wrong type: `type-unmatched` (12); out of range: `other-reason` (250);
- selective access on an attribute that is not a profile buffer: `other-reason` (250).

Each failure is a `schema.Refused`, which the request handler turns into the result code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.devices.esme.cosem import CosemObject, logical_name
from firmware.devices.esme.schema import Refused
from protocols.dlms import Data, DataAccessResult, Obis
from protocols.dlms.selective import SelectiveAccess

if TYPE_CHECKING:
    from firmware.devices.esme.meter import Call


def lookup(call: Call, class_id: int, obis: Obis) -> CosemObject:
    obj = call.meter.objects.get(obis)
    if obj is None:
        raise Refused(DataAccessResult.OBJECT_UNDEFINED, f"no object {obis}")
    if obj.class_id != class_id:
        raise Refused(DataAccessResult.OBJECT_CLASS_INCONSISTENT, f"{obis} is class {obj.class_id}, not {class_id}")
    return obj


def read_attribute(call: Call, class_id: int, obis: Obis, attribute: int, access: SelectiveAccess | None) -> Data:
    obj = lookup(call, class_id, obis)
    if attribute == 1 and access is None:
        return logical_name(obj)
    spec = obj.attribute(attribute) if attribute != 1 else None
    if spec is not None and spec.buffer is not None:
        return spec.buffer(call, access)
    if access is not None or spec is None:
        raise Refused(DataAccessResult.OTHER_REASON, f"{obj.label} attribute {attribute} has no selective access")
    if spec.read is not None:
        return spec.read(call)
    assert spec.default is not None
    return call.meter.store.get_data(obj.key(attribute), spec.default)


def write_attribute(call: Call, class_id: int, obis: Obis, attribute: int, value: Data) -> None:
    obj = lookup(call, class_id, obis)
    if attribute == 1:
        raise Refused(DataAccessResult.READ_WRITE_DENIED, "the logical name is read-only")
    spec = obj.attribute(attribute)
    if spec.schema is None:
        raise Refused(DataAccessResult.READ_WRITE_DENIED, f"{obj.label} attribute {attribute} is read-only")
    spec.schema.check(value)
    if spec.default is not None:
        call.meter.store.put_data(obj.key(attribute), value)
    if spec.write is not None:
        spec.write(call, value)


def invoke_method(call: Call, class_id: int, obis: Obis, method: int, parameters: Data) -> Data | None:
    obj = lookup(call, class_id, obis)
    spec = obj.methods.get(method)
    if spec is None:
        raise Refused(DataAccessResult.OBJECT_UNAVAILABLE, f"{obj.label} has no method {method}")
    spec.schema.check(parameters)
    return spec.run(call, parameters)
