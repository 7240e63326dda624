"""The documentation site builds without a warning, and the API page covers the public names.

The docs extra (mkdocs, mkdocstrings[python]) is installed by `make test`; a missing
MkDocs is a failure here, not a skip.
"""
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "docs" / "mkdocs.yml"
PAGES = ROOT / "docs" / "pages"
PACKAGES = ("vision", "electrochem", "calibration", "vision.synthetic", "vision.annotate")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the site with --strict into a temporary folder; return (folder, log)."""
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(CONFIG),
         "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{log}"
    return out, log


def test_build_has_no_warning(site):
    _, log = site
    warnings = [line for line in log.splitlines() if re.match(r"\s*(WARNING|ERROR)\b", line)]
    assert not warnings, "\n".join(warnings)


def test_every_page_is_built(site):
    out, _ = site
    for md in PAGES.rglob("*.md"):
        html = out / md.relative_to(PAGES).with_suffix(".html")
        assert html.is_file(), f"{md} was not built into {html}"
    assert (out / "reference" / "api.html").is_file()


def test_api_page_documents_every_public_name(site):
    out, _ = site
    html = (out / "reference" / "api.html").read_text(encoding="utf-8")
    missing = []
    for package in PACKAGES:
        for name in importlib.import_module(package).__all__:
            if name.startswith("__"):
                continue
            # mkdocstrings gives each object an anchor with its dotted path
            if not re.search(rf'id="[\w.]*\.{re.escape(name)}"', html):
                missing.append(f"{package}.{name}")
    assert not missing, f"not documented on the API page: {missing}"


def test_api_page_shows_docstrings(site):
    """A resolved object renders its docstring, not only a heading."""
    out, _ = site
    html = (out / "reference" / "api.html").read_text(encoding="utf-8")
    assert "Faraday" in html           # current_density_from_growth_rate's docstring
    assert "Parameters" in html


def test_site_loads_nothing_from_the_network(site):
    """No script or stylesheet from a CDN: the site works offline."""
    out, _ = site
    remote = re.compile(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', re.I)
    offenders = [str(p.relative_to(out)) for p in out.rglob("*.html")
                 if remote.search(p.read_text(encoding="utf-8"))]
    assert not offenders, offenders
