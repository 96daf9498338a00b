"""`firmware.dongles`: virtual dongles on a pty, answering like real ones (architecture.md, firmware/).

* `spinel_rcp` - an OpenThread radio co-processor whose air is any
  `hal.radio.Radio` (a `VirtualRadio` on a `Medium` in tests and simulations);
* `ezsp_ncp` - a Silicon Labs EZSP network co-processor (ASH: `ash_link`;
  commands: `ezsp_network` and its groups) whose network is our stack;
* `sniffers` - the nRF Sniffer for 802.15.4 and TI SmartRF Packet Sniffer 2
  firmwares, hearing a `Medium`;
* `home_devices` - a home's emulated meters waiting to join a dongle's network.

See docs/serial.md.
"""

from .ezsp_ncp import EzspNcp, serve_ezsp_ncp
from .sniffers import NrfSnifferTwin, TiSnifferTwin
from .spinel_rcp import SpinelRcp, serve_spinel_rcp

__all__ = ["EzspNcp", "NrfSnifferTwin", "SpinelRcp", "TiSnifferTwin", "serve_ezsp_ncp", "serve_spinel_rcp"]
