"""Device profiles: the shipped ones load, a bad one is refused with its name and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware.devices.gsme import ProfileError, available, load_profile
from protocols.gbz import zcl


def test_shipped_profiles() -> None:
    assert available() == ["credit", "prepayment"]
    prepayment, credit = load_profile("prepayment"), load_profile("credit")
    assert prepayment.attributes[zcl.PREPAYMENT]["payment_control_configuration"] & 0x02  # prepayment enabled
    assert not credit.attributes[zcl.PREPAYMENT]["payment_control_configuration"] & 0x02
    assert prepayment.eui == bytes.fromhex("00db1234567890a1")
    assert prepayment.attributes[zcl.METERING]["current_meter_id"] == bytes.fromhex("0102000300000000")
    assert prepayment.calendar is not None and len(prepayment.calendar.days) == 4


def test_bad_profiles_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="no shipped GSME profile 'nope'"):
        load_profile("nope")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[identity]\neui = "00"\nmanufacturer = "m"\nmodel = "x"\nfirmware_version = "01"\n[metering]\nno_such = 1\n'
    )
    with pytest.raises(ProfileError, match="bad"):
        load_profile(bad)
    with pytest.raises(ProfileError, match=r"missing\.toml"):
        load_profile(tmp_path / "missing.toml")
