"""Make docs/report.png, the README's picture of `nhs-extract report`.

Extracts the sample corpus, compares it with a copy of its golden folder in which one
rating is changed, writes the report with page crops, opens it in headless Chromium
(tests/browser.py), picks the PDF board paper in the document filter and saves the page.

    .venv/bin/python scripts/report_screenshot.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from tests.browser import Chromium, find_chromium  # noqa: E402

DOC = "board_paper/governing-body-assessment-2019.pdf"


def main() -> None:
    binary = find_chromium()
    if binary is None:
        sys.exit("needs chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "corpus", work / "corpus", ignore=shutil.ignore_patterns("golden"))
        golden = work / "golden"
        shutil.copytree(ROOT / "corpus" / "golden", golden)

        def nhs(*args: str, check: bool = True) -> None:  # run in the temporary folder: the page shows short paths
            subprocess.run([sys.executable, "-m", "extractor", *args], cwd=work, check=check,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})

        nhs("extract", "corpus", "--out", "out", "-q", "--no-cache", check=False)  # exit 1: three files are partial
        ratings = (golden / "ratings.csv").read_text(encoding="utf-8").splitlines()
        at = next(i for i, line in enumerate(ratings) if line.startswith(DOC + ",Cannock Chase CCG,"))
        ratings[at] = ratings[at].replace(",inadequate,", ",good,", 1)
        (golden / "ratings.csv").write_text("\n".join(ratings) + "\n", encoding="utf-8")
        html = work / "report.html"
        nhs("report", "out", "--golden", "golden", "--input", "corpus", "--html", "report.html")
        with Chromium(binary, width=1200, height=1700) as browser:
            browser.open(html.as_uri())
            browser.evaluate("""(async () => {
              const s = document.getElementById('f-doc'); s.value = %r; s.dispatchEvent(new Event('change'));
              for (const img of document.images) { img.loading = 'eager'; }
              await Promise.all([...document.images].map(i => i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; })));
            })()""" % DOC)
            browser.screenshot(work / "shot.png")
        with Image.open(work / "shot.png") as shot:
            small = shot.convert("RGB").resize((900, round(shot.height * 900 / shot.width)), Image.Resampling.LANCZOS)
            small.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(ROOT / "docs" / "report.png", optimize=True)
    print(f"wrote docs/report.png ({(ROOT / 'docs' / 'report.png').stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
