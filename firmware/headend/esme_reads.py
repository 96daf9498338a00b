"""ESME reads (meters.md 1.1): plain GETs, log reads by time range, and protected reads (class 30).

The object lists are those of the GBCS use-case mapping tables as meters.md 1.1 gives them,
in their order; a log that GBCS reads "unprotected" is read with selective access by time
range (meters.md 3.2), a sensitive one through Get Protected Attributes, encrypted for the
requester (meters.md 3.3).
"""

from __future__ import annotations

from firmware.headend.dlms_payload import Instruction, InstructionsFor, dlms_case, get, get_range, gets, protected
from firmware.headend.parameters import time_window
from firmware.headend.usecase import Request, UseCase

#: (use case, title, objects): reads of fixed objects.
_PLAIN: tuple[tuple[str, str, str], ...] = (
    ("ECS17a", "Read energy registers (export)", "3 1-0:2.8.0.255 2,3; 3 1-0:4.8.0.255 2,3"),
    ("ECS17c", "Read energy registers (power)", "1 0-0:94.44.34.20 2"),
    ("ECS18a", "Read maximum demand registers (export)", "1 0-0:94.44.5.2 2; 4 1-0:2.6.0.255 2,3,5"),
    (
        "ECS18b",
        "Read maximum demand registers (import)",
        "1 0-0:94.44.5.0 2; 1 0-0:94.44.5.1 2; 4 1-0:1.6.0.255 2,3,5; 4 1-0:1.6.1.255 2,3,5; 10 0-0:12.0.0.255 2",
    ),
    (
        "ECS24",
        "Read tariff data",
        "3 0-0:94.44.1.7 2,3; 20 0-0:13.0.0.255 3,4,5; 11 0-0:11.0.0.255 2; "
        + "; ".join(f"21 0-0:16.0.{rate}.255 2" for rate in range(11, 19))
        + "; 9000 0-0:94.44.2.0 2; 113 0-0:19.20.0.255 5; 113 0-0:19.20.4.255 5",
    ),
    (
        "ECS26a",
        "Read configuration data (prepayment)",
        "113 0-0:19.20.1.255 5; 11 0-0:11.0.2.255 2; 113 0-0:19.20.1.255 8,5; 113 0-0:19.20.2.255 5,8,5; "
        "113 0-0:19.20.3.255 13; 9000 0-0:94.44.2.10 2; 21 0-0:16.0.1.255 2; 9000 0-0:94.44.2.20 2; "
        "111 0-0:19.0.0.255 16,18,19; 112 0-0:19.10.1.255 9,10; 10 0-0:12.0.1.255 2; 111 0-0:19.0.0.255 11",
    ),
    (
        "ECS26b",
        "Read voltage configuration (single phase)",
        "71 0-0:17.0.1.255 4,6; 71 0-0:17.0.2.255 4,6; 71 0-0:17.0.3.255 4,6; 71 0-0:17.0.4.255 4,6; "
        "1 1-0:32.35.0.4 2; 1 1-0:32.31.0.4 2",
    ),
    ("ECS26c", "Read configuration data (randomisation)", "1 0-0:94.44.0.0 2; 1 0-0:94.44.0.2 2; 1 0-0:94.44.0.1 2"),
    ("ECS26f", "Read instantaneous power thresholds", "21 0-0:16.0.0.255 2"),
    ("ECS26j", "Read payment mode", "111 0-0:19.0.0.255 2"),
    (
        "ECS26k",
        "Read voltage configuration (polyphase)",
        "71 0-0:17.0.1.255 4,6; 71 0-0:17.0.2.255 4,6; 71 0-0:17.0.3.255 4,6; 71 0-0:17.0.4.255 4,6; "
        "1 1-0:32.35.0.4 2; 1 1-0:32.31.0.4 2; 1 1-0:52.31.0.4 2; 1 1-0:52.35.0.4 2; "
        "1 1-0:72.31.0.4 2; 1 1-0:72.35.0.4 2",
    ),
    ("ECS26l", "Read billing calendar", "22 0-0:15.0.0.255 4"),
    (
        "ECS26m",
        "Read identity, type and supply tamper state",
        "1 0-0:96.1.2.255 2; 1 0-0:96.1.4.255 2; 1 0-0:96.1.6.255 2; 1 0-0:94.44.0.4 2",
    ),
    ("ECS27", "Read load limit data", "9000 0-0:94.44.0.3 2; 3 0-0:94.44.42.255 2,3; 71 0-0:17.0.0.255 4,6,7"),
    (
        "ECS25r1",
        "Read non-critical event and alert behaviours (supplier)",
        "1 0-30:97.98.15.255 2; 1 0-30:97.98.16.255 2; 1 0-30:97.98.17.255 2; 1 0-30:97.98.18.255 2",
    ),
    (
        "ECS25r2",
        "Read non-critical event and alert behaviours (network operator)",
        "1 0-33:97.98.15.255 2; 1 0-33:97.98.18.255 2",
    ),
    ("ECS40", "Read MPAN values", "1 0-0:94.44.34.11 2; 1 1-0:0.0.2.255 2"),
    ("ECS45", "Read status of the load switch", "70 0-0:96.3.10.255 3"),
    ("ECS52", "Read firmware version", "1 0-0:0.2.1.255 2"),
    (
        "ECS61a",
        "Read HC ALCS and ALCS data (GBCS 3.1)",
        "; ".join(f"1 0-0:94.44.0.{n} 2" for n in (*range(11, 16), *range(21, 26)))
        + "; 11 0-0:11.0.3.255 2; 10 0-0:12.0.2.255 2; "
        + "; ".join(f"70 0-{n}:96.3.10.255 2" for n in range(1, 6)),
    ),
    (
        "ECS61d",
        "Read auxiliary controller configuration data",
        "; ".join(f"1 0-0:94.44.0.{n} 2" for n in range(11, 16)) + "; 11 0-0:11.0.3.255 2; 10 0-0:12.0.2.255 2",
    ),
    (
        "ECS61e",
        "Read auxiliary controller operational data",
        "; ".join(f"1 0-0:94.44.0.{n} 2" for n in (*range(21, 26), *range(31, 36))),
    ),
    ("ECS82", "Read meter balance", "112 0-0:19.10.0.255 2"),
)

#: (use case, title, log): logs read by time range (meters.md 3.2).
_LOGS: tuple[tuple[str, str, str], ...] = (
    ("ECS20a", "Read billing data log (payment-based debt payments)", "0-0:98.1.4.255"),
    ("ECS20d", "Read billing data log (prepayment credits)", "0-0:98.1.5.255"),
    ("ECS21c", "Read daily read log (export)", "0-0:98.1.10.255"),
    ("ECS22a", "Read half-hour profile data (export)", "0-0:99.1.1.255"),
    ("ECS22c", "Read half-hour profile data (reactive import)", "0-0:99.1.2.255"),
    ("ECS35a", "Read event log", "0-0:99.98.0.255"),
    ("ECS35b", "Read security log", "0-0:99.98.1.255"),
    ("ECS35e", "Read power event log", "0-0:99.98.4.255"),
    ("ECS35f", "Read ALCS event log (GBCS 3.1)", "0-17:99.98.2.255"),
    ("ECS35g", "Read auxiliary controller event log", "0-17:99.98.2.255"),
)

#: (use case, title, protection object n of 0-0:43.2.n.255, [(class, logical name, read by time range)]).
_PROTECTED: tuple[tuple[str, str, int, tuple[tuple[int, str, bool], ...]], ...] = (
    ("ECS17b", "Read energy registers (import)", 8, ((1, "0-0:94.44.34.10", False),)),
    ("ECS17d", "Read energy registers (TOU)", 9, ((1, "0-0:94.44.34.1", False),)),
    ("ECS17e", "Read energy registers (TOU with blocks)", 10, ((1, "0-0:94.44.34.2", False),)),
    ("ECS19", "Read prepayment registers", 1, ((1, "0-0:94.44.34.30", False),)),
    ("ECS20b", "Read billing data log (change of mode / tariff)", 3, ((7, "0-0:98.1.2.255", True),)),
    (
        "ECS20c",
        "Read billing data log (billing calendar)",
        2,
        ((7, "0-0:98.1.0.255", True), (7, "0-0:98.1.1.255", True)),
    ),
    ("ECS21a", "Read daily read log", 5, ((7, "0-0:98.1.9.255", True),)),
    ("ECS21b", "Read prepayment daily read log", 6, ((7, "0-0:98.1.8.255", True),)),
    ("ECS22b", "Read half-hour profile data (active import)", 7, ((7, "0-0:99.1.0.255", True),)),
    ("ECS66", "Read daily consumption log", 4, ((7, "0-0:99.1.3.255", True),)),
)


def _plain(objects: str) -> InstructionsFor:
    def instructions(req: Request) -> list[Instruction]:
        return gets(objects)

    return instructions


def _log(obis: str) -> InstructionsFor:
    def instructions(req: Request) -> list[Instruction]:
        return [get_range(obis, req["from"].utc, req["to"].utc)]

    return instructions


def _protected(number: int, objects: tuple[tuple[int, str, bool], ...]) -> InstructionsFor:
    def instructions(req: Request) -> list[Instruction]:
        window = (req["from"].utc, req["to"].utc) if any(ranged for _, _, ranged in objects) else None
        wanted = [(class_id, obis, window if ranged else None) for class_id, obis, ranged in objects]
        return [protected(number, wanted, counter=req.counter, requester=req.requester, device=req.recipient)]

    return instructions


def _voltage(phases: tuple[int, ...]) -> InstructionsFor:
    """ECS23 / ECS23b: per phase the RMS under / over voltage counters, the average RMS voltage profile by range
    and its measurement period (meters.md 1.1)."""

    def instructions(req: Request) -> list[Instruction]:
        out: list[Instruction] = []
        for phase in phases:
            out += gets(f"3 1-0:{phase}.32.0.4 2,3; 3 1-0:{phase}.36.0.4 2,3")
            out.append(get_range(f"1-0:{phase}.24.0.255", req["from"].utc, req["to"].utc))
            out.append(get(7, f"1-0:{phase}.24.0.255", 4))
        return out

    return instructions


def _boost(req: Request) -> list[Instruction]:
    """ECS61c: boost available, the boost function event log by range, which controllers boost controls."""
    return [
        get(1, "0-0:94.44.7.255", 2),
        get_range("0-0:99.98.20.255", req["from"].utc, req["to"].utc),
        *gets("; ".join(f"1 0-0:94.44.6.{n} 2" for n in range(1, 6))),
    ]


def _cases() -> tuple[UseCase, ...]:
    window = time_window()
    cases = [dlms_case(name, title, _plain(objects)) for name, title, objects in _PLAIN]
    cases += [dlms_case(name, title, _log(obis), parameters=window) for name, title, obis in _LOGS]
    for name, title, number, objects in _PROTECTED:
        ranged = any(flag for _, _, flag in objects)
        cases.append(dlms_case(name, title, _protected(number, objects), parameters=window if ranged else ()))
    cases += [
        dlms_case("ECS23", "Read voltage operational data (single phase)", _voltage((32,)), parameters=window),
        dlms_case("ECS23b", "Read voltage operational data (polyphase)", _voltage((32, 52, 72)), parameters=window),
        dlms_case("ECS61c", "Read boost function data", _boost, parameters=time_window("-7d")),
    ]
    return tuple(cases)


USE_CASES = _cases()
