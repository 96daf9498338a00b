"""GBZ test vectors: every GBZ payload of the RTDS corpus (shared/gbcs/rtds), with its cipher.

The corpus files are read at test time from ../shared (never copied here); the payload key of an
encrypted component comes from the RTDS key store through `protocols.gbcs.verify.payload_key`
(gbcs.md 4.4: the remote party's private KA key agrees the same secret as the device's).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hal.keystore import load_keystore
from protocols.gbcs import Message, parse
from protocols.gbcs.verify import payload_key
from protocols.gbz import Cipher

GBZ_PROFILE = b"\x01\x09"

#: gbcs.md 5.3 worked example: CS11 Clear Event Log Request, Events cluster, command 01, log id 03.
CS11_CLEAR_EVENT_LOG = "010901010709000401000103"


@dataclass(frozen=True)
class GbzMessage:
    path: Path
    message: Message
    cipher: Cipher | None

    @property
    def name(self) -> str:
        return self.path.name


@cache
def gbz_messages(rtds_dir: Path, keystore_dir: Path) -> tuple[GbzMessage, ...]:
    """Every RTDS message whose payload is GBZ (profile 01 09), parsed with the key store."""
    keystore = load_keystore(keystore_dir)
    out = []
    for path in sorted(rtds_dir.glob("*/*.HEX")):
        message = parse(bytes.fromhex(path.read_text().strip()), keystore)
        if message.gbt is not None or not message.payload.startswith(GBZ_PROFILE):
            continue
        key = payload_key(message, keystore)
        out.append(GbzMessage(path, message, None if key is None else Cipher(key, message.originator)))
    return tuple(out)
