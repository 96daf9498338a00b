"""GBCS: the GB smart-metering messages a Communications Hub carries (gbcs.md).

Public API (other parts and external checks use exactly these names):

- `parse(data, keystore=None) -> Message`: decode, verify (MAC, signature) and decrypt.
- `build(message, *, signing_key=None, mac_key=None) -> bytes`: `build(parse(x)) == x`;
  with keys, a message made from fields is signed and MACed (`seal`) first.
- `KeyStore.from_pem({file_name: pem_bytes})`: `<eui>-<ka|ds|pp-ka>.<pem|key>` key files
  (`hal.keystore.load_keystore(directory)` reads a folder of them).
- `segment` / `GbtReassembler`: GBT block transfer (gbcs.md 3.8).
- `registry.lookup(code)`: message code -> use case; `utrn`: prepayment top-up codes.
- `describe.describe(message) -> Field`: the whole message as one field tree (what `commshub decode` prints).

Module map: `lengths` (BER lengths), `envelope` (wire format), `message` (values),
`crypto` (primitives), `keystore` (keys and cached agreement), `verify` (which keys
check what), `codec` (the entry points), `gbt`, `registry`, `utrn`, `describe` (the
field tree for display), `example` (a command built with fresh keys), `payload` (the
DLMS / GBZ / ASN.1 payload decoders).
"""

import importlib
from typing import TYPE_CHECKING, Any

from protocols.gbcs import registry
from protocols.gbcs.codec import MacKey, MacKeyPair, build, parse, seal
from protocols.gbcs.errors import GbcsCryptoError, GbcsDecodeError, GbcsEncodeError
from protocols.gbcs.keystore import KeyStore, KeyStoreError, KeyUsage
from protocols.gbcs.message import Cra, Frame, GbtBlock, Message, OtherInformation, Verdict, Verdicts

if TYPE_CHECKING:  # imported on first use: see `_LAZY`
    from protocols.gbcs import utrn
    from protocols.gbcs.gbt import GbtReassembler, GbtReassemblyError, segment

__all__ = [
    "Cra",
    "Frame",
    "GbcsCryptoError",
    "GbcsDecodeError",
    "GbcsEncodeError",
    "GbtBlock",
    "GbtReassembler",
    "GbtReassemblyError",
    "KeyStore",
    "KeyStoreError",
    "KeyUsage",
    "MacKey",
    "MacKeyPair",
    "Message",
    "OtherInformation",
    "Verdict",
    "Verdicts",
    "build",
    "parse",
    "registry",
    "seal",
    "segment",
    "utrn",
]


#: Names imported on first use, with their module: decoding messages never needs them, and start-up
#: time counts (`commshub decode` is measured whole-process).
_LAZY = {
    "utrn": "protocols.gbcs.utrn",
    "segment": "protocols.gbcs.gbt",
    "GbtReassembler": "protocols.gbcs.gbt",
    "GbtReassemblyError": "protocols.gbcs.gbt",
}


def __getattr__(name: str) -> Any:
    """A name of `_LAZY`, imported now and kept as a module attribute (so asked once)."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name])
    value = module if name == "utrn" else getattr(module, name)
    globals()[name] = value
    return value
