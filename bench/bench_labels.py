"""Label rendering speed: fahuo's renderer against a hand-written reportlab reference loop.

The reference draws the same 100×180 label with straight canvas calls — ``drawString`` with
fill+stroke mode for every string, ``rect``/``line`` for the frame, the Code 128 bars and the QR
modules (horizontal runs merged) as one ``beginPath()`` path each — but none of fahuo's fitting (texts are sliced to fixed
character counts, no shrinking or wrapping by width), guards or caching. Both use the same QR
matrix function (``fahuo.kit.pdf.qr_matrix``; reportlab's own mask search is ~4 ms per code and
would dominate both) and the same document settings (Flate streams, no ASCII85). Caches are
cleared before every timed run.

    .venv/bin/python bench/bench_labels.py [--n 2000] [--repeats 3]

Prints labels/s for both, the ratio, the machine, and writes bench/results/printing.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import reportlab  # noqa: E402
from reportlab.graphics.barcode.code128 import Code128  # noqa: E402
from reportlab.pdfgen.canvas import FILL_NON_ZERO, Canvas  # noqa: E402

from bench_batch import cpu_model  # noqa: E402
from fahuo.fulfilment.labels.render import LabelData, render_labels  # noqa: E402
from fahuo.kit import pdf as kpdf  # noqa: E402
from fahuo.kit.privacy import mask_name, mask_phone  # noqa: E402

MM = 72 / 25.4

_CARRIERS = [
    ("中通快递", "标准快递"),
    ("圆通速递", "标准快递"),
    ("韵达快递", "标准快件"),
    ("顺丰速运", "顺丰标快"),
]
_MARKS = ["杭州转 临平", "广州转 白云", "上海 浦东", "成都转 双流", "北京 朝阳"]
_REGIONS = ["浙江省 杭州市 临平区", "广东省 广州市 白云区", "上海市 上海市 浦东新区", "四川省 成都市 双流区"]
_STREETS = ["南苑街道 人民大道", "太和镇 大源北路", "张江镇 科苑路", "东升街道 航空路", "文一西路"]
_SKUS = ["面膜10片装×2", "牛轧糖×1", "手工皂 薰衣草味×3", "保温杯 500ml 白色×1", "数据线 Type-C 1m×2"]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚"


def synthetic_labels(n: int, seed: int = 7) -> list[LabelData]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        carrier, service = rnd.choice(_CARRIERS)
        skus = "; ".join(rnd.sample(_SKUS, rnd.randint(1, 3)))
        out.append(
            LabelData(
                tracking_no=f"7{rnd.randint(10**12, 10**13 - 1)}",
                carrier_name=carrier,
                service_name=service,
                sort_code=f"{rnd.randint(100, 999)}-{rnd.choice('ABCDEFG')}{rnd.randint(1, 99):02d} {rnd.randint(0, 99):02d}",
                mark_destination=rnd.choice(_MARKS),
                recipient_name=rnd.choice(_SURNAMES) + "".join(rnd.sample(_GIVEN, rnd.randint(1, 2))),
                recipient_phone=f"1{rnd.choice('3456789')}{rnd.randint(0, 10**9 - 1):09d}",
                recipient_region=rnd.choice(_REGIONS),
                recipient_detail=f"{rnd.choice(_STREETS)} {rnd.randint(1, 999)}号 {rnd.randint(1, 30)}幢 {rnd.randint(101, 2505)}室",
                sender_name="小鹿严选旗舰店",
                sender_phone="15900001111",
                sender_address="广东省 广州市 白云区 太和镇 大源北路 88号 2栋 3楼 仓库",
                order_no=f"{rnd.randint(10**18, 10**19 - 1)}",
                sku_summary=skus,
                parcel_index=1,
                parcel_count=rnd.choice([1, 1, 1, 2]),
                weight_g=rnd.randint(100, 5000),
                printed_at="2025-06-18 14:32",
            )
        )
    return out


# --- the reference: the same label drawn with straight canvas calls -----------------------------


def reference_render(labels: list[LabelData]) -> bytes:
    font = kpdf.register_cjk_font()
    buf = io.BytesIO()
    w, h = 100 * MM, 180 * MM
    c = Canvas(buf, pagesize=(w, h), pageCompression=1, invariant=1, initialFontName=font)
    x0, x1 = 1.5 * MM, 98.5 * MM
    for lab in labels:
        # frame and rules
        c.setLineWidth(0.8)
        c.rect(x0, h - 114.5 * MM, x1 - x0, 113 * MM)
        c.rect(x0, 1.5 * MM, x1 - x0, 61 * MM)
        for y_mm in (13.5, 30.5, 56.5, 68.5, 97.5):
            c.line(x0, h - y_mm * MM, x1, h - y_mm * MM)
        c.line(x0, h - 133.5 * MM, x1, h - 133.5 * MM)
        c.line(x1 - 30 * MM, 1.5 * MM, x1 - 30 * MM, h - 133.5 * MM)
        c.setDash(2.5, 2)
        c.setLineWidth(0.5)
        c.line(0, h - 116 * MM, w, h - 116 * MM)
        c.setDash()
        # black boxes
        c.rect(74 * MM, h - 10.5 * MM, 22.5 * MM, 6 * MM, stroke=0, fill=1)
        c.rect(3 * MM, h - 77.5 * MM, 7.5 * MM, 7.5 * MM, stroke=0, fill=1)
        c.rect(3 * MM, h - 104 * MM, 5.6 * MM, 5.6 * MM, stroke=0, fill=1)
        c.rect(52 * MM, h - 10.5 * MM, 20 * MM, 6 * MM, stroke=1, fill=0)

        def text(x: float, y: float, s: str, size: float, stroke: float) -> None:
            c.setFont(font, size)
            c.setLineWidth(stroke)
            c.drawString(x, y, s, mode=2)

        text(4 * MM, h - 10 * MM, lab.carrier_name, 18, 1.5)
        text(54 * MM, h - 9 * MM, lab.service_name, 10.5, 0.9)
        c.setFillGray(1)
        c.setStrokeGray(1)
        text(76 * MM, h - 9 * MM, "隐私面单", 10, 0.85)
        text(4 * MM, h - 76 * MM, "收", 15, 1.3)
        text(3.5 * MM, h - 103 * MM, "寄", 11, 0.9)
        c.setFillGray(0)
        c.setStrokeGray(0)
        text(28 * MM, h - 25 * MM, lab.mark_destination, 30, 2.5)
        text(30 * MM, h - 55 * MM, lab.tracking_no, 12, 0.5)
        text(28 * MM, h - 65 * MM, lab.sort_code, 26, 2.2)
        text(92 * MM, h - 64 * MM, f"{lab.parcel_index}/{lab.parcel_count}", 12, 1.0)
        text(
            13 * MM,
            h - 75 * MM,
            f"{mask_name(lab.recipient_name)}  {mask_phone(lab.recipient_phone)}",
            13.5,
            1.15,
        )
        addr = f"{lab.recipient_region} {lab.recipient_detail}"
        for i in range(0, min(len(addr), 66), 22):
            text(13 * MM, h - (82 + i // 22 * 5) * MM, addr[i : i + 22], 11.5, 0.5)
        text(11 * MM, h - 102 * MM, f"{lab.sender_name}  {mask_phone(lab.sender_phone)}", 9, 0.75)
        text(11 * MM, h - 107 * MM, lab.sender_address[:40], 8.5, 0.4)
        text(38 * MM, h - 131.5 * MM, lab.tracking_no, 8, 0.36)
        sku = "物品：" + lab.sku_summary
        for i in range(0, min(len(sku), 84), 28):
            text(3.5 * MM, h - (139 + i // 28 * 4.5) * MM, sku[i : i + 28], 10, 0.45)
        text(3.5 * MM, h - 172 * MM, f"订单号：{lab.order_no}", 8.5, 0.4)
        text(3.5 * MM, h - 176 * MM, f"打印：{lab.printed_at}", 8.5, 0.4)
        text(75 * MM, h - 166 * MM, f"{lab.parcel_index}/{lab.parcel_count} 件", 12, 1.0)
        text(78 * MM, h - 170.5 * MM, f"{(lab.weight_g or 0) / 1000:.2f}kg", 8.5, 0.4)

        # Code 128, twice (main + stub), bars as one path each
        for bx, by, bw, bh in (
            (3.5 * MM, h - 50.5 * MM, 93 * MM, 18 * MM),
            (3.5 * MM, h - 129 * MM, 93 * MM, 9 * MM),
        ):
            sym = Code128(lab.tracking_no)
            sym.validate()
            sym.encode()
            pattern = sym.decompose()
            units = [ord(ch.upper()) - 64 for ch in pattern]
            module = bw / (sum(units) + 20)
            if bh < 10 * MM:  # stub barcode: at most 3 printer dots per module, centred
                module = min(module, 3 * 72 / 203)
                bx += (bw - (sum(units) + 20) * module) / 2
            p = c.beginPath()
            xx = bx + 10 * module
            for ch, u in zip(pattern, units, strict=True):
                if ch.isupper():
                    p.rect(xx, by, u * module, bh)
                xx += u * module
            c.drawPath(p, stroke=0, fill=1, fillMode=FILL_NON_ZERO)

        # QR as one path
        matrix = kpdf.qr_matrix(lab.qr_payload or lab.tracking_no)
        n = len(matrix)
        module = 26 * MM / (n + 8)
        qx, qy = 70.5 * MM + 4 * module, h - 160.5 * MM + 4 * module
        p = c.beginPath()
        for r, row in enumerate(matrix):
            y = qy + (n - 1 - r) * module
            col = 0
            while col < n:  # one rect per horizontal run of dark modules
                if row[col]:
                    start = col
                    while col < n and row[col]:
                        col += 1
                    p.rect(qx + start * module, y, (col - start) * module, module)
                else:
                    col += 1
        c.drawPath(p, stroke=0, fill=1, fillMode=FILL_NON_ZERO)
        c.showPage()
    c.save()
    return buf.getvalue()


# --- harness -------------------------------------------------------------------------------------


def _clear_caches() -> None:
    kpdf.qr_matrix.cache_clear()
    kpdf._qr_ops_for.cache_clear()
    kpdf.code128_bars.cache_clear()


def machine() -> dict[str, object]:
    return {
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "reportlab": reportlab.Version,
        "load_avg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }


def _time(fn: object, labels: list[LabelData]) -> tuple[float, float]:
    """(labels per wall-clock second, labels per CPU second of this process). On a shared
    machine the CPU-time rate is the steadier one; both renderers are single-threaded."""
    _clear_caches()
    w0, c0 = time.perf_counter(), time.process_time()
    fn(labels)  # type: ignore[operator]
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return len(labels) / wall, len(labels) / max(cpu, 1e-9)


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "printing.json")
    args = ap.parse_args(argv)

    labels = synthetic_labels(args.n)
    with kpdf.binary_streams():  # the reference gets the same stream encoding as fahuo
        reference_render(labels[:20])
    render_labels(labels[:20])

    def ref(batch: list[LabelData]) -> None:
        with kpdf.binary_streams():
            reference_render(batch)

    def ours(batch: list[LabelData]) -> None:
        render_labels(batch, size="100x180")

    ref_runs: list[tuple[float, float]] = []
    our_runs: list[tuple[float, float]] = []
    for _ in range(args.repeats):  # interleaved, so drift hits both alike
        ref_runs.append(_time(ref, labels))
        our_runs.append(_time(ours, labels))
    small = _time(lambda b: render_labels(b, size="76x130"), labels)

    ref_rate = statistics.median(r[0] for r in ref_runs)
    our_rate = statistics.median(r[0] for r in our_runs)
    ref_cpu = statistics.median(r[1] for r in ref_runs)
    our_cpu = statistics.median(r[1] for r in our_runs)
    result: dict[str, object] = {
        "reference_labels_per_s": round(ref_rate, 1),
        "fahuo_labels_per_s": round(our_rate, 1),
        "ratio": round(our_rate / ref_rate, 3),
        "reference_labels_per_cpu_s": round(ref_cpu, 1),
        "fahuo_labels_per_cpu_s": round(our_cpu, 1),
        "ratio_cpu": round(our_cpu / ref_cpu, 3),
        "fahuo_76x130_labels_per_s": round(small[0], 1),
        "n": args.n,
        "repeats": args.repeats,
        "size": "100x180",
        "runs_wall": {
            "reference": [round(r[0], 1) for r in ref_runs],
            "fahuo": [round(r[0], 1) for r in our_runs],
        },
        "machine": machine(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": ".venv/bin/python bench/bench_labels.py",
    }
    print(
        f"reference : {ref_rate:8.1f} labels/s  ({ref_cpu:.1f} per CPU s; runs {', '.join(f'{r[0]:.0f}' for r in ref_runs)})"
    )
    print(
        f"fahuo     : {our_rate:8.1f} labels/s  ({our_cpu:.1f} per CPU s; runs {', '.join(f'{r[0]:.0f}' for r in our_runs)})"
    )
    print(f"ratio     : {our_rate / ref_rate:8.3f}  wall, {our_cpu / ref_cpu:.3f} CPU  (target >= 0.667)")
    print(f"76x130    : {small[0]:8.1f} labels/s")
    m = result["machine"]
    assert isinstance(m, dict)
    print(f"machine   : {m['platform']} | {m['cpu']} | {m['cores']} cores | Python {m['python']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return result


if __name__ == "__main__":
    main()
