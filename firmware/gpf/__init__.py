"""The Gas Proxy Function (gbcs.md 2.2, 6.3; meters.md 4.5; docs/gpf.md).

- `Gpf(*, eui, nvm, keystore, parties, authority=None)`: the GPF's `GbcsEndpoint` and payload
  handler, the gas mirror (`mirror_update`), tap-off and GCS28 (`gsme_answered`), the GPF
  device log (`device_registered` / `device_unregistered`, GCS59, GCS62, `device_log_backup`).
- `GasMirror`, `GpfDeviceLog`, `GpfHandler`: its parts.
"""

from firmware.gpf.device_log import GpfDevice, GpfDeviceLog
from firmware.gpf.gpf import Gpf
from firmware.gpf.handler import GpfHandler
from firmware.gpf.mirror import GasMirror

__all__ = ["GasMirror", "Gpf", "GpfDevice", "GpfDeviceLog", "GpfHandler"]
