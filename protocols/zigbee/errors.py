"""ZigBee codec errors: one family, so the stack can catch every ZigBee decoding fault at once.

`ZigbeeSecurityError` is a `ZigbeeDecodeError` on purpose: a frame whose MIC does not verify is,
to the receiver, input it cannot accept. The stack's rule is the same for both - drop the frame
(and count it) - and one `except ZigbeeDecodeError` covers them, while a handler that wants to
tell "garbled" from "forged or wrong key" catches the subclass first.
"""

from __future__ import annotations

from protocols.errors import DecodeError, EncodeError


class ZigbeeDecodeError(DecodeError):
    """Bytes that are not a well-formed ZigBee value; `.protocol` names the layer (`zigbee.nwk`, ...)."""


class ZigbeeEncodeError(EncodeError):
    """A ZigBee value (frame, command, descriptor) whose fields cannot be encoded."""


class ZigbeeSecurityError(ZigbeeDecodeError):
    """A secured frame that does not authenticate: wrong key, tampered bytes or truncated MIC.

    `.offset` is where the protected part (ciphertext || MIC) starts in the caller's input.
    """
