"""A meter on a test bench: an `Esme` on an in-memory `hal.nvm` store, a virtual clock, and one-line GET / SET / ACTION.

Requests are built and responses read with `protocols.dlms`, so every helper goes through the
real payload path (`Esme.handle`) exactly as the envelope side will call it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from firmware.devices.esme import DeviceProfile, Esme, PayloadSecurity, shipped_profile
from firmware.gbcs.contract import CommandContext, RaisedAlert
from hal.nvm import Nvm, NvmStore
from protocols import dlms
from protocols.dlms import (
    NULL,
    AccessRequest,
    AccessResponse,
    ActionSpec,
    AttributeDescriptor,
    Data,
    GetSpec,
    GetWithSelectionSpec,
    LongInvokeId,
    MethodDescriptor,
    Obis,
    RequestSpec,
    SetSpec,
)
from protocols.dlms.selective import ENTRY_SELECTOR, RANGE_SELECTOR, RangeDescriptor, SelectiveAccess

ESME = bytes.fromhex("00db1234567890a0")
SUPPLIER = bytes.fromhex("90b3d51f30010000")
START_UTC = 1_420_070_400.0  # 2015-01-01T00:00:00Z
NO_DATA = dlms.i8(0)  #: what GBCS passes to a method without parameters


@dataclass
class Bench:
    """One meter and the virtual time it lives in."""

    profile: DeviceProfile
    nvm: Nvm = field(default_factory=lambda: NvmStore.memory().partition(f"device/{ESME.hex()}"))
    security: PayloadSecurity | None = None
    now: float = 0.0
    utc: float = START_UTC
    counter: int = 1000
    alerts: list[RaisedAlert] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.esme = Esme(self.nvm, self.profile, random.Random(5), security=self.security)

    @classmethod
    def of(cls, name: str, **changes: object) -> Bench:
        return cls(shipped_profile(name), **changes)  # type: ignore[arg-type]

    def restart(self) -> Esme:
        """A new model on the same NVM (a power cut and restart)."""
        self.esme = Esme(self.nvm, self.profile, random.Random(99), security=self.security)
        return self.esme

    # ---- time

    def advance(self, seconds: float) -> list[RaisedAlert]:
        """Run virtual time forward by `seconds`, firing the meter's timer at each of its deadlines."""
        end = self.now + seconds
        raised: list[RaisedAlert] = []
        while True:
            due = self.esme.deadline()
            if due is None or due > end:
                break
            self._to(max(due, self.now))
            raised.extend(self.esme.timer_fired(self.now, self.utc))
        self._to(end)
        self.alerts.extend(raised)
        return raised

    def pass_time(self, seconds: float) -> None:
        """Time passes without the meter being woken (it is off, or nobody calls it)."""
        self._to(self.now + seconds)

    def _to(self, now: float) -> None:
        self.utc += now - self.now
        self.now = now

    # ---- requests

    def context(self, message_code: int = 0x0059, originator: bytes = SUPPLIER) -> CommandContext:
        self.counter += 1
        return CommandContext(message_code, originator, ESME, self.counter, 4, False, None, self.now, self.utc)

    def request(
        self, specs: list[RequestSpec], data: list[Data] | None = None, message_code: int = 0x0059
    ) -> AccessResponse:
        context = self.context(message_code)
        payload = AccessRequest(
            LongInvokeId.for_counter(context.counter), tuple(specs), tuple(data or [NULL] * len(specs))
        )
        result = self.esme.handle(dlms.build(payload), context)
        self.alerts.extend(result.alerts)
        assert result.response is not None
        response = dlms.parse(result.response)
        assert isinstance(response, AccessResponse)
        assert response.invoke == payload.invoke
        return response

    def get(self, class_id: int, obis: str, attribute: int, access: SelectiveAccess | None = None) -> tuple[int, Data]:
        descriptor = AttributeDescriptor(class_id, Obis.of(obis), attribute)
        spec: RequestSpec = GetSpec(descriptor)
        if access is not None:
            selector = RANGE_SELECTOR if isinstance(access, RangeDescriptor) else ENTRY_SELECTOR
            spec = GetWithSelectionSpec(descriptor, selector, access.to_data())
        response = self.request([spec])
        return response.results[0].result, response.data[0]

    def value(self, class_id: int, obis: str, attribute: int) -> Data:
        result, data = self.get(class_id, obis, attribute)
        assert result == 0, f"GET {class_id} {obis} {attribute} answered {result}"
        return data

    def set(self, class_id: int, obis: str, attribute: int, value: Data, message_code: int = 0x0059) -> int:
        spec = SetSpec(AttributeDescriptor(class_id, Obis.of(obis), attribute))
        return self.request([spec], [value], message_code).results[0].result

    def action(self, class_id: int, obis: str, method: int, value: Data = NO_DATA) -> tuple[int, Data]:
        response = self.request([ActionSpec(MethodDescriptor(class_id, Obis.of(obis), method))], [value])
        return response.results[0].result, response.data[0]

    def alert_codes(self) -> list[int]:
        """Alert codes of every alert raised so far (read from the data-notification bodies)."""
        codes = []
        for alert in self.alerts:
            body = dlms.parse(alert.payload).body  # type: ignore[union-attr]
            codes.append(body.items[0].value)  # type: ignore[union-attr]
        return codes
