"""CBKE cost on one core: whole exchanges (both sides) and scalar multiplications per curve.

Run: `.venv/bin/python -m bench zigbee_security`.

What is measured (CPU time of this process, `time.process_time`, best of several rounds so that
other load on a shared machine inflates the figures as little as possible):
* a whole CBKE exchange, initiator and responder machines wired back to back in memory, from
  Initiate Request to both `KeyEstablished`, each suite - the goal is under 50 ms for suite 2;
* per side, the same exchange's time split by machine;
* scalar multiplications per second: k*P for a variable point, k*G from the per-curve table,
  and the two-term sum ECMQV uses;
* where the time goes: the top functions of a profiled suite-2 exchange.
The one-off cost of the generator table (built on first use per curve) is printed separately.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import time
from collections.abc import Callable

from firmware.zigbee.key_establishment import (
    Action,
    KeyEstablished,
    KeyEstablishmentInitiator,
    KeyEstablishmentResponder,
    SendCommand,
)
from protocols.zigbee.cbke import SUITE_PARAMETERS, CertificateAuthority, CryptoSuite, KoblitzCurve, build_ke_command

DEVICE, HUB = 0x00DB1234567890A0, 0x00DB0000000000AA
ROUNDS = 5


def _best(function: Callable[[], object], repeat: int) -> float:
    """Best per-call CPU seconds of `function` over ROUNDS rounds of `repeat` calls."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(repeat):
            function()
        best = min(best, (time.process_time() - started) / repeat)
    return best


def _exchange(suite: CryptoSuite, seed: int) -> Callable[[], dict[str, float]]:
    rng = random.Random(seed).randbytes
    authority = CertificateAuthority.generate(suite, rng)
    device, hub = authority.issue(DEVICE, rng), authority.issue(HUB, rng)

    def run() -> dict[str, float]:
        initiator = KeyEstablishmentInitiator(credentials=device, partner=HUB, rng=rng)
        responder = KeyEstablishmentResponder(credentials=[hub], rng=rng)
        spent = {"initiator": 0.0, "responder": 0.0}
        queue: list[tuple[str, Action]] = [("initiator", action) for action in initiator.start(0.0)]
        established = 0
        while queue:
            side, action = queue.pop(0)
            if isinstance(action, KeyEstablished):
                established += 1
            if not isinstance(action, SendCommand):
                continue
            target, name, source = (
                (responder, "responder", DEVICE) if side == "initiator" else (initiator, "initiator", HUB)
            )
            payload = build_ke_command(action.command)
            started = time.process_time()
            replies = target.command_received(source, action.command.command_id, payload, 1.0)
            spent[name] += time.process_time() - started
            queue += [(name, reply) for reply in replies]
        if established != 2:
            raise RuntimeError("the benchmark exchange did not establish a key on both sides")
        return spent

    return run


def _exchanges() -> None:
    for suite in (CryptoSuite.SUITE_1, CryptoSuite.SUITE_2):
        run = _exchange(suite, int(suite))
        per_exchange = _best(run, 4)
        sides = [run() for _ in range(6)]
        initiator = min(side["initiator"] for side in sides)
        responder = min(side["responder"] for side in sides)
        curve = SUITE_PARAMETERS[suite].curve.name
        print(
            f"suite {int(suite)} ({curve}): whole exchange {per_exchange * 1e3:6.1f} ms CPU "
            f"({1 / per_exchange:5.1f} exchanges/s on one core); initiator {initiator * 1e3:5.1f} ms, "
            f"responder {responder * 1e3:5.1f} ms"
        )


def _scalar_multiplications(curve: KoblitzCurve) -> None:
    rnd = random.Random(curve.field.degree)
    started = time.process_time()
    curve.multiply_generator(curve.order - 1)  # a full-length expansion: builds the whole table
    table = time.process_time() - started
    point = curve.multiply_generator(rnd.randrange(1, curve.order))
    scalars = [rnd.randrange(1, curve.order) for _ in range(64)]
    picks = iter(scalars * 1000)
    variable = _best(lambda: curve.multiply(next(picks), point), 6)
    fixed = _best(lambda: curve.multiply_generator(next(picks)), 10)
    double = _best(lambda: curve.multiply_sum([(next(picks), point), (next(picks), curve.generator)]), 4)
    print(
        f"{curve.name}: k*P {1 / variable:6.0f}/s ({variable * 1e3:.2f} ms), k*G {1 / fixed:6.0f}/s "
        f"({fixed * 1e3:.2f} ms), s*P + t*Q {1 / double:5.0f}/s ({double * 1e3:.2f} ms); "
        f"generator table built once in {table * 1e3:.0f} ms"
    )


def _profile() -> None:
    run = _exchange(CryptoSuite.SUITE_2, 7)
    run()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(5):
        run()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(8)
    lines = [line for line in text.getvalue().splitlines() if line.strip()]
    start = next(index for index, line in enumerate(lines) if "ncalls" in line)
    print("where a suite-2 exchange spends its time (5 exchanges, profiled, so slower than above):")
    for line in lines[start : start + 9]:
        print("  " + line.replace(str(__file__).rsplit("/bench/", 1)[0] + "/", ""))


def main() -> None:
    for curve in (SUITE_PARAMETERS[CryptoSuite.SUITE_1].curve, SUITE_PARAMETERS[CryptoSuite.SUITE_2].curve):
        _scalar_multiplications(curve)
    _exchanges()
    _profile()


if __name__ == "__main__":
    main()
