"""`Gpf`: the Gas Proxy Function - the logical device in the hub that stands for the sleepy GSME (gbcs.md 2.2, 6.3).

Theory of operation:

- It is a GBCS endpoint of its own (EUI `...a3` in RTDS): commands addressed to it pass the
  envelope checks of `firmware.gbcs` and are answered by `GpfHandler` (the reads GBCS gives
  the GPF, GCS09, GCS61, GCS59) or by the common CS handler (its join list with the GSME).
- `mirror_update(values, now, utc)`: the GSME's wake-up pushes keep the gas mirror up to
  date; the GPF's dated responses carry the mirror's clock-reliability status.
- `gsme_answered(command, response, now, utc)`: the CHF hands over every GSME response with
  the command it answers. For a tap-off use case (meters.md 4.5) the GPF applies the
  command components the GSME executed successfully (`firmware.devices.gsme.tap_off`): the
  attributes they set (conversion factor, calorific value, prepayment settings) change in
  the mirror at once, and every applied component is recorded; a response that does not
  match its command raises 0x819E "Tap Off Message Response or Alert Failure". For GCS28
  (Set Clock on the GSME) the GSME's reported clock reliability and time feed the
  mirror's clock status.
- The GPF device log follows the CHF's registrations of PPMIDs and Type 2 devices
  (`device_registered` / `device_unregistered`), each change raising GCS62 to the ACB;
  CCS07 reads it through the CHF (`device_log_backup`).
- Its alerts go out as GBZ (the GSME family): GCS62 is ASN.1, 0x819E a generic
  non-critical alert (code and time only, meters.md 5.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from firmware.chf.device_log import backup_structure
from firmware.devices.gsme.tap_off import TAP_OFF_FAILURE_ALERT, is_tap_off, tap_off_components
from firmware.gbcs.alerts import GBZ, generic_alert_payload
from firmware.gbcs.assembly import GbcsDevice, assemble
from firmware.gbcs.contract import CommandContext, RaisedAlert
from firmware.gbcs.credentials import CertificateAuthority
from firmware.gbcs.endpoint import GbcsEndpoint, Outbound
from firmware.gpf.device_log import GPF_DEVICE_TYPES, GpfDevice, GpfDeviceLog
from firmware.gpf.handler import GpfHandler
from firmware.gpf.mirror import GasMirror
from protocols import gbz
from protocols.dlms import Data, octets, structure
from protocols.gbcs import cs
from protocols.gbcs.crypto import PAYLOAD_KEY_TYPE
from protocols.gbcs.cs.common import ACB, GPF, AlertHeader
from protocols.gbcs.envelope import decode
from protocols.gbcs.errors import GbcsDecodeError
from protocols.gbcs.keystore import KeyStore
from protocols.gbz import Cipher, Component, GbzDecodeError, zcl

if TYPE_CHECKING:
    from hal.nvm import Nvm

GCS28, GCS62 = 0x007F, 0x00B2
GPF_DEVICE_LOG_CHANGED = 0x8071
GENERIC_NON_CRITICAL = 0x1001
TAP_OFF_LOG = "gpf.tap-off-log"
PRICE, PREPAYMENT = 0x0700, 0x0705
#: Tap-off commands that set mirrored attributes: (cluster, server to client, command id) -> attribute -> field
#: (ZSE Price and Prepayment clusters; the attributes of meters.md 4.1).
_SETS_ATTRIBUTES: dict[tuple[int, bool, int], dict[int, str]] = {
    (PRICE, True, 0x02): {0x0302: "conversion_factor", 0x0303: "conversion_factor_trailing_digit"},
    (PRICE, True, 0x03): {
        0x0304: "calorific_value",
        0x0305: "calorific_value_unit",
        0x0306: "calorific_value_trailing_digit",
    },
    (PREPAYMENT, False, 0x03): {0x0010: "emergency_credit_limit", 0x0011: "emergency_credit_threshold"},
    (PREPAYMENT, False, 0x09): {0x0031: "low_credit_warning_level"},
    (PREPAYMENT, False, 0x0B): {0x0021: "maximum_credit_level", 0x0022: "maximum_credit_per_top_up"},
    (PREPAYMENT, False, 0x0C): {0x0006: "overall_debt_cap"},
}


class Gpf:
    """The Gas Proxy Function (see the module docstring)."""

    def __init__(
        self,
        *,
        eui: bytes,
        nvm: Nvm,
        keystore: KeyStore,
        parties: Mapping[int, bytes],
        authority: CertificateAuthority | None = None,
    ) -> None:
        self.eui = eui
        self._nvm = nvm
        self._acb = parties.get(ACB)
        self.mirror = GasMirror(nvm)
        self.device_log = GpfDeviceLog(nvm)
        self.handler = GpfHandler(nvm, self.mirror, self.device_log, self._cipher_for)
        self.device: GbcsDevice = assemble(
            eui,
            nvm,
            keystore,
            parties,
            device_type=GPF,
            alert_family=GBZ,
            handler=self.handler,
            authority=authority,
            clock_status=self.mirror.clock_status,
        )

    @property
    def endpoint(self) -> GbcsEndpoint:
        return self.device.endpoint

    def _cipher_for(self, context: CommandContext) -> Cipher | None:
        """The payload key of a response (gbcs.md 4.4): with the supplementary remote party, else the originator."""
        info = context.other_information
        party = (info.remote_party_id if info is not None else None) or context.originator
        key = self.device.credentials.mac_key(party, self.eui, PAYLOAD_KEY_TYPE, context.counter, party)
        return None if key is None else Cipher(key, self.eui)

    # -- the mirror ---------------------------------------------------------------------------------

    def mirror_update(
        self, values: Mapping[tuple[int, int], Any], now: float, utc: float, *, gsme_utc: float | None = None
    ) -> list[Outbound]:
        """A GSME wake-up's attribute values ((cluster, attribute) -> value); `gsme_utc` its clock, if sent."""
        self.mirror.update(values, utc, gsme_utc)
        return []

    def gsme_answered(self, command: bytes, response: bytes, now: float, utc: float) -> list[Outbound]:
        """A GSME response with the command it answers: tap-off, or the GSME's clock (see the module docstring)."""
        try:
            asked, _ = decode(command)
            answered, _ = decode(response)
        except GbcsDecodeError:
            return []
        if asked.message_code == GCS28:
            self._clock_answer(answered.payload, utc)
            return []
        if not is_tap_off(asked.message_code):
            return []
        try:
            selected = tap_off_components(gbz.parse(asked.payload), gbz.parse(answered.payload))
        except GbzDecodeError:
            selected = None
        if selected is None:
            payload = generic_alert_payload(GBZ, TAP_OFF_FAILURE_ALERT, utc, 0)
            return self.endpoint.raise_alerts([RaisedAlert(GENERIC_NON_CRITICAL, payload)], now, utc)
        with self._nvm.transaction():
            for component in selected:
                self._apply(component, asked.message_code, utc)
        return []

    def _clock_answer(self, payload: bytes, utc: float) -> None:
        try:
            value = cs.parse(GCS28, cs.RESPONSE, payload)
        except GbcsDecodeError:
            return
        self.mirror.gsme_clock_reported(value.reliability == 0, value.device_time.timestamp(), utc)

    def _apply(self, component: Component, message_code: int, utc: float) -> None:
        frame = component.frame
        fields = _SETS_ATTRIBUTES.get((component.cluster_id, frame.server_to_client, frame.command_id))
        if fields is not None:
            try:
                decoded = zcl.decode_command(component.cluster_id, frame)
            except GbzDecodeError:
                return
            self.mirror.apply(component.cluster_id, {attr: getattr(decoded, name) for attr, name in fields.items()})
        record = {"utc": int(utc), "code": message_code, "cluster": component.cluster_id, "command": frame.command_id}
        self._nvm.append(TAP_OFF_LOG, record, keep=100)

    def tap_off_log(self) -> list[dict[str, int]]:
        return [entry for _, entry in self._nvm.log(TAP_OFF_LOG)]

    # -- the device log -----------------------------------------------------------------------------

    def device_log_backup(self, utc: float, network_id: bytes) -> Data:
        """The GPF device log as class 104 method 4 returns it (CCS07)."""
        pairs = [structure(octets(entry.eui), octets(entry.install_code)) for entry in self.device_log.entries()]
        return backup_structure(utc, network_id, pairs)

    def device_registered(
        self, eui: bytes, device_type: int | None, install_code: bytes, now: float, utc: float
    ) -> list[Outbound]:
        """The CHF registered a device: a PPMID or Type 2 device enters the GPF device log (GCS62)."""
        if device_type not in GPF_DEVICE_TYPES:
            return []
        if not self.device_log.add(GpfDevice(eui, device_type, install_code)):
            return []
        return self._backup_alert(now, utc)

    def device_unregistered(self, eui: bytes, now: float, utc: float) -> list[Outbound]:
        """The CHF unregistered a device: it leaves the GPF device log (GCS62)."""
        return self._backup_alert(now, utc) if self.device_log.remove(eui) else []

    def _backup_alert(self, now: float, utc: float) -> list[Outbound]:
        header = AlertHeader(GPF_DEVICE_LOG_CHANGED, datetime.fromtimestamp(int(utc), UTC))
        payload = cs.build(cs.DeviceLogBackupAlert(header, self.device_log.devices()))
        return self.endpoint.raise_alerts([RaisedAlert(GCS62, payload, self._acb)], now, utc)
