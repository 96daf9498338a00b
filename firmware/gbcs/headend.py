"""Commands as a head-end sends them: built, signed by the originator, MACed by the ACB (gbcs.md 2.3, 4).

Why in firmware: the test head-end (`commshub send --use-case`) and the tests need the same
thing - a fresh command sealed with a key store's remote-party keys - and the devices'
own HAN-originated commands (PCS02 from a PPMID) are sealed the same way with the device's
keys. A signature is the originator's DS key over the grouping header and payload; the
MAC is keyed between the ACB's KA key and the recipient's (gbcs.md 4.2).
"""

from __future__ import annotations

from protocols.gbcs import KeyStore, KeyUsage, build
from protocols.gbcs.errors import GbcsEncodeError
from protocols.gbcs.message import Cra, Message, OtherInformation


def command(
    keystore: KeyStore,
    *,
    originator: bytes,
    recipient: bytes,
    counter: int,
    message_code: int,
    payload: bytes,
    sign: bool,
    mac: bool = True,
    service_user: tuple[bytes, int] | None = None,
) -> bytes:
    """A sealed command; `service_user` (EUI, counter) goes in Other Information when the ACB sends for one."""
    other = OtherInformation(message_code, *(service_user or ()))
    message = Message(
        cra=Cra.COMMAND,
        originator_counter=counter,
        originator=originator,
        recipient=recipient,
        other_information=other,
        payload=payload,
        signature=b"",
        mac=bytes(12) if mac else None,
    )
    signing_key = keystore.private_key(originator, KeyUsage.DS) if sign else None
    if sign and signing_key is None:
        raise GbcsEncodeError("signature", f"the key store has no DS private key of {originator.hex()}")
    mac_key = None
    if mac:
        acb = keystore.acb
        mac_key = None if acb is None else keystore.derived_key((acb, recipient), originator, 1, counter, recipient)
        if mac_key is None:
            raise GbcsEncodeError("mac", f"the key store cannot agree a MAC key between the ACB and {recipient.hex()}")
    return build(message, signing_key=signing_key, mac_key=mac_key)
