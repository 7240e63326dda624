"""docs/pages/reference/results-format.md says what vision/_schema.py holds.

The schema module is the single home of the results-folder contract; the reference page
is its description for people. These tests read the page's tables (first column: the
backticked name) and compare them with the schema, so neither can drift alone.
"""
import re
from pathlib import Path

import pytest

from vision import _schema as schema

PAGE = Path(__file__).resolve().parents[1] / "docs" / "pages" / "reference" / "results-format.md"


def _sections():
    """``{heading: [first-column names of its table rows]}`` of the reference page."""
    sections, current = {}, None
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            sections[current] = []
        elif current is not None and line.startswith("| `"):
            first_cell = line.split("|")[1]
            sections[current].extend(re.findall(r"`([^`]+)`", first_cell))
    return sections


SECTIONS = _sections()


@pytest.mark.parametrize("heading, columns", [
    ("`frames.csv`", schema.FRAME_COLUMNS),
    ("`whiskers.csv`", schema.WHISKER_COLUMNS),
    ("`events.csv`", schema.EVENT_COLUMNS),
])
def test_contract_columns_are_documented_first_and_in_order(heading, columns):
    documented = SECTIONS[heading]
    # The schema's columns are the contract ("more may follow"): the page lists them first,
    # in the same order, then the extra columns.
    assert documented[:len(columns)] == list(columns)


@pytest.mark.parametrize("heading, names", [
    ("Failure modes", schema.FAILURE_MODES),
    ("Growth modes", schema.GROWTH_MODES),
])
def test_modes_are_exactly_the_schemas(heading, names):
    assert SECTIONS[heading] == list(names)


def test_event_names_are_exactly_the_schemas():
    assert [n for n in SECTIONS["`events.csv`"] if n in schema.EVENT_NAMES] == \
        list(schema.EVENT_NAMES)


def test_every_summary_key_of_the_schema_is_documented():
    documented = set(SECTIONS["`summary.json`"])
    keys = (set(schema.EVENT_SUMMARY_KEYS.values()) | set(schema.GROWTH_MODE_SUMMARY_KEYS)
            | set(schema.SYNC_SUMMARY_KEYS) | set(schema.RENAMED_SUMMARY_KEYS.values()))
    assert keys - documented == set()


def test_every_results_file_of_the_schema_is_documented():
    documented = set(SECTIONS["Files"])
    files = {schema.SUMMARY_FILE, schema.FRAMES_FILE, schema.WHISKERS_FILE, schema.EVENTS_FILE,
             schema.GROWTH_RATES_FILE, schema.OVERLAY_FILE, schema.REPORT_FILE}
    assert files - documented == set()
