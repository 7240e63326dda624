"""Old private module paths (``vision._track``, ``vision._io``, ...) for one more release.

Before the layered subpackages, the modules of vision lived flat in ``vision/``; the
README and user scripts name some of them. Importing an old path gives the module at
its new home (the same module object, so attributes and monkeypatching work) and a
``DeprecationWarning``. To be removed in the release after next.
"""
import importlib
import importlib.abc
import importlib.util
import sys
import warnings

#: Old module path -> new module path.
MOVED = {
    "vision._analyze": "vision.pipeline._analyze",
    "vision._batch": "vision.batch._engine",
    "vision._cli": "vision.cli._main",
    "vision._cli_analyze": "vision.cli._analyze",
    "vision._cli_annotate": "vision.cli._annotate",
    "vision._cli_batch": "vision.cli._batch",
    "vision._cli_info": "vision.cli._info",
    "vision._cli_synth": "vision.cli._synth",
    "vision._cli_trace": "vision.cli._trace",
    "vision._crack": "vision.measure.crack",
    "vision._databar": "vision.preprocess._databar",
    "vision._electrode": "vision.measure._electrode",
    "vision._events": "vision.pipeline._events",
    "vision._failure": "vision.pipeline._failure",
    "vision._fileio": "vision._shared._fileio",
    "vision._fractal": "vision.measure._fractal",
    "vision._front": "vision.measure._front",
    "vision._frontcrack_state": "vision.track._frontcrack",
    "vision._io": "vision.io",
    "vision._io_av": "vision.io._av",
    "vision._io_folder": "vision.io._folder",
    "vision._io_info": "vision.preprocess._info",
    "vision._io_tiff": "vision.io._tiff",
    "vision._kymograph": "vision.measure._kymograph",
    "vision._manifest": "vision.batch._manifest",
    "vision._normalize": "vision.preprocess._normalize",
    "vision._overlay": "vision.pipeline._overlay",
    "vision._pairing": "vision.batch._pairing",
    "vision._rates": "vision.pipeline._rates",
    "vision._refresh": "vision.preprocess._refresh",
    "vision._register": "vision.preprocess._register",
    "vision._report": "vision.pipeline._report",
    "vision._results": "vision.pipeline._save",
    "vision._segment": "vision.measure._segment",
    "vision._sync": "vision.pipeline._sync",
    "vision._track": "vision.track._tracker",
    "vision._whiskers": "vision.measure._whiskers",
}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, new):
        self.new = new

    def create_module(self, spec):
        return importlib.import_module(self.new)

    def exec_module(self, module):
        pass


class _MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        new = MOVED.get(fullname)
        if new is None:
            return None
        warnings.warn(f"{fullname} is deprecated and will be removed; it is now {new} "
                      f"(use the public names in vision or its subpackages)",
                      DeprecationWarning, stacklevel=3)
        return importlib.util.spec_from_loader(fullname, _AliasLoader(new))


def install():
    """Put the finder for old paths on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
