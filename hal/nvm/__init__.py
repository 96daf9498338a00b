"""`hal.nvm`: the hub's non-volatile memory, one SQLite file of partitions (docs/nvm.md).

```python
store = NvmStore.open(path)                       # or NvmStore.memory()
nvm = store.partition("device/00db1234567890a0")
nvm.put("counter", 2**64 - 1); nvm.get("counter")
with nvm.transaction() as tx:                     # nests as a savepoint
    tx.put(key, value); tx.append(log, value, keep=100); tx.push(queue, value, limit=10)
```
"""

from hal.nvm.errors import (
    NvmClosed,
    NvmCorrupt,
    NvmDiskFull,
    NvmError,
    NvmFull,
    NvmIoError,
    NvmLocked,
    NvmOpenError,
    NvmReadOnly,
    NvmSchemaTooNew,
    NvmTransactionError,
    NvmValueError,
)
from hal.nvm.store import DEFAULT_DURABILITY, Durability, Nvm, NvmStore

__all__ = [
    "DEFAULT_DURABILITY",
    "Durability",
    "Nvm",
    "NvmClosed",
    "NvmCorrupt",
    "NvmDiskFull",
    "NvmError",
    "NvmFull",
    "NvmIoError",
    "NvmLocked",
    "NvmOpenError",
    "NvmReadOnly",
    "NvmSchemaTooNew",
    "NvmStore",
    "NvmTransactionError",
    "NvmValueError",
]
