"""Communications Hub Function use cases (gbcs.md 5.7): the device log (CCS01-07), identity and logs (ECS26i,
ECS35c/d), and the dual-band sub-GHz use cases (DBCH01-05).

All are DCC-executed: sent by the ACB on behalf of the service user named in Other Information
(the builder's default for use cases only the ACB may send), MACed, DLMS payloads on the CHF's
class 104 ZigBee Network Control objects (`0-0:30.3.0.255` the CHF device log, `0-0:30.3.1.255`
the GPF's) and its class 1 / 7 objects.
"""

from __future__ import annotations

from firmware.chf.sub_ghz import SUB_GHZ_PAGES, SubGhzConfiguration
from firmware.headend.dlms_payload import Instruction, InstructionsFor, action, dlms_case, get, get_range, gets, set_
from firmware.headend.parameters import (
    Choice,
    Eui,
    Flag,
    Numbers,
    Octets,
    Pairs,
    Parameter,
    ParameterError,
    Whole,
    time_window,
)
from firmware.headend.usecase import Request, UseCase
from protocols.dlms import NULL, Boolean, Data, DlmsEncodeError, array, enum_, octets, structure, u8, u16
from protocols.gbcs.cs.common import ESME, GPF, GSME, HCALCS, PPMID, TYPE_2

CHF_DEVICE_LOG, GPF_DEVICE_LOG = "0-0:30.3.0.255", "0-0:30.3.1.255"
SUB_GHZ_CONFIGURATION, SUB_GHZ_SCAN, SUB_GHZ_CHANNEL, SUB_GHZ_LOG = (
    "0-0:94.44.10.0",
    "0-0:94.44.10.1",
    "0-0:94.44.10.2",
    "0-0:94.44.10.3",
)
#: DeviceType (gbcs.md 2.2) by name.
DEVICE_TYPES = {"gsme": GSME, "esme": ESME, "gpf": GPF, "hcalcs": HCALCS, "ppmid": PPMID, "type2": TYPE_2}
#: The ASCII install code RTDS commissions devices with (gbcs.md 5.7).
DEFAULT_INSTALL_CODE = b"0123456789ABCDEF".hex()
#: Page / channel masks allowing every channel of sub-GHz pages 28-30 and none of page 31 (radio.md 1.2).
_DEFAULT_MASKS = "0xE7FFFFFF,0xE80001FF,0xF7FFFFFF,0xF8000000"


def _fixed(instructions: list[Instruction]) -> InstructionsFor:
    return lambda req: instructions


def _log(obis: str) -> InstructionsFor:
    return lambda req: [get_range(obis, req["from"].utc, req["to"].utc)]


def _add(req: Request) -> list[Instruction]:
    """CCS01: register the device (EUI, type, install code), the join timeout, then enable joining."""
    entry = structure(octets(req["device"]), enum_(req["device_type"]), octets(req["install_code"]), enum_(0))
    return [
        action(104, CHF_DEVICE_LOG, 1, entry),
        set_(104, CHF_DEVICE_LOG, 3, u16(req["join_timeout"])),
        set_(104, CHF_DEVICE_LOG, 2, Boolean(req["enable_joining"])),
    ]


def _restore(req: Request) -> list[Instruction]:
    """CCS03: the device log becomes these devices (`EUI=install code` pairs) of network `network_id`."""
    entries: list[Data] = [structure(octets(eui), octets(code)) for eui, code in req["devices"]]
    return [action(104, CHF_DEVICE_LOG, 5, structure(octets(req["network_id"]), array(entries)))]


def _configure(req: Request) -> list[Instruction]:
    """DBCH04: the sub-GHz configuration: four page/channel masks, the duty-cycle thresholds (hundredths of a
    percent of the hour), then the nine further numbers as given - the CHF's own value type builds it
    (`firmware.chf.sub_ghz`, gbcs.md 5.7)."""
    masks = req["masks"]
    for page, mask in zip(SUB_GHZ_PAGES, masks, strict=True):
        if mask >> 27 != page:
            raise ParameterError("masks", f"mask {mask:#010x} is not of page {page} (top five bits {page})")
    try:
        configuration = SubGhzConfiguration(
            tuple(masks), req["limited_threshold"], req["critical_threshold"], tuple(req["other"])
        )
        value = configuration.to_data()
    except (ValueError, DlmsEncodeError) as error:
        raise ParameterError("other", str(error)) from None
    return [set_(1, SUB_GHZ_CONFIGURATION, 2, value)]


_DEVICE = Parameter("device", Eui(), "00db1234567890a0", "EUI-64 of the device")

USE_CASES: tuple[UseCase, ...] = (
    dlms_case(
        "CCS01",
        "Add device to the CHF device log",
        _add,
        parameters=(
            _DEVICE,
            Parameter("device_type", Choice(DEVICE_TYPES), "esme", "its device type"),
            Parameter("install_code", Octets(6, 16), DEFAULT_INSTALL_CODE, "its install code (hex)"),
            Parameter("join_timeout", Whole(0, 0xFFFF, "minutes"), "90", "how long the device may join"),
            Parameter("enable_joining", Flag(), "true", "open joining now"),
        ),
        target="chf",
    ),
    dlms_case(
        "CCS02",
        "Remove device from the CHF device log",
        lambda req: [action(104, CHF_DEVICE_LOG, 2, octets(req["device"]))],
        parameters=(_DEVICE,),
        target="chf",
    ),
    dlms_case(
        "CCS03",
        "Restore the CHF device log",
        _restore,
        parameters=(
            Parameter("network_id", Octets(8, 8), "0000000000000140", "the backup's network id"),
            Parameter(
                "devices", Pairs(Octets(6, 16)), f"00db1234567890a0={DEFAULT_INSTALL_CODE}", "the devices restored"
            ),
        ),
        target="chf",
    ),
    dlms_case("CCS04", "Read CHF device log", _fixed([get(104, CHF_DEVICE_LOG, 4)]), target="chf"),
    dlms_case(
        "CCS05", "Check HAN communications", _fixed([get(104, CHF_DEVICE_LOG, 4)]), target="chf", message_code=0x0004
    ),
    dlms_case(
        "CCS06", "Read CHF device log and check HAN communications", _fixed([get(104, CHF_DEVICE_LOG, 4)]), target="chf"
    ),
    dlms_case(
        "CCS07",
        "Read the CHF and GPF device logs",
        _fixed([action(104, CHF_DEVICE_LOG, 4, NULL), action(104, GPF_DEVICE_LOG, 4, NULL)]),
        target="chf",
    ),
    dlms_case(
        "ECS26i",
        "Read CHF identity",
        _fixed(gets("1 0-0:96.1.1.255 2; 1 0-0:96.1.4.255 2; 1 0-0:96.1.6.255 2")),
        target="chf",
    ),
    *(
        dlms_case(name, title, _log(obis), parameters=time_window(), target="chf", message_code=0x0093)
        for name, title, obis in (
            ("ECS35c", "Read CHF event log", "0-0:99.98.0.255"),
            ("ECS35d", "Read CHF security log", "0-0:99.98.1.255"),  # [?] one message code for both (docs/chf.md)
        )
    ),
    dlms_case("DBCH01", "Read CHF sub-GHz channel", _fixed([get(1, SUB_GHZ_CHANNEL, 2)]), target="chf"),
    dlms_case(
        "DBCH02",
        "Read CHF sub-GHz channel log",
        _log(SUB_GHZ_LOG),
        parameters=time_window("-31d"),
        target="chf",
    ),
    dlms_case("DBCH03", "Read CHF sub-GHz configuration", _fixed([get(1, SUB_GHZ_CONFIGURATION, 2)]), target="chf"),
    dlms_case(
        "DBCH04",
        "Set CHF sub-GHz configuration",
        _configure,
        parameters=(
            Parameter("masks", Numbers(0, (1 << 32) - 1, 4, 4), _DEFAULT_MASKS, "allowed channels, pages 28-31"),
            Parameter("limited_threshold", Whole(1, 0xFFFF), "150", "Normal-Limited duty cycle (1/100 %)"),
            Parameter("critical_threshold", Whole(1, 0xFFFF), "208", "Limited-Critical duty cycle (1/100 %)"),
            Parameter("other", Numbers(0, 0xFFFF, 9, 9), "0,0,0,0,0,0,0,0,0", "the nine further numbers [?]"),
        ),
        target="chf",
    ),
    dlms_case("DBCH05", "Request CHF sub-GHz channel scan", _fixed([set_(1, SUB_GHZ_SCAN, 2, u8(0))]), target="chf"),
)
