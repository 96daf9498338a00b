"""`firmware.hub.config`: the rig's hub.toml read with the same keys and defaults; every bad value named by its key."""

from __future__ import annotations

import tomllib

import pytest

from firmware.hub import ConfigError, HubConfig, RadioSpec, parse_config
from tests.conftest import REPO

RIG_CONFIG = REPO / "tools" / "rig" / "data" / "hub.toml"


def test_the_rigs_default_configuration_reads_as_the_rig_documents_it() -> None:
    config = parse_config(tomllib.loads(RIG_CONFIG.read_text()), str(RIG_CONFIG))
    assert (config.listen_host, config.listen_port) == ("127.0.0.1", 8765)
    assert config.state_file == "/var/lib/commshub/hub.sqlite" and config.keystore_dir == ""
    assert config.home == "semi-detached" and config.radios == ()


def test_an_empty_file_gives_the_same_defaults() -> None:
    assert parse_config({}) == HubConfig()


def test_every_key() -> None:
    text = """
[wan]
listen = "[::1]:9000"
[state]
file = "/tmp/h.sqlite"
[keystore]
dir = "/etc/keys"
[han]
home = ""
radios = [{ band = "868MHz", kind = "spinel", path = "socket://rig:5000" }]
hub = "hub-2"
channel = 25
dual_band = "yes"
[hub]
commission = false
gsme_wake_interval = 60
ihd_interval = 5
gsme_retrieval_timeout = 3600
[clock]
start = "2015-03-15T12:00:00"
history = 0
"""
    config = parse_config(tomllib.loads(text))
    assert (config.listen_host, config.listen_port, config.channel, config.dual_band) == ("::1", 9000, 25, "yes")
    assert config.radios == (RadioSpec("868MHz", "spinel", "socket://rig:5000"),)
    assert (config.commission, config.gsme_wake_interval, config.history) == (False, 60.0, 0.0)
    assert config.clock_start == 1426420800.0  # 2015-03-15T12:00:00Z


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[wan]\nlisten = "no port"', "wan.listen"),
        ("[han]\nchannel = 27", "han.channel"),
        ('[han]\ndual_band = "maybe"', "han.dual_band"),
        ("[hub]\ngsme_wake_interval = 0", "hub.gsme_wake_interval"),
        ('[hub]\ncommission = "yes"', "hub.commission"),
        ("[hub]\ncommission = 1", "hub.commission"),
        ('[clock]\nstart = "soon"', "clock.start"),
        ("[clock]\nhistory = -1", "clock.history"),
        ('[han]\nradios = [{ band = "5GHz", kind = "spinel", path = "/dev/x" }]', "han.radios[0].band"),
        ('[han]\nhome = ""', "han.radios"),
        ("[han]\nwhat = 1", "han.what"),
        ("wan = 3", "wan"),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(text: str, key: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config(tomllib.loads(text))
    assert refused.value.key == key
