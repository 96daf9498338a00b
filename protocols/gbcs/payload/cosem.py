"""COSEM names for display: interface classes, OBIS codes, attributes, results, date-times.

Why a table here and not in dlms.py: the decoder needs only numbers; these names
only make `commshub decode` readable. Class names are those gbcs.md 5.2 quotes
from gbcs-parser `src/dlms.ts`; attribute/method and result names are the DLMS
UA Blue Book (IEC 62056-6-2 / 5-3) ones; OBIS instance names are the ones
gbcs.md 5.4/5.7 establish from RTDS. Unknown numbers give None (no guessing).
"""

from __future__ import annotations

_CLASSES = {
    1: "Data",
    3: "Register",
    7: "Profile Generic",
    8: "Clock",
    9: "Script Table",
    10: "Schedule",
    11: "Special Days Table",
    20: "Activity Calendar",
    21: "Register Monitor",
    30: "Data Protection",
    104: "ZigBee Network Control",
    111: "Account",
    112: "Credit",
    113: "Charge",
    115: "Token Gateway",
    9000: "GBCS Extended Data",
}

#: (class, attribute) -> name; attribute 1 of every class is its logical name.
_ATTRIBUTES = {
    (1, 2): "value",
    (3, 2): "value",
    (3, 3): "scaler_unit",
    (7, 2): "buffer",
    (7, 3): "capture_objects",
    (7, 4): "capture_period",
    (7, 5): "sort_method",
    (7, 6): "sort_object",
    (7, 7): "entries_in_use",
    (7, 8): "profile_entries",
    (8, 2): "time",
    (8, 3): "time_zone",
    (8, 4): "status",
    (9, 2): "scripts",
    (10, 2): "entries",
    (11, 2): "entries",
    (21, 2): "monitored_value",
    (21, 3): "thresholds",
    (21, 4): "actions",
    (104, 2): "enable_disable_joining",
    (104, 3): "join_timeout",
    (104, 4): "active_devices",
}
#: (class, method) -> name.
_METHODS = {
    (3, 1): "reset",
    (7, 1): "reset",
    (7, 2): "capture",
    (9, 1): "execute",
    (104, 1): "register_device",
    (104, 2): "unregister_device",
    (104, 3): "unregister_all_devices",
    (104, 4): "backup_pan",
    (104, 5): "restore_pan",
    (115, 1): "enter",
}

#: OBIS instances whose role RTDS shows (gbcs.md 4.8, 5.7).
_OBIS = {
    bytes((0, 0, 30, 3, 0, 255)): "CHF device log",
    bytes((0, 0, 30, 3, 1, 255)): "GPF device log",
    bytes((0, 0, 19, 40, 0, 255)): "token gateway",
    bytes((0, 0, 99, 98, 0, 255)): "CHF event log",
    bytes((0, 0, 94, 44, 10, 0)): "sub-GHz configuration",
    bytes((0, 0, 94, 44, 10, 1)): "sub-GHz channel scan request",
    bytes((0, 0, 94, 44, 10, 2)): "sub-GHz channel",
    bytes((0, 0, 94, 44, 10, 3)): "sub-GHz channel log",
}

_SELECTORS = {1: "range descriptor", 2: "entry descriptor"}

#: Data-Access-Result (get/set) and Action-Result share these codes; 15/16 differ by kind.
_RESULTS = {
    0: "success",
    1: "hardware-fault",
    2: "temporary-failure",
    3: "read-write-denied",
    4: "object-undefined",
    9: "object-class-inconsistent",
    11: "object-unavailable",
    12: "type-unmatched",
    13: "scope-of-access-violated",
    14: "data-block-unavailable",
    19: "data-block-number-invalid",
    250: "other-reason",
}
_GET_SET_RESULTS = {
    15: "long-get-aborted",
    16: "no-long-get-in-progress",
    17: "long-set-aborted",
    18: "no-long-set-in-progress",
}
_ACTION_RESULTS = {15: "long-action-aborted", 16: "no-long-action-in-progress"}


def class_name(class_id: int) -> str | None:
    return _CLASSES.get(class_id)


def obis_text(obis: bytes) -> str:
    """OBIS code in the usual `A-B:C.D.E.F` form."""
    return f"{obis[0]}-{obis[1]}:{obis[2]}.{obis[3]}.{obis[4]}.{obis[5]}"


def obis_name(obis: bytes) -> str | None:
    return _OBIS.get(obis)


def member_name(class_id: int, member: int, *, method: bool) -> str | None:
    if method:
        return _METHODS.get((class_id, member))
    if member == 1:
        return "logical_name"
    return _ATTRIBUTES.get((class_id, member))


def selector_name(selector: int) -> str | None:
    return _SELECTORS.get(selector)


def result_name(result: int, *, action: bool) -> str | None:
    name = _RESULTS.get(result)
    if name is not None:
        return name
    return (_ACTION_RESULTS if action else _GET_SET_RESULTS).get(result)


def date_time_note(raw: bytes) -> str | None:
    """A readable form of a 12-byte DLMS date-time (gbcs.md 0), or None if `raw` is not one.

    All-zero fields mean "now" and all-FF "never" in ECS execution times (gbcs.md 5.2).
    """
    if len(raw) != 12:
        return None
    if raw[:9] == b"\x00" * 9:
        return "now (all date-time fields zero)"
    if raw[:9] == b"\xff" * 9:
        return "never / not specified (all date-time fields FF)"
    year = int.from_bytes(raw[0:2], "big")
    month, day, _weekday, hour, minute, second, hundredths = raw[2:9]
    if not (month <= 12 or month >= 0xFD) or not (day <= 31 or day >= 0xFD):
        return None
    if (hour > 23 and hour != 0xFF) or (minute > 59 and minute != 0xFF) or (second > 59 and second != 0xFF):
        return None
    if hundredths > 99 and hundredths != 0xFF:
        return None

    def part(value: int, width: int) -> str:
        return "*" * width if value >= 0xFD else f"{value:0{width}d}"

    text = (
        f"{'*' * 4 if year == 0xFFFF else f'{year:04d}'}-{part(month, 2)}-{part(day, 2)}"
        f" {part(hour, 2)}:{part(minute, 2)}:{part(second, 2)}"
    )
    deviation = int.from_bytes(raw[9:11], "big", signed=True)
    if raw[9:11] != b"\x80\x00":
        text += f" deviation {deviation} min"
    return f"{text} status 0x{raw[11]:02X}"
