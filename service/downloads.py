"""CSV downloads (list, compare, review, profile): UTF-8 with a byte-order mark, so Excel on Windows reads the
Chinese names, and a header block of `#` lines naming what it is, the weighting, the date and the build.

Read one back by skipping the BOM and the lines that start with `#` (`read_csv(..., comment="#")`)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from fastapi.responses import Response

from matcher.artifact.store import Bundle

BOM = "\ufeff"


def cell(text: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) is prefixed with ' (OWASP CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def build_id(bundle: Bundle) -> str:
    """The artifact a download was answered from: its name and build time, or that it was fitted in-process."""
    m = bundle.manifest or {}
    if m.get("artifact"):
        return f"{m['artifact']} (built {m.get('built_at', 'time not recorded')}, version {m.get('version', '?')})"
    return "model fitted in this process (no saved artifact)"


def header(bundle: Bundle, what: str, weighting: str | None) -> list[str]:
    lines = [f"# {what}", f"# Weighting: {weighting or 'not applicable'}",
             f"# Date: {datetime.now(UTC).date().isoformat()}", f"# Build: {build_id(bundle)}",
             "# Source and method: /methodology on the same server"]
    return [cell_line.replace("\n", " ") for cell_line in lines]


def csv_response(bundle: Bundle, rows: list[list], filename: str, what: str, weighting: str | None) -> Response:
    buf = io.StringIO()
    buf.write(BOM)
    for line in header(bundle, what, weighting):
        buf.write(line + "\r\n")
    w = csv.writer(buf)
    for row in rows:
        w.writerow([cell(x) if isinstance(x, str) else x for x in row])
    return Response(buf.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def read_rows(text: str) -> list[dict]:
    """The rows of one of these downloads (tests and scripts): BOM and header block skipped."""
    body = [line for line in text.lstrip(BOM).splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(body))))
