"""The PPMID (prepayment meter interface device) as GBCS sees it (gbcs.md 2.2, 5.4; meters.md 1.2).

Remote parties address it with CS use cases only, all answered by the common CS handler:
CS03A2 (method A responder, joining an ESME), CS03C (method C, joining a GSME, with the
GSME's KA certificate), CS04AC, CS07, CS08 (firmware version), CS02a/CS02f. It is also an
originator: PCS02 "activate emergency credit on the GSME from the PPMID" (0x0090) and PCS01
"top up the GSME from the PPMID" (0x009B) are HAN-only commands it sends to a GSME in its
join list, MACed between the two devices' KA keys (gbcs.md 4.3; the GSME's key comes from
the CS03C certificate), with the PPMID's own originator counter. After a firmware image
it was sent is activated it raises CS09 (0x012B, alert 8F8B with the new version) to the
ACB, which distributed it (RTDS CS09 goes to the ACB).

GBZ payloads of the PCS commands (gbcs.md 5.3; ZigBee SE 1.4 Prepayment cluster 0x0705,
client to server): SelectAvailableEmergencyCredit (0x00) = issue date-time (UTC, u32 LE,
0 = now) ‖ originating device (0x02 IHD/PPMID, meters.md 1.2); ConsumerTopUp (0x04) =
originating device ‖ UTRN as a ZCL octet string.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from firmware.gbcs.alerts import zigbee_utc
from firmware.gbcs.assembly import GbcsDevice, assemble
from firmware.gbcs.common_cs import FirmwareStore
from firmware.gbcs.contract import RaisedAlert
from firmware.gbcs.credentials import CertificateAuthority
from firmware.gbcs.endpoint import Outbound
from protocols.gbcs import cs, seal
from protocols.gbcs.cs.common import ACB, PPMID, AlertHeader
from protocols.gbcs.errors import GbcsEncodeError
from protocols.gbcs.keystore import KeyStore
from protocols.gbcs.message import Cra, Message, OtherInformation

if TYPE_CHECKING:
    from hal.nvm import Nvm

PPMID_EUI = bytes.fromhex("00db1234567890a4")  #: RTDS identity (gbcs.md 2.2)
PCS01, PCS02, CS09 = 0x009B, 0x0090, 0x012B
FIRMWARE_VERSION_ALERT = 0x8F8B
PREPAYMENT_CLUSTER = 0x0705
SELECT_EMERGENCY_CREDIT, CONSUMER_TOP_UP = 0x00, 0x04
ORIGINATING_DEVICE_PPMID = 0x02
_LAST_COMPONENT = 0x01
_CLIENT_TO_SERVER_CLUSTER_COMMAND = 0x01


def gbz_command(cluster: int, command_id: int, zcl_payload: bytes, sequence: int = 0) -> bytes:
    """A one-component GBZ command (gbcs.md 5.3): profile 0x0109, one cluster-specific ZCL frame."""
    frame = bytes((_CLIENT_TO_SERVER_CLUSTER_COMMAND, sequence, command_id)) + zcl_payload
    component = struct.pack(">BHH", _LAST_COMPONENT, cluster, len(frame)) + frame
    return b"\x01\x09\x01" + component


def select_emergency_credit_payload(issued_utc: float | None) -> bytes:
    """PCS02's GBZ payload: SelectAvailableEmergencyCredit issued now (0) or at `issued_utc`."""
    issued = 0 if issued_utc is None else zigbee_utc(issued_utc)
    return gbz_command(
        PREPAYMENT_CLUSTER, SELECT_EMERGENCY_CREDIT, struct.pack("<IB", issued, ORIGINATING_DEVICE_PPMID)
    )


def consumer_top_up_payload(utrn: str) -> bytes:
    """PCS01's GBZ payload: ConsumerTopUp from the PPMID with a 20-digit UTRN (gbcs.md 4.8)."""
    if len(utrn) != 20 or not utrn.isdigit():
        raise GbcsEncodeError("utrn", "a UTRN is 20 decimal digits")
    return gbz_command(PREPAYMENT_CLUSTER, CONSUMER_TOP_UP, bytes((ORIGINATING_DEVICE_PPMID, 20)) + utrn.encode())


@dataclass
class Ppmid:
    """A PPMID's GBCS side and the commands it originates."""

    device: GbcsDevice
    firmware: FirmwareStore

    def _han_command(self, gsme: bytes, message_code: int, payload: bytes, now: float, utc: float) -> Outbound:
        if not self.device.common.joins.contains(gsme):
            raise GbcsEncodeError("recipient", f"{gsme.hex()} is not in the PPMID's join list (CS03C first)")
        endpoint, credentials = self.device.endpoint, self.device.credentials
        credentials.agreement_key()  # a generated KA key when the key store holds none (RIG mode)
        counter = endpoint.next_originator_counter()
        key = credentials.mac_key(gsme, credentials.eui, int(Cra.COMMAND), counter, gsme)
        if key is None:
            raise GbcsEncodeError("mac", f"no KA key of {gsme.hex()}: its CS03C certificate is missing")
        other = OtherInformation(message_code)
        message = Message(Cra.COMMAND, counter, credentials.eui, gsme, other, payload, mac=bytes(12))
        return endpoint.queue_message(seal(message, mac_key=key))

    def activate_emergency_credit(self, gsme: bytes, now: float, utc: float) -> Outbound:
        """PCS02 to `gsme`: sealed and queued in the PPMID's outbox."""
        return self._han_command(gsme, PCS02, select_emergency_credit_payload(None), now, utc)

    def top_up(self, gsme: bytes, utrn: str, now: float, utc: float) -> Outbound:
        """PCS01 to `gsme` with a UTRN the consumer typed in."""
        return self._han_command(gsme, PCS01, consumer_top_up_payload(utrn), now, utc)

    def firmware_activated(self, image_hash: bytes, now: float, utc: float) -> list[Outbound]:
        """An image distributed to the PPMID was activated: CS09 to the ACB with the version now running."""
        code, version = self.firmware.activate_firmware(image_hash)
        header = AlertHeader(FIRMWARE_VERSION_ALERT, datetime.fromtimestamp(int(utc), UTC))
        payload = cs.build(cs.FirmwareVersionAlert(header, version, code))
        acb = self.device.credentials.party(ACB)
        return self.device.endpoint.raise_alerts([RaisedAlert(CS09, payload, acb)], now, utc)


def ppmid(
    nvm: Nvm,
    keystore: KeyStore,
    parties: Mapping[int, bytes],
    *,
    eui: bytes = PPMID_EUI,
    version: bytes = b"\x01\x00\x00\x00",
    authority: CertificateAuthority | None = None,
) -> Ppmid:
    """A PPMID on its NVM partition."""
    firmware = FirmwareStore(nvm, version)
    device = assemble(
        eui,
        nvm,
        keystore,
        parties,
        device_type=PPMID,
        alert_family="gbz",
        firmware=firmware,
        authority=authority,
    )
    return Ppmid(device, firmware)
