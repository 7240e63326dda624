"""Plant the bugs of issue 16 one at a time in a scratch copy and show that a test catches each.

Usage (from the repository root; about 3 minutes)::

    .venv/bin/python tests/planted_bugs.py [--keep]

Each bug is a text replacement in one source file of a fresh copy of the repository
(the checkout itself is never modified); the listed tests run in that copy with the
same interpreter and must FAIL. Prints a Markdown table (docs/pages/mutation.md) and
exits 1 if any planted bug goes unnoticed. Not collected by pytest (a benchmark of
the tests, like ``make mutate``).
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NUMBERS = "tests/vision/pipeline/test_numbers_exact.py"
PIPELINE = "tests/vision/pipeline/test_analyze_pipeline.py"

#: (name, file, old text, new text, tests that must fail)
BUGS = [
    ("classifier: lateral rule before fracture", "vision/pipeline/_failure.py",
     '    if evidence[0]["passed"]:\n',
     '    if evidence[0]["passed"] and not evidence[1]["passed"]:\n',
     [f"{NUMBERS}::test_rule_order_when_several_rules_fire"]),
    ("classifier: contact loss first", "vision/pipeline/_failure.py",
     '    if evidence[0]["passed"]:\n',
     '    if evidence[2]["passed"]:\n        mode, conf = "contact_loss", 0.9\n'
     '    elif evidence[0]["passed"]:\n',
     [f"{NUMBERS}::test_rule_order_when_several_rules_fire"]),
    ("classifier: `>=` -> `>` on the lateral threshold", "vision/pipeline/_failure.py",
     "lateral >= th.lateral_min_extent_um or", "lateral > th.lateral_min_extent_um or",
     [f"{NUMBERS}::test_thresholds_are_inclusive_on_equality"]),
    ("rates filed under another whisker's id", "vision/pipeline/_rates.py",
     '"whisker_id": int(wid), "step"',
     '"whisker_id": int(sorted(w["whisker_id"].unique())[(sorted(w["whisker_id"].unique())'
     '.index(wid) + 1) % w["whisker_id"].nunique()]), "step"',
     [f"{NUMBERS}::test_each_whisker_keeps_its_own_rate_and_step_values",
      f"{PIPELINE}::test_growth_rates_of_each_whisker_match_its_truth_whisker"]),
    ("crack-initiation voltage with the sync offset applied twice", "vision/pipeline/_summary.py",
     "synced.trace_at([events.crack_initiation_s])",
     "synced.trace_at([events.crack_initiation_s + synced.offset_s])",
     [f"{PIPELINE}::test_crack_initiation_voltage_against_the_true_trace"]),
    ("rate_std divides by n instead of sqrt(n)", "vision/pipeline/_rates.py",
     "return float(sigma / (np.std(t) * np.sqrt(n)))",
     "return float(sigma / (np.std(t) * n))",
     [f"{NUMBERS}::test_rate_std_is_the_scatter_of_rates_on_known_noise",
      f"{NUMBERS}::test_rate_std_formula_exactly_on_one_fit"]),
    ("current density 2 % high at the call site", "vision/pipeline/_rates.py",
     "float(current_density_from_growth_rate(rate))",
     "float(current_density_from_growth_rate(rate) * 1.02)",
     [f"{NUMBERS}::test_current_density_is_faraday_of_the_rate_exactly"]),
]

IGNORE = shutil.ignore_patterns(".venv", "mutants", ".git", "__pycache__", "*.egg-info",
                                ".pytest_cache", "site", ".bank-cache", "demo-results")


def _run_one(bug, scratch):
    name, path, old, new, tests = bug
    copy = scratch / "repo"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(REPO, copy, ignore=IGNORE)
    src = (copy / path).read_text()
    if src.count(old) != 1:
        return name, tests, f"NOT PLANTED ({src.count(old)} matches)"
    (copy / path).write_text(src.replace(old, new))
    out = {}
    for test in tests:
        # python -m puts the copy's folder first on sys.path: its packages shadow the checkout's
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                            test], cwd=copy, capture_output=True, text=True)
        out[test] = "caught (fails)" if r.returncode == 1 else \
            f"NOT CAUGHT (exit {r.returncode})"
    return name, tests, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = ap.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="planted-"))
    missed = 0
    print("| planted bug | file | test | result |\n| --- | --- | --- | --- |")
    try:
        for bug in BUGS:
            name, tests, out = _run_one(bug, scratch)
            if isinstance(out, str):
                missed += 1
                print(f"| {name} | `{bug[1]}` | - | {out} |")
                continue
            for test, res in out.items():
                missed += res.startswith("NOT")
                print(f"| {name} | `{bug[1]}` | `{test.split('::')[0].split('/')[-1]}::"
                      f"{test.split('::')[1]}` | {res} |", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
