"""How ZCL times and dates read in a decoded tree: shared by `zcl` (the table) and `zcl_zigpy` (zigpy's types).

Why a module of its own: both decoders must give a value the same note (the tests compare their
trees), and `zcl` hands commands to `zcl_zigpy`, so the notes cannot live in either without the
two importing each other.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

#: ZigBee UTCTime counts seconds from 2000-01-01 00:00 UTC (ZCL 2.6.2.11).
_ZIGBEE_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def zigbee_time_note(seconds: int) -> str:
    """ZigBee UTC seconds as text; 0 and FFFFFFFF are the GBZ "now" and "never" markers (gbcs.md 5.3)."""
    if seconds == 0:
        return "now / not set"
    if seconds == 0xFFFFFFFF:
        return "never / undefined"
    return (_ZIGBEE_EPOCH + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def date_note(parts: Sequence[int]) -> str:
    """A ZCL Date (years since 1900, month, day, day of week) as text, FF fields as wildcards."""
    year, month, day = parts[0], parts[1], parts[2]
    return (
        f"{year + 1900 if year != 0xFF else '****'}-{month if month != 0xFF else '**'}-{day if day != 0xFF else '**'}"
    )
