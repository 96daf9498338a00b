"""ZigBee beacon payload against scapy's ZigBeeBeacon (independent encoder), both ways."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.zigbee import ZigBeeBeacon

from protocols.zigbee import (
    BeaconPayload,
    ZigbeeDecodeError,
    ZigbeeEncodeError,
    build_beacon_payload,
    parse_beacon_payload,
)


@given(
    epid=st.integers(0, 2**64 - 1),
    depth=st.integers(0, 15),
    update_id=st.integers(0, 255),
    router=st.booleans(),
    end_device=st.booleans(),
)
def test_matches_scapy(epid: int, depth: int, update_id: int, router: bool, end_device: bool) -> None:
    ours = BeaconPayload(
        epid, router_capacity=router, end_device_capacity=end_device, device_depth=depth, update_id=update_id
    )
    theirs = bytes(
        ZigBeeBeacon(
            proto_id=0,
            nwkc_protocol_version=2,
            stack_profile=2,
            end_device_capacity=end_device,
            device_depth=depth,
            router_capacity=router,
            extended_pan_id=epid,
            tx_offset=0xFFFFFF,
            update_id=update_id,
        )
    )
    assert build_beacon_payload(ours) == theirs
    assert parse_beacon_payload(theirs) == ours


def test_refusals() -> None:
    with pytest.raises(ZigbeeDecodeError) as err:
        parse_beacon_payload(bytes(14))
    assert err.value.offset == 14
    with pytest.raises(ZigbeeDecodeError) as err:
        parse_beacon_payload(bytes(16))
    assert err.value.offset == 15 and err.value.field == "end"
    with pytest.raises(ZigbeeEncodeError):
        build_beacon_payload(BeaconPayload(1, device_depth=16))
