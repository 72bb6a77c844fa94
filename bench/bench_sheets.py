"""Memory of reading hostile spreadsheets: an xlsx of millions of short rows (a few MB that unzip
to hundreds), and a 19 MB csv of 3.3 million rows. Each is read in its own process through the
import base (``Importer.parse``, which streams under the row, column and cell caps) and its peak
RSS printed; BENCH_CALAMINE=1 also prints what building the whole sheet with python-calamine costs.

Sizes: BENCH_SHEET_ROWS (default 3,300,000).
"""

DATABASES = ("sqlite",)

import io  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, figure  # noqa: E402

ROWS = int(os.environ.get("BENCH_SHEET_ROWS", "3300000"))

_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def xlsx_of_short_rows(rows: int) -> bytes:
    """A header and ``rows`` rows of inline strings, streamed into the zip (never held whole)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                b'<row><c t="inlineStr"><is><t>\xe5\xa7\x93\xe5\x90\x8d</t></is></c>'
                b'<c t="inlineStr"><is><t>\xe5\xb7\xa5\xe4\xbd\x9c\xe5\x8d\x95\xe4\xbd\x8d</t></is></c></row>'
            )
            # A counter in each row keeps the compression ratio under the zip check's 200:1, as the
            # 2 MB file that unpacked to 409 MB did.
            for start in range(0, rows, 10_000):
                sheet.write(
                    b"".join(
                        b'<row><c t="inlineStr"><is><t>%d</t></is></c><c t="inlineStr"><is><t>aa</t></is></c></row>'
                        % n
                        for n in range(start, min(rows, start + 10_000))
                    )
                )
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def csv_of_short_rows(rows: int) -> bytes:
    return "姓名,工作单位\n".encode() + b"a,b\n" * rows


CHILD = r"""
import resource, sys, time
sys.path.insert(0, {root!r})
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from dangjian.core.importing import Importer, ImportColumn
data = open({path!r}, "rb").read()
mode = {mode!r}
start = time.perf_counter()
if mode == "calamine":
    import io
    from python_calamine import CalamineWorkbook
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    outcome = f"{{sheet.height}} rows built"
else:
    class Two(Importer):
        columns = [ImportColumn("name", "姓名", required=True), ImportColumn("unit", "工作单位")]
    report = Two().parse(data, {name!r})
    outcome = "; ".join(i.message for i in report.file_issues) or f"{{len(report.rows)}} rows"
ms = (time.perf_counter() - start) * 1000
print(f"{{ms:.0f}}|{{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}}|{{outcome}}")
"""


def measure(label: str, data: bytes, name: str, mode: str = "stream") -> None:
    with tempfile.NamedTemporaryFile(suffix=Path(name).suffix, delete=False) as handle:
        handle.write(data)
        path = handle.name
    try:
        code = CHILD.format(root=str(ROOT), path=path, mode=mode, name=name)
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=3600)
        if result.returncode:
            figure(label, f"failed: {result.stderr.strip().splitlines()[-1:]}")
            return
        ms, rss, outcome = result.stdout.strip().splitlines()[-1].split("|", 2)
        figure(f"{label}: peak RSS", rss, "MB")
        figure(f"{label}: time", ms, "ms")
        figure(f"{label}: outcome", outcome)
    finally:
        os.unlink(path)


def main(db: str) -> None:
    start = time.perf_counter()
    xlsx = xlsx_of_short_rows(ROWS)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        unpacked = sum(i.file_size for i in z.infolist())
    figure(f"xlsx of {ROWS:,} short rows: file", f"{len(xlsx) / 1e6:.1f}", "MB")
    figure("xlsx: unpacked XML", f"{unpacked / 1e6:.0f}", "MB")
    figure("files generated in", f"{time.perf_counter() - start:.1f}", "s")
    measure("xlsx through Importer.parse (streaming, caps)", xlsx, "bomb.xlsx")
    if os.environ.get("BENCH_CALAMINE"):
        measure("xlsx whole sheet in python-calamine", xlsx, "bomb.xlsx", mode="calamine")
    data = csv_of_short_rows(ROWS)
    figure(f"csv of {ROWS:,} short rows: file", f"{len(data) / 1e6:.1f}", "MB")
    measure("csv through Importer.parse (streaming, caps)", data, "many.csv")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
