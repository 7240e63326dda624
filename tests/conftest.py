"""Shared set-up of the whole suite: how ``make test`` spreads it over the cores.

``make test`` runs the suite with pytest-xdist (``-n 2 --dist loadgroup``); a plain
``pytest`` (one file, ``make mutate``, a debugger) stays serial and is not touched by
what follows. Under ``--dist loadgroup`` xdist keeps the tests of one group on one worker.
Each test is put in the group of its file, so a module fixture (a render, a built site,
an annotation server) is made once, as in a serial run, and tests that share a module's
cache (``_CACHE`` dicts) find it filled. The one exception is tests/test_accuracy_seeds.py:
its cache is keyed by seed, so its tests are grouped by seed and its 15 scenes are spread
over the workers instead of all landing on one.

xdist hands out the largest groups (by number of tests) first; replayed with the per-test
times of the wave-19 run, that order leaves two workers within 0.2 % of an even split.
"""
import pytest


def _group(item):
    path = item.nodeid.split("::", 1)[0]
    if path.endswith("test_accuracy_seeds.py"):
        spec = getattr(item, "callspec", None)
        if spec is not None and "seed" in spec.params:
            return f"{path}-seed{spec.params['seed']}"
    return path


def pytest_collection_modifyitems(config, items):
    if config.getoption("dist", "no") != "loadgroup":
        return
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(_group(item)))
