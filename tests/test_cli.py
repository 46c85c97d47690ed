"""The CLI contracts: validate exit codes and messages, recommend/explain JSON."""

import json

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


def _table_rows(stdout: str) -> list[list[str]]:
    """The table's body as rows of cells, each cell's wrapped lines joined with a space."""
    rows: list[list[list[str]]] = []
    for line in stdout.splitlines():
        cells = line.split("│")[1:-1]
        if len(cells) != 5:
            continue
        if cells[0].strip():  # a new result starts where '#' has a number
            rows.append([[] for _ in cells])
        for i, c in enumerate(cells):
            if rows and c.strip():
                rows[-1][i].append(c.strip())
    return [[" ".join(parts) for parts in row] for row in rows]


def test_recommend_table_is_readable_at_80_columns(fixture_copy, tmp_path):
    """80 columns: each result's full names (English and Chinese), the partner marker, score, the first reason
    whole (wrapped, not cut) and the number of caveats; --explain wraps every reason and caveat to the width."""
    from rich.cells import cell_len

    models = tmp_path / "models"
    build(fixture_copy, models)
    data = json.loads(runner.invoke(app, ["recommend", "Steelton", "--k", "8", "--json", "--models",
                                          str(models)]).stdout)
    assert any(r["partnership"] for r in data["results"]) and all(r["locality"]["name_zh"] for r in data["results"])
    res = runner.invoke(app, ["recommend", "Steelton", "--k", "8", "--models", str(models)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert max(cell_len(line) for line in res.stdout.splitlines()) <= 80  # Chinese characters are 2 cells
    rows = _table_rows(res.stdout)
    assert len(rows) == len(data["results"])
    for r, (rank, locality, score, why, caveats) in zip(data["results"], rows, strict=True):
        loc = r["locality"]
        assert rank == str(r["rank"]) and score == f"{r['score']:.3f}" and caveats == str(len(r["caveats"]))
        assert locality == f"{loc.get('qualified') or loc['name']} {loc['name_zh']}" + (" *" if r["partnership"]
                                                                                       else "")
        assert why == " ".join((r["reasons"][:1] or [""])[0].split())  # the whole first reason (the lead one)
    assert "* already a partner" in res.stdout
    full = runner.invoke(app, ["recommend", "Steelton", "--k", "5", "--explain", "--models", str(models)],
                         env={"COLUMNS": "80"})
    assert max(cell_len(line) for line in full.stdout.splitlines()) <= 80
    text = " ".join(full.stdout.split())
    for r in data["results"][:5]:
        for sentence in r["reasons"] + r["caveats"]:
            assert " ".join(sentence.split()) in text


def test_recommend_refuses_an_unknown_level(fixture_copy, tmp_path):
    res = runner.invoke(app, ["recommend", "Steelton", "--level", "bogus", "--models", str(tmp_path)])
    assert res.exit_code == 2
    assert "unknown level 'bogus'" in res.output and "prefecture_city" in res.output


def _validate(data) -> tuple[int, list[str]]:
    res = runner.invoke(app, ["validate", "--data", str(data)], env={"COLUMNS": "80"})
    return res.exit_code, res.output.splitlines()


def test_validate_text_in_a_number_column(fixture_copy):
    p = fixture_copy / "indicators" / "synthetic.csv"
    lines = p.read_text().splitlines()
    lines[2] = lines[2].replace(",2021,", ",twenty,")  # year: a whole-number column with a range check
    lines[3] = lines[3].replace(lines[3].split(",")[2], "lots")  # value: a number column
    p.write_text("\n".join(lines) + "\n")
    code, out = _validate(fixture_copy)
    assert code == 1
    assert "data/indicators/synthetic.csv, line 3, column 'year': 'twenty' is not a number" in out[0]
    assert "data/indicators/synthetic.csv, line 4, column 'value': 'lots' is not a number" in out[1]
    assert not any("TypeError" in line for line in out) and len(out) == 3  # one line a problem, then the count


def test_validate_invalid_utf8_names_its_line(fixture_copy):
    p = fixture_copy / "localities_gb.csv"
    lines = p.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"Portcaster", b"Portc\xe9ster")  # Latin-1, not UTF-8
    p.write_bytes(b"\n".join(lines))
    code, out = _validate(fixture_copy)
    assert code == 1
    assert "data/localities_gb.csv, line 4: invalid UTF-8 at line 4, character 16" in out[0]


def test_validate_unclosed_quote(fixture_copy):
    p = fixture_copy / "localities_gb.csv"
    p.write_text(p.read_text().replace(",Steelton,", ',"Steelton,'))
    code, out = _validate(fixture_copy)
    assert code == 1
    assert "data/localities_gb.csv, line 3, column 'name': unclosed quote" in out[0]
    assert len(out) == 2  # no messages quoting the rows after it


def test_validate_the_folder_above_the_tables_suggests_raw(tmp_path):
    import shutil

    from matcher.paths import FIXTURES_DIR

    shutil.copytree(FIXTURES_DIR, tmp_path / "data" / "raw")
    code, out = _validate(tmp_path / "data")
    assert code == 1
    assert f"use --data {tmp_path / 'data' / 'raw'}" in " ".join(out) and len(out) == 2
