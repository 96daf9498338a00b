"""Install code -> link key: radio.md 5.7 worked example, agreement with zigpy, typed refusals."""

from __future__ import annotations

import pytest
import zigpy.util
from hypothesis import given
from hypothesis import strategies as st

from protocols.zigbee import ZigbeeDecodeError, install_code_crc, install_code_to_link_key

# source: radio.md 5.7 (checked with zigpy.util.convert_install_code)
CODE = bytes.fromhex("83FED3407A939723A5C639B26916D505")
CRC = bytes.fromhex("C3B5")
KEY = bytes.fromhex("66B6900981E1EE3CA4206B6B861C02BB")


def test_radio_md_example() -> None:
    assert install_code_crc(CODE) == CRC
    assert install_code_to_link_key(CODE + CRC) == KEY


@given(st.sampled_from([6, 8, 12, 16]).flatmap(lambda n: st.binary(min_size=n, max_size=n)))
def test_agrees_with_zigpy(code: bytes) -> None:
    full = code + install_code_crc(code)
    assert install_code_to_link_key(full) == bytes(zigpy.util.convert_install_code(full))


def test_bad_crc_names_the_crc_and_its_offset() -> None:
    with pytest.raises(ZigbeeDecodeError) as err:
        install_code_to_link_key(CODE + b"\xc3\xb6")
    assert (err.value.field, err.value.offset) == ("crc", 16)
    with pytest.raises(ValueError, match="CRC"):  # zigpy refuses it too
        zigpy.util.convert_install_code(CODE + b"\xc3\xb6")


@pytest.mark.parametrize("length", [0, 7, 9, 17, 19])
def test_bad_length(length: int) -> None:
    with pytest.raises(ZigbeeDecodeError) as err:
        install_code_to_link_key(bytes(length))
    assert err.value.field == "code" and err.value.offset == length
