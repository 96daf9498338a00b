"""`hal.virtual`: the simulated dual-band air of one or more homes (radio.md 4, architecture.md hal/).

A `Medium` holds nodes placed from floor plans (`load_floorplan`), hands out
`VirtualRadio`s that implement `hal.radio.Radio`, accounts each node's 868 MHz
duty cycle (`DutyCycleMeter`), and injects faults. Everything runs on the
running asyncio loop, so under `hal.clock.run(..., virtual=True)` an hour
takes milliseconds. The parts, by job: `floorplan` (homes as data),
`placement` (where nodes stand, link gains), `propagation` (per-band physics),
`reception` (the pure judgement of one reception), `medium` (the air),
`radio` (the radios). See docs/virtual-medium.md.
"""

from hal.csma import UnslottedCsmaCa

from .duty_cycle import DutyCycleMeter
from .floorplan import (
    BUILTIN_FLOORPLANS,
    MATERIALS,
    FloorPlan,
    FloorPlanError,
    Material,
    NodeSpec,
    load_floorplan,
    parse_floorplan,
)
from .medium import Faults, Medium, MediumError, MediumStats, ReceiverError, Transmission
from .placement import Link, Node, PlacementError
from .propagation import BAND_MODELS, BandModel
from .radio import DEFAULT_CHANNEL, FULL_CAPS, VirtualRadio

__all__ = [
    "BAND_MODELS",
    "BUILTIN_FLOORPLANS",
    "DEFAULT_CHANNEL",
    "FULL_CAPS",
    "MATERIALS",
    "BandModel",
    "DutyCycleMeter",
    "Faults",
    "FloorPlan",
    "FloorPlanError",
    "Link",
    "Material",
    "Medium",
    "MediumError",
    "MediumStats",
    "Node",
    "NodeSpec",
    "PlacementError",
    "ReceiverError",
    "Transmission",
    "UnslottedCsmaCa",
    "VirtualRadio",
    "load_floorplan",
    "parse_floorplan",
]
