"""The RTDS corpus, read once per test session (shared/gbcs/rtds, DCC Reference Test Data Set 4.5.0)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

_KINDS = ("COMMAND", "RESPONSE", "PRECOMMAND", "ALERT")


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    data: bytes

    @property
    def folder_use_case(self) -> str:
        """The use case of the folder name `<section>_<use case>` (e.g. `ECS52` for `11.2_ECS52`)."""
        return self.path.parent.name.split("_", 1)[1]

    @property
    def kind(self) -> str:
        """COMMAND, RESPONSE, PRECOMMAND or ALERT, from the file name (gbcs.md 1)."""
        tokens = self.path.name.split("_")
        return next(token for token in reversed(tokens) if token in _KINDS)


@cache
def load(rtds_dir: Path) -> tuple[CorpusFile, ...]:
    """Every `*.HEX` file under `rtds_dir`, in path order."""
    return tuple(CorpusFile(path, bytes.fromhex(path.read_text().strip())) for path in sorted(rtds_dir.glob("*/*.HEX")))
