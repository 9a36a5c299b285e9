"""The ``ecoledger monitoring`` commands: outputs written whole, refused files write nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from ecoledger.cli.monitoring import app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "monitoring"
runner = CliRunner()


def test_water_command_writes_classes_and_refuses_bad_files_whole(tmp_path):
    out = tmp_path / "water"
    result = runner.invoke(app, ["water", str(EXAMPLES / "records-illustrative.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    classes = pd.read_csv(out / "classes.csv").set_index("station")
    # 示例湖心点 TP mean (0.071 + 0.064 + 0.052 + 0.066)/4 = 0.06325 → lake class IV, river II
    lake = classes.loc["示例湖心点"]
    assert lake["class"] == 4 and lake["class_tp_river_reading"] == 2
    assert {"records.csv", "shares_city.csv", "shares_basin.csv", "shares_region.csv", "trends_tp.csv",
            "run.json"} <= {p.name for p in out.iterdir()}
    refused = runner.invoke(app, ["water", str(EXAMPLES / "records-bad.csv"), "--out", str(tmp_path / "bad")])
    assert refused.exit_code == 2 and "row 4 · date" in refused.output
    assert not (tmp_path / "bad").exists()


def test_aqi_alerts_and_demo_commands(tmp_path):
    aqi = runner.invoke(app, ["aqi", str(EXAMPLES / "aqi-days-illustrative.csv"),
                              "--out", str(tmp_path / "a.csv")])
    assert aqi.exit_code == 0, aqi.output
    assert pd.read_csv(tmp_path / "a.csv")["aqi"].tolist() == [107, 51, 100]
    alerts = runner.invoke(app, ["alerts", str(EXAMPLES / "series-illustrative.csv"), "--rules",
                                 str(EXAMPLES / "rules-illustrative.toml"),
                                 "--out", str(tmp_path / "al.csv")])
    assert alerts.exit_code == 0 and "8 alerts" in alerts.output
    demo = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo"),
                               "--data", str(EXAMPLES.parents[1] / "data" / "jiangxi")])
    assert demo.exit_code == 0, demo.output
    assert (tmp_path / "demo" / "index.html").read_text("utf-8").count("<svg") == 2
    assert (tmp_path / "demo" / "index.en.html").read_text("utf-8").count("<svg") == 2
