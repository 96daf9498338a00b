"""`tools.virtual_hub`: a floor plan made into the hub's radios and its emulated devices at their RTDS identities."""

from __future__ import annotations

import pytest

from hal.radio import Band
from hal.virtual import FloorPlanError, load_floorplan, parse_floorplan
from tools.virtual_hub import VirtualHomeError, build_virtual_home

SMALL_HOME = """
name = "small"
size = [6.0, 6.0]
[[levels]]
level = 0
height = 2.5
[[nodes]]
name = "hub"
role = "hub"
level = 0
at = [1.0, 1.0]
[[nodes]]
name = "meter"
role = "esme"
level = 0
at = [1.5, 1.0]
profile = "prepayment-single"
[[nodes]]
name = "display"
role = "ihd"
level = 0
at = [3.0, 3.0]
[[nodes]]
name = "second-meter"
role = "esme"
level = 0
at = [2.0, 1.0]
"""


def test_devices_take_their_rtds_identities_and_the_homes_profiles() -> None:
    home = build_virtual_home(parse_floorplan(SMALL_HOME, source="test"), seed=1, dual_band="no")
    kinds = {spec.kind: spec for spec in home.devices}
    assert {kind: spec.eui.hex() for kind, spec in kinds.items()} == {
        "esme": "00db1234567890a0",
        "gsme": "00db1234567890a1",
        "ppmid": "00db1234567890a4",
        "hcalcs": "00db1234567890a5",
        "other": "00db1234567890a6",
        "ihd": "00db1234567890b0",
    }
    assert kinds["esme"].profile == "prepayment-single" and kinds["esme"].name == "meter"
    assert kinds["gsme"].name == "hub-gsme"  # not placed by the home: it stands beside the hub
    assert home.medium.node("hub-gsme").position == home.medium.node("hub").position
    assert "second-meter" in home.skipped  # one ESME per hub, at its RTDS identity
    assert [radio.info.extended_address for radio in home.radios] == [0x00DB1234567890A2]


def test_a_dual_band_hub_gives_the_gas_meter_and_the_display_868_mhz_too() -> None:
    home = build_virtual_home(load_floorplan("semi-detached"), seed=1, dual_band="yes")
    assert [radio.info.bands for radio in home.radios] == [{Band.GHZ_2_4}, {Band.MHZ_868}]
    bands = {spec.kind: [set(radio.info.bands) for radio in spec.radios] for spec in home.devices}
    assert bands["gsme"] == bands["ihd"] == [{Band.GHZ_2_4}, {Band.MHZ_868}] and bands["esme"] == [{Band.GHZ_2_4}]


def test_an_unknown_hub_node_is_refused() -> None:
    with pytest.raises(VirtualHomeError, match="no hub node"):
        build_virtual_home(load_floorplan("semi-detached"), seed=1, hub="flat-9")


def test_an_empty_profile_name_is_refused_by_the_floor_plan() -> None:
    with pytest.raises(FloorPlanError, match="profile"):
        parse_floorplan(SMALL_HOME.replace('"prepayment-single"', '""'), source="test")
