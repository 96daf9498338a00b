"""`firmware.hub`: the Communications Hub's composition root (architecture.md, style.md "Firmware composition").

What builds a hub, radio-agnostic: it is handed its radios (virtual, serial,
...) and settings, and builds the rest. Today that is the HAN (`han.HubHan`):
zigpy's ControllerApplication on our ZigBee stack over those radios, and the
admission of devices by install code. The CHF and GPF will be composed here
too. Nothing here reads a file, the environment or a clock; simulations
(`tools/sim/`) and the rig tools hand in what they built.
"""

from .han import HanSettings, HubHan

__all__ = ["HanSettings", "HubHan"]
