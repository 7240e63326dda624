"""Shared set-up of the whole suite: how ``make test`` spreads it over the cores.

``make test`` runs the suite with pytest-xdist (``-n 2 --dist loadgroup``); a plain
``pytest`` (one file, ``make mutate``, a debugger) stays serial and is not touched by
what follows. Under ``--dist loadgroup`` xdist keeps the tests of one group on one worker.
Each test is put in the group of its file, so a module fixture (a render, a built site,
an annotation server) is made once, as in a serial run. The one exception is
tests/test_accuracy_seeds.py: its tests share a per-process cache keyed by seed, so they
are grouped by seed, and its 15 scenes (most of the suite's time) are spread over the
workers instead of all landing on one.

Groups are handed out in collection order; the files listed in :data:`HEAVY_FIRST` go
first (a long file started last would leave the other worker idle at the end).
"""
import pytest

#: Files with the longest module set-up or tests (``--durations`` of a serial run,
#: wave 19), started first so that the short files fill the gaps at the end.
HEAVY_FIRST = (
    "test_accuracy_seeds.py",
)


def _group(item):
    path = item.nodeid.split("::", 1)[0]
    if path.endswith("test_accuracy_seeds.py"):
        spec = getattr(item, "callspec", None)
        if spec is not None and "seed" in spec.params:
            return f"{path}-seed{spec.params['seed']}"
    return path


def _heavy_rank(item):
    name = item.nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
    return HEAVY_FIRST.index(name) if name in HEAVY_FIRST else len(HEAVY_FIRST)


def pytest_collection_modifyitems(config, items):
    if config.getoption("dist", "no") != "loadgroup":
        return
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(_group(item)))
    items.sort(key=_heavy_rank)   # stable: the order inside a file is kept
