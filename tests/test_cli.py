"""The CLI contracts: validate exit codes and messages, recommend/explain JSON."""

import json
import re

from typer.testing import CliRunner

from matcher.cli import app
from matcher.model.build import build

runner = CliRunner()


def test_validate_ok_on_fixtures(fixture_copy):
    res = runner.invoke(app, ["validate", "--data", str(fixture_copy)])
    assert res.exit_code == 0, res.output
    assert "valid" in res.output


def test_validate_fails_naming_file_line_column(fixture_copy):
    p = fixture_copy / "consulates.csv"
    p.write_text(p.read_text().replace("310000,GB", "310000,FR"))
    res = runner.invoke(app, ["validate", "--data", str(fixture_copy)])
    assert res.exit_code == 1
    assert "consulates.csv, line 3, column 'sending_country'" in res.output


def test_recommend_and_explain_json(fixture_copy, tmp_path):
    models = tmp_path / "models"
    build(fixture_copy, models)
    res = runner.invoke(app, ["recommend", "Steelton", "--k", "3", "--json", "--models", str(models)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert len(data["results"]) == 3
    for r in data["results"]:
        assert abs(sum(r["contributions"].values()) - r["score"]) < 1e-9
        assert r["reasons"]
    res = runner.invoke(app, ["explain", "Steelton", "鞍山", "--json", "--models", str(models)])
    card = json.loads(res.stdout)
    assert card["b"]["id"] == "210300"
    assert any("Already partnered" in c for c in card["caveats"])


def test_unknown_name_suggests(fixture_copy, tmp_path):
    models = tmp_path / "models"
    build(fixture_copy, models)
    res = runner.invoke(app, ["recommend", "Steelten", "--models", str(models)])
    assert res.exit_code == 2
    assert "Steelton" in res.output


def test_bad_weights_are_rejected(fixture_copy, tmp_path):
    models = tmp_path / "models"
    build(fixture_copy, models)
    res = runner.invoke(app, ["recommend", "Steelton", "--weights", "industri=2", "--models", str(models)])
    assert res.exit_code == 2 and "industri" in res.output
    res = runner.invoke(app, ["recommend", "Steelton", "--weights", "scale=-1", "--models", str(models)])
    assert res.exit_code == 2 and ">= 0" in res.output


def test_recommend_rebuilds_when_the_data_changed(fixture_copy, tmp_path, monkeypatch):
    """An analyst edits data/raw and asks again: the answer must come from the data as it is now."""
    import matcher.cli as cli

    raw = tmp_path / "work" / "raw"
    raw.parent.mkdir()
    fixture_copy.rename(raw)
    models = tmp_path / "models"
    build(raw, models)
    monkeypatch.setattr(cli, "RAW_DIR", raw)
    before = json.loads((models / "manifest.json").read_text())["files"]

    res = runner.invoke(app, ["recommend", "Steelton", "--k", "2", "--models", str(models)])
    assert res.exit_code == 0 and "since the model was built" not in " ".join(res.output.split())

    path = raw / "localities_gb.csv"
    path.write_text(path.read_text().replace("Portcaster", "Portchester"))
    res = runner.invoke(app, ["recommend", "Portchester", "--k", "2", "--json", "--models", str(models)])
    assert res.exit_code == 0, res.output
    assert "changed since the model was built" in " ".join(res.output.split())  # rich wraps lines
    assert json.loads((models / "manifest.json").read_text())["files"] != before


def test_recommend_table_is_one_line_per_result(fixture_copy, tmp_path):
    """80 columns: one line per result with the top reason and the number of caveats; --explain has them all."""
    models = tmp_path / "models"
    build(fixture_copy, models)
    data = json.loads(runner.invoke(app, ["recommend", "Steelton", "--k", "5", "--json", "--models",
                                          str(models)]).stdout)
    res = runner.invoke(app, ["recommend", "Steelton", "--k", "5", "--models", str(models)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    for r in data["results"]:
        row = [line for line in lines if re.match(rf"│\s*{r['rank']} │", line)]
        assert len(row) == 1, (r["rank"], res.stdout)
        assert r["locality"]["name"] in row[0] and f"{r['score']:.3f}" in row[0]
        assert row[0].rstrip(" │").endswith(str(len(r["caveats"])))
    assert len(lines) < 25
    full = runner.invoke(app, ["recommend", "Steelton", "--k", "5", "--explain", "--models", str(models)],
                         env={"COLUMNS": "200"})
    text = " ".join(full.stdout.split())
    for r in data["results"]:
        for sentence in r["reasons"] + r["caveats"]:
            assert " ".join(sentence.split()) in text
