"""Device profiles: the shipped ones load, user files fail with clear errors, variants build their objects."""

from __future__ import annotations

import pytest

from firmware.devices.esme import (
    PaymentMode,
    ProfileError,
    Variant,
    objects,
    parse_profile,
    shipped_profile,
    shipped_profile_names,
)
from protocols.dlms import Obis
from tests.firmware.devices.esme.helpers import Bench


def test_shipped_profiles() -> None:
    assert shipped_profile_names() == ("credit-single", "polyphase", "prepayment-single", "twin")
    assert shipped_profile("prepayment-single").payment_mode is PaymentMode.PREPAYMENT
    assert shipped_profile("twin").variant is Variant.TWIN
    assert shipped_profile("polyphase").tariff.kind == "block"
    with pytest.raises(ProfileError) as error:
        shipped_profile("gas")
    assert "credit-single" in str(error.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("name = 1", "name"),
        ('name = "x"\ncolour = "red"', "colour"),
        ('name = "x"\nvariant = "quad"', "variant"),
        ('name = "x"\n[tariff]\nprices = [40000]', "tariff.prices"),
        ('name = "x"\n[tariff]\nswitches = [["25:00", 1]]', "tariff.switches[0]"),
        ('name = "x"\n[tariff]\nswitches = [["00:00", 3]]', "tariff.switches"),
        ('name = "x"\n[tariff]\nkind = "block"\nprices = [1, 2]', "tariff.block_thresholds"),
        ('name = "x"\n[load]\nbase_w = "lots"', "load.base_w"),
        ('name = "x"\n[load]\nwatts = 3', "load.watts"),
        ('name = "x"\n[identity]\nmanufacturer = "TOO LONG"', "identity.manufacturer"),
        ("name = ", "(document)"),
    ],
)
def test_profile_errors_name_the_file_and_key(text: str, key: str) -> None:
    with pytest.raises(ProfileError) as error:
        parse_profile(text, "home.toml")
    assert (error.value.source, error.value.key) == ("home.toml", key)


def test_a_user_profile() -> None:
    profile = parse_profile(
        'name = "mine"\npayment_mode = "prepayment"\n[identity]\nfirmware_version = "0x0a0b0c0d"\n[load]\nseed = 4\n',
        "mine.toml",
    )
    assert profile.identity.firmware_version == bytes.fromhex("0a0b0c0d") and profile.load.seed == 4
    assert Bench(profile).value(1, "0-0:0.2.1.255", 2).value == bytes.fromhex("0a0b0c0d")  # type: ignore[union-attr]


def test_variants_have_their_objects() -> None:
    single, twin, polyphase = (objects.build(shipped_profile(name)) for name in ("credit-single", "twin", "polyphase"))
    second_element = {
        Obis.of(name) for name in ("0-0:13.0.1.255", "0-1:11.0.1.255", "0-0:19.20.5.255", "0-0:94.44.1.8")
    }
    other_phases = {Obis.of(name) for name in ("1-0:52.24.0.255", "1-0:72.24.0.255", "1-0:52.31.0.4", "1-0:72.36.0.4")}
    assert second_element <= twin.keys() and not second_element & single.keys()
    assert other_phases <= polyphase.keys() and not other_phases & single.keys()
    assert len(single) > 200
