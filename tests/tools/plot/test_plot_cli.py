"""`commshub survey --plot` and `commshub home --report` through `tools.cli.main`: files, messages, exit codes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools.cli import main
from tools.plot import INSTALL_HINT
from tools.plot.report import FIGURES, INDEX

from .conftest import png_size


def test_survey_plot_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "terraced.png"
    assert main(["survey", "--home", "terraced", "--seconds", "3", "--plot", str(path)]) == 0
    captured = capsys.readouterr()
    assert "site survey of 'terraced'" in captured.out and f"survey: drew the plot to {path}" in captured.err
    width, height = png_size(path)
    assert width > 1000 and height > 1.5 * width  # three floors, two bands side by side


def test_survey_plot_svg(tmp_path: Path) -> None:
    path = tmp_path / "semi.SVG"
    assert main(["survey", "--seconds", "2", "--plot", str(path), "--json"]) == 0
    svg = path.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for node in ("esme", "gsme", "ihd", "ppmid", "cad"):  # gids become element ids
        assert f'id="link.868MHz.{node}"' in svg and f'id="node.2.4GHz.{node}"' in svg


@pytest.mark.parametrize(
    "plot, message",
    [
        ("survey.pdf", "the file name must end in .png or .svg"),
        ("", "an empty path names no file"),
        ("no/such/folder/x.png", "no such folder no/such/folder"),
    ],
)
def test_survey_plot_bad_path_is_a_usage_error(
    plot: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["survey", "--seconds", "1", "--plot", plot])
    except SystemExit as exc:  # argparse refuses the value
        code = int(exc.code or 0)
    assert code == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine without the `plot` extra: importing matplotlib fails."""
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)


def test_survey_plot_without_matplotlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    without_matplotlib(monkeypatch)
    assert main(["survey", "--seconds", "1", "--plot", str(tmp_path / "x.png")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # refused before any simulation
    assert captured.err.strip() == f"commshub survey: --plot needs matplotlib, an optional extra: {INSTALL_HINT}"


def test_home_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "reports" / "semi"
    pcap = tmp_path / "semi.pcap"
    assert main(["home", "--hours", "0.02", "--report", str(folder), "--pcap", str(pcap)]) == 0
    captured = capsys.readouterr()
    assert f"home: wrote the report to {folder / INDEX}" in captured.err
    assert {p.name for p in folder.iterdir()} == {INDEX, "report.json", *(f"{s.stem}.png" for s in FIGURES)}
    page = (folder / INDEX).read_text()
    assert '<a href="../../semi.pcap">' in page and "commshub home: semi-detached, seed 0" in page


def test_home_report_without_matplotlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    without_matplotlib(monkeypatch)
    assert main(["home", "--hours", "0.02", "--report", str(tmp_path / "r")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and INSTALL_HINT in captured.err


def test_home_report_folder_that_cannot_be_made(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["home", "--hours", "0.02", "--report", str(blocker / "report")]) == 2
    err = capsys.readouterr().err
    assert f"commshub home: --report {blocker / 'report'}: cannot create the folder" in err


def test_home_report_needs_the_simulated_air(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["home", "--radio", "ezsp:/dev/null", "--report", str(tmp_path / "r")]) == 2
    assert "--report draws a simulated run: use it with --radio virtual" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
