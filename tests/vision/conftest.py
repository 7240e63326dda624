"""Shared set-up of the vision tests.

The test folders mirror the subpackages of vision. Some test modules reuse another's
helpers (``from test_io_readers import write_video``); the test folders have no
``__init__.py`` (a package named ``vision`` here would shadow the real one), so each
folder goes on ``sys.path`` here.
"""
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for _folder in sorted(p for p in _HERE.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))
