"""Reception judgement: the chance that a receiver decodes a frame amid what else is on the air (radio.md 4.6).

Why a pure function: the rules - lock-on, capture, per-chunk SINR - are the
part of the medium that most needs reading and testing on its own, and they
need nothing but numbers: the wanted frame's timing and received power, and
each overlapping transmission as this receiver hears it. The medium gathers
those and draws the random number; `judge` holds no state, reads no clock and
draws nothing.

The rules, per receiver:

* lock-on: if another frame G, heard above the noise floor, started earlier,
  the receiver was locked on G and misses this one, unless this one started
  within G's SHR and is stronger by the capture margin; a later frame that
  starts within this one's SHR and is stronger by the margin steals the
  receiver;
* the frame is cut into chunks at every start and end of the overlapping
  transmissions and jams; per chunk `SINR = S / (N + sum I)` gives a bit
  error rate and the chunk survives with `(1 - BER)^bits`; the product is the
  success probability (ns-3's method). Frames of the same PHY are not noise to
  each other (DSSS processing gain does not help against the same spreading
  codes), so a chunk shared with other frames is lost outright unless this
  frame is stronger than their sum by the capture margin: equal frames
  collide, a much stronger one captures.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from .propagation import BandModel, dbm_to_mw, mw_to_dbm

#: Another transmission as one receiver hears it: (start, end, SHR end, received dBm, is a frame (not a jam)).
Overlap = tuple[float, float, float, float, bool]


def clear_success(ber: float, duration: float, bit: float) -> float:
    """The chance that every bit of a frame of `duration` seconds survives a constant bit error rate."""
    return (1.0 - ber) ** (duration / bit)


def judge(
    start: float,
    end: float,
    shr_end: float,
    signal_dbm: float,
    overlaps: Sequence[Overlap],
    model: BandModel,
    bit: float,
) -> tuple[float, float] | None:
    """(success probability, worst SINR in dB) of a frame heard at `signal_dbm`, or None when lost to lock-on.

    `start`/`end`/`shr_end` are the frame's times, `overlaps` what else this
    receiver hears during it (each already above the medium's audibility
    floor), `bit` the PHY's bit period.
    """
    noise_mw = model.noise_floor_mw
    capture_db = model.capture_db
    for other_start, _, other_shr_end, other_dbm, is_frame in overlaps:
        if not is_frame or other_dbm < model.noise_floor_dbm:
            continue
        earlier = other_start < start or (other_start == start and other_dbm > signal_dbm)
        if earlier and not (start < other_shr_end and signal_dbm >= other_dbm + capture_db):
            return None  # locked on the earlier frame
        if not earlier and other_start < shr_end and other_dbm >= signal_dbm + capture_db:
            return None  # captured by a much stronger later frame
    if not overlaps:
        sinr_db = signal_dbm - model.noise_floor_dbm
        return clear_success(model.ber(10.0 ** (sinr_db / 10.0)), end - start, bit), sinr_db
    signal_mw = dbm_to_mw(signal_dbm)
    heard = [(s, e, dbm_to_mw(dbm), is_frame) for s, e, _, dbm, is_frame in overlaps]
    capture = 10.0 ** (capture_db / 10.0)
    edges = sorted({start, end, *(t for s, e, _, _ in heard for t in (s, e) if start < t < end)})
    success, worst = 1.0, math.inf
    for begin, finish in itertools.pairwise(edges):
        frames = jams = 0.0
        for other_start, other_end, mw, is_frame in heard:
            if other_start < finish and other_end > begin:
                if is_frame:
                    frames += mw
                else:
                    jams += mw
        sinr = signal_mw / (noise_mw + frames + jams)
        worst = min(worst, sinr)
        if signal_mw < capture * frames:
            success = 0.0  # another frame of our own PHY is not noise: we lose the symbols we share
        else:
            success *= clear_success(model.ber(sinr), finish - begin, bit)
    return success, mw_to_dbm(worst)
