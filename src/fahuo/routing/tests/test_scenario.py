"""Scenario CSV reading/validation, allocation CSV writing and the ``allocate`` command (Django-free)."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pytest

from fahuo.kit.errors import InvalidInput
from fahuo.routing import cli, solver
from fahuo.routing import scenario as sc

FILES = {
    "warehouses.csv": [
        ["code", "name", "province", "city"],
        ["HZ", "杭州仓", "浙江省", "杭州市"],
        ["GZ", "广州仓", "广东省", "广州市"],
    ],
    "carriers.csv": [
        ["carrier", "name", "cold_chain", "insured", "volumetric_divisor", "max_weight_g"],
        ["ZTO", "中通快递", "0", "0", "8000", "30000"],
        ["SF", "顺丰速运", "1", "1", "6000", "50000"],
    ],
    "rates.csv": [
        [
            "carrier",
            "origin_province",
            "dest_province",
            "first_weight_g",
            "first_price_fen",
            "step_weight_g",
            "step_price_fen",
            "transit_hours",
        ],
        ["ZTO", "浙江省", "北京市", "1000", "440", "1000", "200", "48"],
        ["ZTO", "广东省", "北京市", "1000", "480", "1000", "200", "60"],
        ["SF", "浙江省", "北京市", "1000", "1400", "1000", "800", "30"],
        ["SF", "广东省", "北京市", "1000", "1500", "1000", "800", "30"],
    ],
    "capacity.csv": [
        ["carrier", "warehouse", "max_parcels"],
        ["ZTO", "HZ", "2"],
    ],
    "orders.csv": [
        [
            "order_id",
            "warehouse",
            "dest_province",
            "dest_city",
            "weight_g",
            "length_mm",
            "width_mm",
            "height_mm",
            "traits",
            "declared_value_fen",
            "promise_hours",
        ],
        ["A-1", "", "北京市", "", "500", "200", "150", "100", "", "9900", ""],
        ["A-2", "", "北京市", "", "1500", "200", "150", "100", "fragile", "9900", "72"],
        ["A-3", "GZ", "北京市", "", "800", "200", "150", "100", "cold|valuable", "129900", ""],
        ["A-4", "", "北京市", "", "300", "100", "100", "100", "", "5900", ""],
        ["A-5", "HZ", "西藏自治区", "", "300", "100", "100", "100", "", "5900", ""],
    ],
}


def write_dir(path: Path, files: dict[str, list[list[str]]] = FILES, *, bom: bool = False) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        with (path / name).open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def with_cell(file: str, line: int, column: str, value: str) -> dict[str, list[list[str]]]:
    """A copy of FILES with one cell changed; ``line`` counts the header as line 1."""
    files = {k: [list(r) for r in v] for k, v in FILES.items()}
    rows = files[file]
    rows[line - 1][rows[0].index(column)] = value
    return files


def error_of(path: Path) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        sc.read_scenario(path)
    return info.value


# --- reading ------------------------------------------------------------------------------------


def test_reads_a_valid_scenario(tmp_path: Path) -> None:
    s = sc.read_scenario(write_dir(tmp_path))
    assert [w.code for w in s.warehouses] == ["HZ", "GZ"]
    assert s.carriers[1].cold_chain and s.carriers[1].insured and s.carriers[1].volumetric_divisor == 6000
    assert len(s.rates) == 4 and s.capacities == [sc.Capacity("ZTO", "HZ", 2)]
    assert s.orders.order_id == ["A-1", "A-2", "A-3", "A-4", "A-5"]
    assert s.orders.warehouse == ["", "", "GZ", "", "HZ"]
    assert s.orders.cold.tolist() == [False, False, True, False, False]
    assert s.orders.valuable.tolist() == [False, False, True, False, False]
    assert s.orders.promise_hours.tolist() == [-1, 72, -1, -1, -1]


def test_cells_are_trimmed_of_spaces_and_ideographic_spaces(tmp_path: Path) -> None:
    files = with_cell("orders.csv", 4, "warehouse", "\u3000GZ ")
    files["orders.csv"][2][files["orders.csv"][0].index("weight_g")] = " 1500"
    s = sc.read_scenario(write_dir(tmp_path, files))
    assert s.orders.warehouse[2] == "GZ"
    assert s.orders.weight_g[1] == 1500


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    plain = sc.load_problem(write_dir(tmp_path / "plain"))
    bom = sc.load_problem(write_dir(tmp_path / "bom", bom=True))
    assert solver.solve(bom).total_fen == solver.solve(plain).total_fen


def test_allocation_of_the_small_scenario(tmp_path: Path) -> None:
    p = sc.load_problem(write_dir(tmp_path))
    s = solver.solve(p)
    rows = dict((r[0], r[1:]) for r in sc.allocation_rows(p, s))
    # ZTO@HZ takes 2 (A-1 440, A-4 440), A-2 (1.5 kg) spills to ZTO@GZ at 680
    assert rows["A-1"] == ["ZTO", "HZ", "440", ""]
    assert rows["A-4"] == ["ZTO", "HZ", "440", ""]
    assert rows["A-2"] == ["ZTO", "GZ", "680", ""]
    assert rows["A-3"] == ["SF", "GZ", "1500", ""]
    assert rows["A-5"] == ["", "", "", "no_lane"]


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "line", "column", "value", "words"),
    [
        ("rates.csv", 3, "first_price_fen", "-480", "must not be negative"),
        ("rates.csv", 4, "step_weight_g", "0", "at least 1"),
        ("rates.csv", 2, "carrier", "STO", "unknown carrier 'STO'"),
        ("capacity.csv", 2, "max_parcels", "lots", "not a whole number: 'lots'"),
        ("capacity.csv", 2, "max_parcels", "2.5", "not a whole number"),
        ("capacity.csv", 2, "warehouse", "SH", "unknown warehouse 'SH'"),
        ("orders.csv", 4, "warehouse", "BJ", "unknown warehouse 'BJ'"),
        ("orders.csv", 3, "weight_g", "", "empty"),
        ("orders.csv", 5, "promise_hours", "soon", "not a whole number"),
        ("orders.csv", 6, "order_id", "A-1", "duplicate order_id 'A-1' (first on line 2)"),
        ("carriers.csv", 3, "cold_chain", "yes", "must be 0 or 1"),
        ("carriers.csv", 2, "volumetric_divisor", "0", "at least 1"),
        ("warehouses.csv", 3, "code", "HZ", "duplicate warehouse"),
    ],
)
def test_bad_cells_name_file_line_and_column(
    tmp_path: Path, file: str, line: int, column: str, value: str, words: str
) -> None:
    err = error_of(write_dir(tmp_path, with_cell(file, line, column, value)))
    assert err.message.startswith(f"{file}, line {line}, column {column}: ")
    assert words in err.message
    assert isinstance(err.detail, dict)
    assert (err.detail["file"], err.detail["line"], err.detail["column"]) == (file, line, column)


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    files = dict(FILES)
    files["orders.csv"] = [
        [c for c in r if c] for r in [[("" if c == "dest_province" else c) for c in FILES["orders.csv"][0]]]
    ]
    err = error_of(write_dir(tmp_path, files))
    assert err.message.startswith("orders.csv, line 1, column dest_province: required column missing")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    d = write_dir(tmp_path)
    (d / "capacity.csv").unlink()
    assert "capacity.csv: file missing" in error_of(d).message


def test_a_ragged_row_is_reported_with_its_line(tmp_path: Path) -> None:
    files = {k: [list(r) for r in v] for k, v in FILES.items()}
    files["rates.csv"][2] = files["rates.csv"][2][:5]
    err = error_of(write_dir(tmp_path, files))
    assert err.message.startswith("rates.csv, line 3: expected 8 fields")


def test_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    d = write_dir(tmp_path, with_cell("orders.csv", 4, "weight_g", "heavy"))
    text = (d / "orders.csv").read_text(encoding="utf-8").splitlines()
    (d / "orders.csv").write_text("\n".join([*text[:2], "", *text[2:]]) + "\n", encoding="utf-8")
    assert error_of(d).message.startswith("orders.csv, line 5, column weight_g")


def test_every_error_is_listed_in_the_detail(tmp_path: Path) -> None:
    files = with_cell("orders.csv", 2, "weight_g", "x")
    files["orders.csv"][3][files["orders.csv"][0].index("length_mm")] = "-1"
    err = error_of(write_dir(tmp_path, files))
    assert isinstance(err.detail, dict)
    assert [(e["line"], e["column"]) for e in err.detail["errors"]] == [(2, "weight_g"), (4, "length_mm")]
    assert "(and 1 more)" in err.message


def test_non_utf8_is_reported(tmp_path: Path) -> None:
    d = write_dir(tmp_path)
    (d / "warehouses.csv").write_bytes("code,province\nHZ,浙江省\n".encode("gb18030"))
    assert "warehouses.csv, line 2: not valid UTF-8" in error_of(d).message


# --- writing and the command --------------------------------------------------------------------


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return cli.run(parser.parse_args(list(argv)))


def test_allocate_writes_the_csv_and_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "allocation.csv"
    assert run_cli("--scenario", str(write_dir(tmp_path / "s")), "--out", str(out), "--json") == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["orders"] == 5 and summary["served"] == 4 and summary["unservable"] == 1
    assert summary["total_fen"] == 440 + 440 + 680 + 1500
    assert summary["lp_bound_fen"] == summary["total_fen"]
    assert summary["greedy_fen"] >= summary["total_fen"]
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["order_id", "carrier", "warehouse", "freight_fen", "reason"]
    assert rows[1] == ["A-1", "ZTO", "HZ", "440", ""]
    assert rows[5] == ["A-5", "", "", "", "no_lane"]
    assert not list(out.parent.glob(".*.tmp"))


def test_allocate_prints_a_readable_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("--scenario", str(write_dir(tmp_path))) == 0
    text = capsys.readouterr().out
    assert "unservable   1 (no_lane 1)" in text
    assert "total        ¥30.60 (3060 fen)" in text


def test_bad_input_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = write_dir(tmp_path / "s", with_cell("capacity.csv", 2, "max_parcels", "many"))
    out = tmp_path / "allocation.csv"
    assert run_cli("--scenario", str(d), "--out", str(out)) == 2
    assert "capacity.csv, line 2, column max_parcels" in capsys.readouterr().err
    assert not out.exists()
    out.write_text("previous run\n", encoding="utf-8")
    assert run_cli("--scenario", str(d), "--out", str(out)) == 2
    assert out.read_text(encoding="utf-8") == "previous run\n"


def test_a_scenario_without_orders_allocates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {**FILES, "orders.csv": FILES["orders.csv"][:1]}
    out = tmp_path / "a.csv"
    assert run_cli("--scenario", str(write_dir(tmp_path / "s", files)), "--out", str(out), "--json") == 0
    assert json.loads(capsys.readouterr().out)["total_fen"] == 0
    assert out.read_text(encoding="utf-8") == "order_id,carrier,warehouse,freight_fen,reason\n"


def test_slots_add_a_slot_column(tmp_path: Path) -> None:
    files = with_cell("orders.csv", 2, "promise_hours", "49")  # only 1 h + 48 h fits
    files["slots.csv"] = [
        ["carrier", "warehouse", "slot", "depart_hours", "max_parcels"],
        ["ZTO", "HZ", "09:00", "1", "1"],
        ["ZTO", "HZ", "15:00", "7", ""],
    ]
    p = sc.load_problem(write_dir(tmp_path / "s", files))
    s = solver.solve(p)
    out = tmp_path / "a.csv"
    sc.write_allocation(out, p, s)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = {r[0]: r for r in csv.reader(fh)}
    assert rows["order_id"][-1] == "slot"
    assert rows["A-1"][1:3] == ["ZTO", "HZ"] and rows["A-1"][-1] == "09:00"
    assert rows["A-5"][-1] == ""
