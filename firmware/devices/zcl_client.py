"""The client side of ZCL for emulated devices: read a meter's register over a bare stack (no zigpy).

Why: an in-home display reads the electricity meter's CurrentSummationDelivered
itself, over its own `ZigbeeStack`, as a real IHD does on the HAN; zigpy is
the hub's library, not the devices'. Frames and types are zigpy's ZCL
(`zigpy.zcl.foundation`), our one ZCL table (architecture.md); this module
only matches answers to requests.
"""

from __future__ import annotations

import asyncio

import zigpy.zcl.foundation as zf

from firmware.zigbee import ZigbeeStack
from firmware.zigbee.aps import ApsIndication

from .meters import CURRENT_SUMMATION_DELIVERED, METERING, PROFILE_SMART_ENERGY, SE_ENDPOINT

#: How long one read may wait for its answer (simulated seconds), zigpy's request timeouts aside.
READ_TIMEOUT = 10.0


def read_request(tsn: int) -> bytes:
    """ZCL Read Attributes of CurrentSummationDelivered with sequence number `tsn` (radio.md 5.4)."""
    header = zf.ZCLHeader.general(tsn, zf.GeneralCommand.Read_Attributes)
    return header.serialize() + CURRENT_SUMMATION_DELIVERED.to_bytes(2, "little")


def summation_in(payload: bytes) -> int | None:
    """CurrentSummationDelivered from a ZCL Read Attributes Response, or None if it holds no value."""
    try:
        _header, rest = zf.ZCLHeader.deserialize(payload)
        response, _ = zf.ReadAttributesResponse.deserialize(rest)
    except (ValueError, KeyError):
        return None
    for record in response.status_records:
        if record.attrid == CURRENT_SUMMATION_DELIVERED and record.status == zf.Status.SUCCESS:
            return int(record.value.value)
    return None


class ZclReader:
    """Reads CurrentSummationDelivered from other nodes over a bare `ZigbeeStack` (an IHD's side; no zigpy).

    Answers are matched to the waiting request by source and ZCL sequence number and consumed;
    every other indication goes on to the stack's previous `on_message` (the device's own ZCL/ZDO server).
    """

    def __init__(self, stack: ZigbeeStack) -> None:
        self._stack = stack
        self._pending: dict[tuple[int, int], asyncio.Future[bytes]] = {}
        self._tsn = 0
        self._next = stack.on_message
        stack.on_message = self._indication

    def _indication(self, ind: ApsIndication) -> None:
        if ind.cluster == METERING and len(ind.payload) > 1:
            waiter = self._pending.pop((ind.src, ind.payload[1]), None)
            if waiter is not None:
                if not waiter.done():
                    waiter.set_result(ind.payload)
                return
        if self._next is not None:
            self._next(ind)

    async def read(self, dst: int) -> int:
        """The summation at `dst`; raises DeliveryFailed, TimeoutError or ValueError (no value)."""
        self._tsn = (self._tsn + 1) & 0xFF
        key = (dst, self._tsn)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            await self._stack.send(
                dst,
                cluster=METERING,
                profile=PROFILE_SMART_ENERGY,
                src_endpoint=SE_ENDPOINT,
                dst_endpoint=SE_ENDPOINT,
                payload=read_request(self._tsn),
            )
            payload = await asyncio.wait_for(future, READ_TIMEOUT)
        finally:
            self._pending.pop(key, None)
        value = summation_in(payload)
        if value is None:
            raise ValueError("response without CurrentSummationDelivered")
        return value
