"""`hal.serial`: serial links to radios and dongles, and the Spinel raw radio (architecture.md, hal/).

* `SerialLink` - any pyserial URL on the asyncio loop, reconnecting when the
  device comes back; `open_port` for one-shot opening with a clear error.
* `PtyPort` - the device side of a pty, for virtual dongles.
* `PtyLedger` - keeps virtual time still while bytes cross a pty in-process.
* `SpinelRadio` - a `hal.radio.Radio` on an OpenThread RCP (spinel_radio).

See docs/serial.md.
"""

from .ledger import PtyLedger
from .link import LinkDown, LinkListener, LinkSettings, SerialLink, SerialLinkError, SerialOpenError, open_port
from .pty import PtyPort
from .spinel_host import NotSpinelError, SpinelError, SpinelStatusError, SpinelTimeout
from .spinel_radio import SpinelRadio

__all__ = [
    "LinkDown",
    "LinkListener",
    "LinkSettings",
    "NotSpinelError",
    "PtyLedger",
    "PtyPort",
    "SerialLink",
    "SerialLinkError",
    "SerialOpenError",
    "SpinelError",
    "SpinelRadio",
    "SpinelStatusError",
    "SpinelTimeout",
    "open_port",
]
