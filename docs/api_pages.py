"""MkDocs hook: write ``reference/api.md`` from the packages' ``__all__`` at build time.

The API page is never edited by hand, so it cannot drift from the code. For every
name in ``vision.__all__``, ``electrochem.__all__`` and ``calibration.__all__`` the
hook imports the package, resolves where the object is really defined and emits a
mkdocstrings block ``::: real.module.NAME``. Resolving through importlib works the
same whether a package imports its names eagerly or loads them lazily (lazy_loader
with an ``__init__.pyi`` stub): the attribute access imports the defining module.

- functions and classes: their ``__module__`` and ``__qualname__``;
- constants and other values: the package's loaded submodule that assigns the name
  at module level (found with ``ast``), else the package itself.

Run by MkDocs through ``hooks:`` in ``docs/mkdocs.yml``; ``python docs/api_pages.py``
prints the generated page.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
from pathlib import Path

PACKAGES = {
    "vision": "Video reading, preprocessing, measuring, tracking, the analysis pipeline and batch runs.",
    "electrochem": "Potentiostat traces (EC-Lab `.mpt`/`.mpr`, CSV) and the electrochemical analyses.",
    "calibration": "Units, constants, pixel size, scale bar, stage tilt and clocks.",
}
SUBPACKAGES = {
    "vision.synthetic": "The synthetic SEM video generator with exact ground truth (`semtrack synth`).",
    "vision.annotate": "The review and labelling tool behind `semtrack annotate`.",
}
API_PAGE = "reference/api.md"
REPO_ROOT = Path(__file__).resolve().parent.parent


def _assigns(module, name: str) -> bool:
    """True if `module`'s source assigns `name` at module level (also inside if/try)."""
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return False
    body = list(ast.parse(source).body)
    while body:
        node = body.pop()
        if isinstance(node, (ast.If, ast.Try, ast.With)):
            for part in ("body", "orelse", "finalbody", "handlers"):
                body.extend(getattr(node, part, []))
        elif isinstance(node, ast.ExceptHandler):
            body.extend(node.body)
        elif isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                return True
        elif isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name) and node.target.id == name:
                return True
    return False


def real_path(package: str, name: str) -> str:
    """Dotted path of the module that defines ``package.name``, plus the name."""
    obj = getattr(importlib.import_module(package), name)
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if (inspect.isclass(obj) or inspect.isfunction(obj)) and module and qualname:
        if module == package or module.startswith(package + "."):
            return f"{module}.{qualname}"
    candidates = sorted(
        (m for m in list(sys.modules)
         if (m == package or m.startswith(package + "."))
         and getattr(sys.modules[m], name, None) is obj),
        key=lambda m: (-m.count("."), m))
    for module_name in candidates:
        if _assigns(sys.modules[module_name], name):
            return f"{module_name}.{name}"
    return f"{package}.{name}"


def _section(package: str, blurb: str, level: str) -> list[str]:
    names = [n for n in importlib.import_module(package).__all__
             if not n.startswith("__")]  # __version__: stated in the text, not documented
    paths = {name: real_path(package, name) for name in names}
    # links by identifier (mkdocs-autorefs): an unresolved one is a warning, so --strict fails
    lines = [f"{level} `{package}`", "", blurb, "",
             "Public names: " + ", ".join(f"[`{n}`][{paths[n]}]" for n in names) + ".", ""]
    for name in names:
        lines += [f"::: {paths[name]}", ""]
    return lines


def api_markdown() -> str:
    """The Markdown of the API page."""
    lines = [
        "# Python API",
        "",
        "Generated at build time from `__all__` of each package and the docstrings "
        "(`docs/api_pages.py`); every name listed here is public and importable from "
        "its package, e.g. `from vision import analyze`. Private module paths shown in "
        "the source links may change between releases; import from the package.",
        "",
        "Units are part of the names (`length_um`, `time_s`, `current_A`); times are on "
        "the video clock unless a name says `trace`. `vision.__version__` holds the "
        "installed version.",
        "",
    ]
    for package, blurb in PACKAGES.items():
        lines += _section(package, blurb, "##")
    for package, blurb in SUBPACKAGES.items():
        lines += _section(package, blurb, "##")
    return "\n".join(lines) + "\n"


def on_config(config, **kwargs):
    """Let mkdocstrings find the packages in this source tree."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    return config


_SPHINX_ROLE = re.compile(r":(?:func|class|meth|attr|data|mod|obj|exc):(?=<code>)")


def on_page_content(html, page, config, files, **kwargs):
    """Drop Sphinx role prefixes (``:func:`x` ``) that docstrings use; keep the code span."""
    return _SPHINX_ROLE.sub("", html)


def on_files(files, config, **kwargs):
    """Add the generated API page to the site."""
    from mkdocs.structure.files import File

    existing = files.get_file_from_path(API_PAGE)
    if existing is not None:
        files.remove(existing)
    files.append(File.generated(config, API_PAGE, content=api_markdown()))
    return files


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    print(api_markdown(), end="")
