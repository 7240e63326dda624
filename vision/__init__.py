"""Video reading, segmentation, tracking and the semtrack application layer.

The public names load lazily (``lazy_loader.attach_stub`` reads ``__init__.pyi``):
``import vision`` is cheap, and numpy, OpenCV, pandas, scipy and Dask load when a
function that needs them is first used. The layers, lowest first: ``io``;
``preprocess`` and ``measure``; ``track``; ``pipeline``; ``batch``, ``annotate``,
``synthetic``; ``cli``. Shared at the bottom: ``_schema``, ``_shared``, ``_version``.
"""
import lazy_loader as _lazy

from ._deprecated import install as _install_deprecated_paths
from ._version import __version__

_getattr, __dir__, _all = _lazy.attach_stub(__name__, __file__)

#: The subpackages are public namespaces, but ``__all__`` keeps the names it always had
#: (``track`` is both: the subpackage is callable as the function, see vision.track).
_SUBPACKAGES = frozenset({"annotate", "batch", "cli", "io", "measure", "pipeline", "preprocess",
                          "synthetic", "track"})
__all__ = sorted({n for n in _all if n not in _SUBPACKAGES} | {"__version__", "track"})


def __getattr__(name):
    if name == "__version__":
        return __version__
    return _getattr(name)


_install_deprecated_paths()
