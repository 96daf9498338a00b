"""The hub configuration: the packaged default, and the values `rig image` writes into it."""

from __future__ import annotations

import pytest

from tools.rig.bundle import data_file
from tools.rig.hubconfig import ConfigError, HubSettings, Radio, parse_settings, render

DEFAULT = data_file("hub.toml").decode()


def test_the_packaged_default() -> None:
    assert parse_settings(DEFAULT) == HubSettings(
        listen="127.0.0.1:8765",
        state_file="/var/lib/commshub/hub.sqlite",
        keystore="",
        home="semi-detached",
        radios=(),
    )


def test_render_sets_values_and_keeps_every_comment() -> None:
    radios = (
        Radio("2.4GHz", "spinel", "/dev/serial/by-id/usb-Nordic_nRF52840_A1-if00"),
        Radio("868MHz", "spinel", 'socket://rig-9:2000/"odd"'),
    )
    text = render(DEFAULT, listen="0.0.0.0:9000", home="", radios=radios)
    settings = parse_settings(text)
    assert (settings.listen, settings.home, settings.radios) == ("0.0.0.0:9000", "", radios)
    assert settings.probe_address() == ("127.0.0.1", 9000)  # a wildcard listen is probed on loopback
    comments = [line for line in DEFAULT.splitlines() if line.lstrip().startswith("#")]
    assert [line for line in text.splitlines() if line.lstrip().startswith("#")] == comments


@pytest.mark.parametrize(
    "text, message",
    [
        ('[wan]\nlisten = "8765"\n', "HOST:PORT"),
        ('[wan]\nlisten = "host:99999"\n', "HOST:PORT"),
        ("[wan\n", "not valid TOML"),
        ('[han]\nradios = [{ band = "5GHz", kind = "spinel", path = "/dev/x" }]\n', "band must be"),
        ('[han]\nradios = ["/dev/ttyACM0"]\n', "each radio is"),
        ('wan = "x"\n', "[wan] must be a table"),
    ],
)
def test_bad_values_are_refused_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        parse_settings(text)


@pytest.mark.parametrize("text", ["2.4GHz=/dev/ttyACM0", "2.4GHz=ezsp:/dev/ttyUSB0", "=spinel:/dev/x"])
def test_radio_option_syntax(text: str) -> None:
    with pytest.raises(ConfigError):
        Radio.parse(text)
