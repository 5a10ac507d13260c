"""Reads the ledger workbook with openpyxl (an independent reader) and checks what a station
relies on: the sheet names and headers, one row per dossier, masked names and no ID number or
phone anywhere, a frozen header, an autofilter, a fill per warning level, A4 landscape print
settings, and a month x category summary whose totals match the server's figures.

Usage: check_ledger.py LEDGER.xlsx EXPECTED.json (written by station-outputs.test.js)."""

import json
import sys

import openpyxl

HEADERS = ["序号", "卷宗号", "登记时间", "来源", "纠纷类型", "当事人", "简要情况", "预警等级",
           "化解措施", "化解结果", "是否化解", "结案日期", "回访情况", "责任民警"]
SUMMARY = ["月份", "纠纷类型", "排查数", "调处数", "调处率", "成功数", "成功率"]
FILLS = {"红": "C62828", "橙": "EF6C00", "黄": "FFD54F", "蓝": "90CAF9"}


def mask(name):
    n = len(name)
    return "*" if n == 1 else name[0] + "*" if n == 2 else name[0] + "*" * (n - 2) + name[-1]


def main(path, expected_path):
    expected = json.load(open(expected_path, encoding="utf-8"))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["台账", "月度汇总"], book.sheetnames
    ledger = book["台账"]
    rows = list(ledger.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS, rows[0]
    body = rows[1:]
    assert len(body) == expected["rows"], (len(body), expected["rows"])
    assert [r[0] for r in body] == list(range(1, len(body) + 1)), "序号 runs 1..n"
    assert all(r[1] and "调字第" in r[1] for r in body), "every row has its 卷宗号"
    text = "\n".join(str(v) for r in rows for v in r if v is not None)
    for secret in expected["secrets"]:
        assert secret not in text, "an ID number or phone is in the ledger"
    parties = "、".join(str(r[5]) for r in body)
    for name in expected["names"]:
        assert mask(name) in parties, f"{mask(name)} missing"
        if len(name) >= 3:
            assert name not in text, "an unmasked name is in the ledger"
    assert ledger.freeze_panes == "A2", ledger.freeze_panes
    assert ledger.auto_filter.ref and ledger.auto_filter.ref.startswith("A1:N"), ledger.auto_filter.ref
    assert ledger.page_setup.orientation == "landscape"
    assert str(ledger.page_setup.paperSize) == "9", ledger.page_setup.paperSize
    assert ledger.print_title_rows and "1" in ledger.print_title_rows
    seen = set()
    for r in range(2, ledger.max_row + 1):
        cell = ledger.cell(row=r, column=8)
        if cell.value in FILLS:
            rgb = cell.fill.fgColor.rgb or ""
            assert rgb.endswith(FILLS[cell.value]), (cell.value, rgb)
            seen.add(cell.value)
    assert len(seen) >= 3, f"level fills seen: {seen}"

    summary = book["月度汇总"]
    srows = list(summary.iter_rows(values_only=True))
    assert list(srows[0]) == SUMMARY, srows[0]
    lines = srows[1:]
    assert sum(r[2] for r in lines) == expected["opened"] == expected["rows"]
    assert sum(r[3] for r in lines) == expected["closed"]
    assert sum(r[5] for r in lines) == expected["resolved"]
    for i, r in enumerate(lines, start=2):
        if r[2]:
            assert abs(r[4] - r[3] / r[2]) < 1e-9, ("调处率", r)
        if r[3]:
            assert abs(r[6] - r[5] / r[3]) < 1e-9, ("成功率", r)
            assert summary.cell(row=i, column=7).number_format == "0.0%"
    print(f"ledger ok: {len(body)} rows, {len(lines)} summary lines")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
