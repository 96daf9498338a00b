"""`firmware.dongles`: virtual dongles on a pty, answering like real ones (architecture.md, firmware/).

* `spinel_rcp` - an OpenThread radio co-processor whose air is any
  `hal.radio.Radio` (a `VirtualRadio` on a `Medium` in tests and simulations).

See docs/serial.md.
"""

from .spinel_rcp import SpinelRcp, serve_spinel_rcp

__all__ = ["SpinelRcp", "serve_spinel_rcp"]
