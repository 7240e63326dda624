"""results.csv names the growth modes in words beside the failure mode (issue 15.3)."""
import dataclasses
from pathlib import Path

import pandas as pd

from vision.batch._table import write_results_table


@dataclasses.dataclass
class _Result:
    out_dir: Path
    records: list
    summaries: dict


def _record(name, status="done"):
    return {"name": name, "status": status, "error": None if status == "done" else "bad",
            "video": f"{name}.mp4", "trace": None, "pairing": "by name", "duration_s": 1.0,
            "metadata": {}}


def test_growth_modes_are_words_and_none_is_said(tmp_path):
    summaries = {"w": {"failure_mode": "none", "growth_modes": ["whisker", "lateral"]},
                 "c": {"failure_mode": "none", "growth_modes": []},
                 "d": {"failure_mode": "fracture", "growth_modes": [{"mode": "crack"}]}}
    result = _Result(tmp_path, [_record("w"), _record("c"), _record("x", "failed"),
                                _record("d")], summaries)
    write_results_table(result)
    table = pd.read_csv(tmp_path / "results.csv", keep_default_na=False)
    assert list(table["growth_modes"]) == ["whisker, lateral", "none", "", "crack"]
    assert list(table["failure_mode"]) == ["none", "none", "", "fracture"]
    parquet = pd.read_parquet(tmp_path / "results.parquet")["growth_modes"]
    assert list(parquet[:2]) == ["whisker, lateral", "none"] and pd.isna(parquet[2])
