"""bench/search.py runs end to end on a small data set and writes the JSON the lead collects.

Speed is not asserted here (that is the benchmark's job); this proves the script works.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_search_bench_runs_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "search.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "search.py"),
            "--events",
            "2000",
            "--repeats",
            "3",
            "--engines",
            "sqlite",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert sorted(result) == ["sqlite"]
    assert (result["sqlite"]["events"], sorted(result["sqlite"]["queries"])) == (
        2000,
        ["camera_day", "class_colour_week", "latest", "type_month", "zone_dir_page3"],
    )
    assert result["sqlite"]["queries"]["latest"]["rows"] == 50.0
