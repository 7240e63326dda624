"""No import cycle inside vision, counting imports inside functions (issue 10).

import-linter checks the layers between subpackages; this checks every module pair,
also inside a subpackage (e.g. io with its readers), on the same graph (grimp, which
counts imports inside functions).
"""
import grimp


def _cycles(graph, prefix):
    found = []
    for m in sorted(m for m in graph.modules if m.startswith(prefix + ".")):
        for imported in graph.find_modules_directly_imported_by(m):
            if imported.startswith(prefix + ".") and graph.chain_exists(imported, m):
                found.append((m, imported))
    return found


def test_the_check_finds_a_cycle():
    graph = grimp.ImportGraph()
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert len(_cycles(graph, "pkg")) == 3


def test_vision_module_graph_is_acyclic():
    graph = grimp.build_graph("vision", "electrochem", "calibration", cache_dir=None)
    # function-level imports are in the graph (measure._electrode imports _whiskers inside a function)
    assert "vision.measure._whiskers" in graph.find_modules_directly_imported_by(
        "vision.measure._electrode")
    assert _cycles(graph, "vision") == []


def test_no_module_reaches_siblings_through_vision_init():
    """Modules of vision import their siblings directly, never through ``vision/__init__``.

    (import-linter cannot express this: a forbidden contract on an ancestor package is
    not checked for its descendants.)
    """
    graph = grimp.build_graph("vision", "electrochem", "calibration", cache_dir=None)
    importers = graph.find_modules_that_directly_import("vision")
    # the subpackage stubs and _deprecated are read by name, not imported; nothing else may
    assert sorted(importers) == []
