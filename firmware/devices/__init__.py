"""Emulated HAN devices (ESME, GSME, IHD ...): the far end of every loopback (architecture.md).

`EmulatedDevice` joins with an install code on whichever band reaches, exposes
endpoints and answers ZDO and ZCL; `meters` builds the minimal meters and the
in-home display on it.
"""

from .device import DeviceNvm, EmulatedDevice
from .meters import electricity_meter, gas_meter, in_home_display
from .zcl_server import ZclEndpoint

__all__ = ["DeviceNvm", "EmulatedDevice", "ZclEndpoint", "electricity_meter", "gas_meter", "in_home_display"]
