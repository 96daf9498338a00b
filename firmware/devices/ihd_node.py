"""The in-home display: a HAN node that reads the meters over ZCL and shows what it read (meters.md; radio.md 5.5).

Why: a GB IHD is a Type 2 device - in the CHF device log, on the HAN, but addressed by no GBCS
command; it reads energy data itself. This one finds the meters the way an SE client does
(a broadcast ZDO Match_Desc_req for the Metering cluster under the Smart Energy profile: the
ESME answers with its endpoint, the hub with its ESI and the gas mirror's), then every
`interval` seconds reads CurrentSummationDelivered (0x0000) and MeteringDeviceType (0x0306) of
each - the ESME's own register, the gas meter's through the GPF's mirror on the hub (the meter
itself sleeps; until the mirror exists the display looks for it again at each read) - and the
gas meter's prepayment Credit Remaining (Prepayment 0x0001), its price (Price 0x0400) and
standing charge (0x0301) from the mirror. `display` is what
it shows now; a change is logged on `commshub.hub`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from firmware.han.frames import METERING, READ_ATTRIBUTES, profile_wide
from firmware.zigbee.nwk import COORDINATOR_ADDRESS
from protocols.gbz import zcl
from protocols.gbz.errors import GbzDecodeError
from protocols.gbz.frame import parse_frame
from protocols.zigbee import PROFILE_SMART_ENERGY, ZigbeeDecodeError, build_zdo, parse_zdo
from protocols.zigbee import zdo as zdp

from .han_node import HanNode

LOGGER = logging.getLogger("commshub.hub")
PREPAYMENT, CREDIT_REMAINING = 0x0705, 0x0001
#: Price: the (no tier) block 1 price and the standing charge (ZSE D.4.2.2; what the meter pushed to its mirror).
PRICE, BLOCK_1_PRICE, STANDING_CHARGE = 0x0700, 0x0400, 0x0301
SUMMATION, DEVICE_TYPE = 0x0000, 0x0306
#: MeteringDeviceType values of gas: the meter's own (1) and a mirror's (128, Mirrored Gas Metering).
GAS_TYPES = (1, 128)
#: Seconds the display collects Match_Desc answers, and waits for each read (ours).
DISCOVERY_WINDOW, READ_TIMEOUT = 5.0, 10.0
_MATCH_DESC_RSP = 0x8006


class IhdNode(HanNode):
    """An in-home display on the HAN (see the module docstring)."""

    def __init__(self, *, interval: float = 300.0, **node: Any) -> None:
        super().__init__(endpoint=None, **node)
        self.interval = interval
        self.meters: list[tuple[int, int]] = []  #: (NWK, endpoint) of each Metering server found
        self.display: dict[str, int] = {}
        self._sequence = 0

    async def on_joined(self) -> None:
        self.tasks.spawn(self._show())

    def on_left(self) -> None:
        self.meters = []  # found again once it has joined again

    async def _show(self) -> None:
        while not self.closed:
            await self.read()
            if self.meters:
                self.attached.set()
            await asyncio.sleep(self.interval)

    def _next_sequence(self) -> int:
        self._sequence = (self._sequence + 1) & 0xFF
        return self._sequence

    async def _find_meters(self) -> list[tuple[int, int]]:
        request = zdp.MatchDescReq(0xFFFD, PROFILE_SMART_ENERGY, (METERING,), ())
        answers = await self.gather(build_zdo(zdp.ZdoFrame(self._next_sequence(), request)), _MATCH_DESC_RSP,
                                    DISCOVERY_WINDOW)  # fmt: skip
        found = []
        for nwk, payload in answers:
            try:
                response = parse_zdo(_MATCH_DESC_RSP, payload).command
            except ZigbeeDecodeError:
                continue
            if isinstance(response, zdp.MatchDescRsp):
                found += [(nwk, endpoint) for endpoint in response.endpoints]
        return sorted(found)

    async def read(self) -> dict[str, int]:
        """Read every meter once (finding them first, if it has none yet); what the display shows afterwards."""
        if not self.meters:
            self.meters = await self._find_meters()
        shown = dict(self.display)
        for nwk, endpoint in list(self.meters):
            metering = await self._read(nwk, endpoint, METERING, (SUMMATION, DEVICE_TYPE))
            gas = nwk == COORDINATOR_ADDRESS or metering.get(DEVICE_TYPE) in GAS_TYPES
            if SUMMATION not in metering or (gas and nwk != COORDINATOR_ADDRESS):
                # the ESI endpoint (no Metering values of its own), or the gas meter itself, which sleeps: its
                # data is read from its mirror on the hub. Neither is asked again.
                self.meters.remove((nwk, endpoint))
                continue
            shown["gas_summation" if gas else "electricity_summation"] = int(metering[SUMMATION])
            if gas:
                credit = await self._read(nwk, endpoint, PREPAYMENT, (CREDIT_REMAINING,))
                if CREDIT_REMAINING in credit:
                    shown["gas_credit"] = int(credit[CREDIT_REMAINING])
                prices = await self._read(nwk, endpoint, PRICE, (BLOCK_1_PRICE, STANDING_CHARGE))
                for attribute, key in ((BLOCK_1_PRICE, "gas_price"), (STANDING_CHARGE, "gas_standing_charge")):
                    if attribute in prices:
                        shown[key] = int(prices[attribute])
        if "gas_summation" not in shown:
            self.meters = []  # no mirror yet (the gas meter asks for it after joining): look again next time
        if shown != self.display:
            LOGGER.info(
                "IHD %s shows %s", self.name, ", ".join(f"{key} {value}" for key, value in sorted(shown.items()))
            )
        self.display = shown
        return shown

    async def _read(self, nwk: int, endpoint: int, cluster: int, attributes: tuple[int, ...]) -> dict[int, Any]:
        request = profile_wide(READ_ATTRIBUTES, self._next_sequence(), zcl.build_read_attributes(attributes),
                               server_to_client=False)  # fmt: skip
        answer = await self.request(nwk, endpoint, cluster, request, timeout=READ_TIMEOUT)
        if answer is None:
            return {}
        try:
            records = zcl.parse_read_records(parse_frame(answer).payload)
        except GbzDecodeError:
            return {}
        return {record.attribute_id: record.value for record in records if record.status == 0}
