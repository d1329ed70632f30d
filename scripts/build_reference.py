"""Build extractor/data/organisations.csv from the NHS Digital ODS extracts in ../shared/reference.

Run by hand when the reference extracts change:  python scripts/build_reference.py [REFERENCE_DIR]
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference"
OUT = ROOT / "extractor" / "data" / "organisations.csv"

# NHS England and its seven regions (ODS codes in use from 2019/20).
NATIONAL = [
    ("nhs_england", "X24", "NHS England", "", ""),
    ("region", "Y56", "NHS England London", "20190401", ""),
    ("region", "Y58", "NHS England South West", "20190401", ""),
    ("region", "Y59", "NHS England South East", "20190401", ""),
    ("region", "Y60", "NHS England Midlands", "20190401", ""),
    ("region", "Y61", "NHS England East of England", "20190401", ""),
    ("region", "Y62", "NHS England North West", "20190401", ""),
    ("region", "Y63", "NHS England North East and Yorkshire", "20190401", ""),
]


def main() -> None:
    rows: dict[tuple, set] = defaultdict(set)
    meta: dict[tuple, tuple] = {}
    with open(REFERENCE / "derived" / "ccg_reference_2015-16_to_2019-20.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            for name in {r["ods_name"], r["ons_name"]} - {""}:
                key = ("ccg", r["ods_code"], name)
                rows[key].add(r["period"])
                meta[key] = (r["ods_open_date"], r["ods_close_date"])
    for snapshot in sorted((REFERENCE / "ods-etr-trusts").glob("*.csv")):
        with open(snapshot, newline="", encoding="utf-8", errors="replace") as fh:
            for r in csv.reader(fh):
                if len(r) > 11 and r[0] and r[1]:
                    key = ("trust", r[0], r[1])
                    rows.setdefault(key, set())
                    meta[key] = (r[10], r[11])
    out = [
        (kind, code, name, " ".join(sorted(periods)), *meta[(kind, code, name)])
        for (kind, code, name), periods in rows.items()
    ]
    out += [(kind, code, name, "", opened, closed) for kind, code, name, opened, closed in NATIONAL]
    out.sort(key=lambda r: (r[0], r[1], r[2]))
    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["kind", "code", "name", "periods", "open_date", "close_date"])
        writer.writerows(out)
    print(f"wrote {len(out)} rows to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
