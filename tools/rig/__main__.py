"""`python -m tools.rig COMMAND ...`: the rig commands alone, without the rest of the CLI.

The first-boot bootstrap runs `rig install` from a venv that holds commshub without its
dependencies (only `cryptography` besides): `commshub`'s full command line would import
zigpy and the codecs for its other sub-commands; this entry point imports only tools.rig.
"""

from __future__ import annotations

import sys

from tools.rig import main

sys.exit(main())
