"""`hal.virtual`: the simulated dual-band air of one or more homes (radio.md 4, architecture.md hal/).

A `Medium` holds nodes placed in homes (`load_home`), hands out `VirtualRadio`s
that implement `hal.radio.Radio`, accounts each node's 868 MHz duty cycle
(`DutyCycleMeter`), and injects faults. Everything runs on the running asyncio
loop, so under `hal.clock.run(..., virtual=True)` an hour takes milliseconds.
See docs/virtual-medium.md.
"""

from hal.csma import UnslottedCsmaCa

from .duty_cycle import DutyCycleMeter
from .home import BUILTIN_HOMES, MATERIALS, Home, HomeError, Material, NodeSpec, load_home, parse_home
from .medium import Faults, Link, Medium, MediumStats, ReceiverError
from .propagation import BAND_MODELS, BandModel
from .radio import FULL_CAPS, VirtualRadio
from .survey import LinkReport, SurveyReport, survey

__all__ = [
    "BAND_MODELS",
    "BUILTIN_HOMES",
    "FULL_CAPS",
    "MATERIALS",
    "BandModel",
    "DutyCycleMeter",
    "Faults",
    "Home",
    "HomeError",
    "Link",
    "LinkReport",
    "Material",
    "Medium",
    "MediumStats",
    "NodeSpec",
    "ReceiverError",
    "SurveyReport",
    "UnslottedCsmaCa",
    "VirtualRadio",
    "load_home",
    "parse_home",
    "survey",
]
