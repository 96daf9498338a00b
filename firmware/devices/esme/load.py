"""The household load behind the meter: power per half hour, from a seed, the same however time is stepped.

Why per half hour and hashed: registers, profiles and credit must come out identical whether
the meter is advanced every second, every half hour or in one jump, and after a restart; so
each half-hour slot's power is a pure function of (seed, slot number), with a splitmix64 hash
for the noise, instead of a random stream consumed as time passes. The shape is a base load
plus Gaussian-shaped daily peaks (`LoadModel.peaks`), a power factor for reactive energy, an
optional midday export (micro-generation) and a share on a twin meter's second element.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from firmware.devices.esme.profile import LoadModel

SLOT = 1800  #: seconds in one half-hour slot
_MASK = (1 << 64) - 1


def _splitmix64(value: int) -> int:
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


@dataclass(frozen=True, slots=True)
class Demand:
    """Power during one slot."""

    import_w: float
    export_w: float
    reactive_var: float
    secondary_share: float
    voltage: float


class Load:
    """Evaluates a `LoadModel` with a fixed seed."""

    def __init__(self, model: LoadModel, seed: int) -> None:
        self._model = model
        self._seed = seed & _MASK
        self._reactive_ratio = math.tan(math.acos(min(max(model.power_factor, 0.05), 1.0)))

    def unit(self, slot: int, stream: int) -> float:
        """A uniform number in [0, 1) for `slot`, independent per `stream`."""
        return _splitmix64(self._seed ^ _splitmix64(slot * 16 + stream)) / 2.0**64

    def demand(self, slot: int) -> Demand:
        """Power in half-hour slot number `slot` (slot 0 starts at 1970-01-01T00:00Z)."""
        model = self._model
        hour = (slot % 48) / 2 + 0.25
        shape = 0.0
        for centre, width in model.peaks:
            distance = min(abs(hour - centre), 24 - abs(hour - centre))
            shape = max(shape, math.exp(-((distance / width) ** 2)))
        noise = 1 + model.noise * (2 * self.unit(slot, 0) - 1)
        power = max(0.0, (model.base_w + model.peak_w * shape) * noise)
        daylight = max(0.0, math.cos((hour - 13) / 12 * math.pi)) ** 2
        export = model.export_w * daylight * (0.5 + 0.5 * self.unit(slot, 1))
        voltage = model.voltage * (1 + 0.02 * (2 * self.unit(slot, 2) - 1))
        return Demand(power, export, power * self._reactive_ratio, model.secondary_share, voltage)
