"""One GBCS device assembled: credentials, the common CS handler, the device's own handler, the endpoint.

Why: every device kind (PPMID, HCALCS, the a6 device here; the ESME and GSME elsewhere)
is put together the same way, and a composition root should not repeat it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware.gbcs.common_cs import CommonCsHandler, FirmwareHooks, compose
from firmware.gbcs.contract import PayloadHandler
from firmware.gbcs.credentials import CertificateAuthority, Credentials
from firmware.gbcs.endpoint import GbcsEndpoint
from protocols.gbcs.keystore import KeyStore

if TYPE_CHECKING:
    from hal.nvm import Nvm


@dataclass(frozen=True, slots=True)
class GbcsDevice:
    """The parts of one device's GBCS side."""

    endpoint: GbcsEndpoint
    credentials: Credentials
    common: CommonCsHandler


def assemble(
    eui: bytes,
    nvm: Nvm,
    keystore: KeyStore,
    parties: Mapping[int, bytes],
    *,
    device_type: int,
    alert_family: str,
    firmware: FirmwareHooks | None = None,
    handler: PayloadHandler | None = None,
    authority: CertificateAuthority | None = None,
    clock_status: Callable[[], int] | None = None,
) -> GbcsDevice:
    """Build a device's GBCS side on its NVM partition (keys per `Credentials`' modes); `clock_status`: the
    status byte of its response date-times (the endpoint's default when None)."""
    credentials = Credentials(eui, nvm, keystore, parties, authority=authority)
    common = CommonCsHandler(credentials, nvm, device_type, firmware)
    endpoint = GbcsEndpoint(
        credentials, compose(common, handler), nvm, alert_family=alert_family, joined=common.joins.contains
    )
    if clock_status is not None:
        endpoint.clock_status = clock_status
    return GbcsDevice(endpoint, credentials, common)
