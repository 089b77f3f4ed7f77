"""Day one from the command line only: an empty data dir to printed labels, every step a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"  # the shared 抖店 export sample, vendored
# The sample's SKUs, with SKU-3730 stocked short (1 unit; its orders want more than that in total).
SKUS = """sku_code,name,weight_g,length_mm,width_mm,height_mm,traits,declared_value_fen,barcode,shelf
SKU-3401,玻尿酸补水面膜 10片装,0.35kg,200,150,40,,5990,6901234500011,A-01
SKU-3402,玻尿酸补水面膜 20片装,650,220,160,60,,9990,,A-02
SKU-3510,手工牛轧糖 原味 500g,520,180,120,60,,3990,,B-01
SKU-3511,手工牛轧糖 抹茶 500g,520,180,120,60,,3990,,B-02
SKU-3620,山茶油 1L,1.1kg,90,90,280,液体;易碎,12800,,C-01
SKU-3730,玻璃香薰瓶,800,120,120,160,fragile,6800,,C-02
"""
STOCK = (
    "sku_code,quantity\nSKU-3401,200\nSKU-3402,200\nSKU-3510,200\nSKU-3511,200\nSKU-3620,200\nSKU-3730,1\n"
)


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "FAHUO_DATA_DIR": str(data_dir), "FAHUO_HUEY_IMMEDIATE": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("FAHUO_REDIS_URL", None)
    # With FAHUO_DATABASE_URL set (the PostgreSQL run) the commands share that database, which
    # pytest-django does not reset for a subprocess: keep them on SQLite in their own data dir.
    env.pop("FAHUO_DATABASE_URL", None)
    return env


def fahuo(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "fahuo.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )
    if ok:
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return proc


def as_json(env: dict[str, str], *args: str, ok: bool = True) -> Any:
    return json.loads(fahuo(env, *args, "--json", ok=ok).stdout)


@pytest.mark.slow
def test_an_empty_install_reaches_printed_labels_from_the_cli_alone(tmp_path: Path) -> None:
    env = _env(tmp_path / "data")
    (tmp_path / "data").mkdir()
    fahuo(env, "manage", "migrate", "-v0")

    assert as_json(env, "shops", "add", "xiaoyu", "--name", "小雨直播间", "--platform", "douyin") == {
        "code": "xiaoyu",
        "name": "小雨直播间",
        "platform": "douyin",
    }
    wh = as_json(
        env, "warehouses", "add", "HZ", "--name", "杭州仓", "--province", "浙江", "--city", "杭州",
        "--district", "余杭区", "--address", "文一西路1000号",
    )  # fmt: skip
    assert (wh["province"], wh["city"]) == ("浙江省", "杭州市")

    skus = tmp_path / "skus.csv"
    skus.write_text(SKUS, encoding="utf-8")
    assert as_json(env, "skus", "import", str(skus)) == {
        "created": 6,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
    }
    stock = tmp_path / "stock.csv"
    stock.write_text(STOCK, encoding="utf-8")
    assert as_json(env, "stock", "import", str(stock), "--warehouse", "HZ") == {
        "rows": 6,
        "changed": 6,
        "errors": [],
    }
    assert as_json(
        env, "carriers", "add", "ZTO", "--name", "中通快递", "--provider", "sandbox", "--test"
    ) == {
        "code": "ZTO",
        "name": "中通快递",
        "provider": "sandbox",
        "test": True,
    }
    fahuo(env, "capacity", "set", "ZTO", "HZ", "--max-parcels", "500", "--per-hour", "100")
    fahuo(env, "rates", "import", str(DATA / "rates_all.csv"), "--carrier", "ZTO", "--origin", "浙江省")

    report = as_json(env, "import", "orders", str(DATA / "douyin_order_export.csv"), "--shop", "xiaoyu")
    assert report["orders_created"] >= 20

    # Stock is reserved as the orders arrive; the SKU stocked short flags its orders 缺货.
    levels = {r["sku_code"]: r for r in as_json(env, "stock", "list", "--warehouse", "HZ")}
    assert all(r["available"] == r["on_hand"] - r["reserved"] >= 0 for r in levels.values())
    assert levels["SKU-3401"]["reserved"] > 0
    assert levels["SKU-3730"]["available"] in (0, 1)
    orders = as_json(env, "orders", "list")
    short = [o for o in orders if "out_of_stock" in o["flags"]]
    assert short and all(o["status"] == "needs_review" for o in short)

    fahuo(env, "allocate", "--pending", "--apply")
    fahuo(env, "batches", "create", "--all-ready", "--run")

    printed = as_json(env, "orders", "list", "--status", "printed")
    assert printed, orders
    assert all(o["carrier"] == "ZTO" and o["warehouse"] == "HZ" for o in printed)
    # Nothing short was allocated or printed; nothing was printed without a carrier.
    assert {o["order_id"] for o in short}.isdisjoint(o["order_id"] for o in printed)
    assert as_json(env, "orders", "list", "--status", "ready") == []
    after = {r["sku_code"]: r for r in as_json(env, "stock", "list")}
    assert after["SKU-3401"]["reserved"] == levels["SKU-3401"]["reserved"]  # deducted at pack, not print
    assert list(tmp_path.glob("data/**/*.pdf")), "no label PDF written"


@pytest.mark.slow
def test_bad_set_up_input_is_reported_and_changes_nothing(tmp_path: Path) -> None:
    env = _env(tmp_path / "data")
    (tmp_path / "data").mkdir()
    fahuo(env, "manage", "migrate", "-v0")
    bad = tmp_path / "bad.csv"
    bad.write_text("sku_code,name,weight_g\nA,甲,1.2kg\nB,乙,abc\nA,甲二,100\nC,丙,-5\n", encoding="utf-8")
    proc = fahuo(env, "skus", "import", str(bad), "--json", ok=False)
    assert proc.returncode == 1
    errors = json.loads(proc.stdout)["errors"]
    assert {e["row"] for e in errors} == {3, 4, 5}
    assert as_json(env, "stock", "list") == []
    missing = fahuo(env, "stock", "import", str(bad), "--warehouse", "NOPE", "--json", ok=False)
    assert missing.returncode == 2 and json.loads(missing.stdout)["error"] == "not_found"
    sandbox = fahuo(
        env, "carriers", "add", "SB", "--name", "沙箱", "--provider", "sandbox", "--json", ok=False
    )
    assert sandbox.returncode == 2 and "测试" in json.loads(sandbox.stdout)["message"]
    dup = fahuo(env, "shops", "add", "s1", "--name", "店", "--platform", "private", "--json")
    assert json.loads(dup.stdout)["platform"] == "private"
    again = fahuo(env, "shops", "add", "s1", "--name", "店", "--platform", "private", "--json", ok=False)
    assert again.returncode == 2 and json.loads(again.stdout)["error"] == "conflict"
