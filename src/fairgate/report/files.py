"""Write a whole report into one folder: Markdown, CSV tables and PNG charts."""

from __future__ import annotations

from pathlib import Path

from fairgate.errors import FairgateError, InvalidInput
from fairgate.report.charts import write_charts
from fairgate.report.model import Report
from fairgate.report.render import write_csvs, write_markdown


def write_report(report: Report, folder: Path, *, max_chart_rules: int) -> list[Path]:
    """Create ``folder`` if needed and write every file into it (replacing earlier
    ones of the same name). ``InvalidInput`` if ``folder`` is a file; a
    ``FairgateError`` if the files cannot be written."""
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"--out {folder}: exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = write_csvs(report, folder)
        charts = write_charts(report, folder, max_rules=max_chart_rules)
        markdown = write_markdown(report, folder, charts)
    except OSError as exc:
        raise FairgateError(f"cannot write the report to {folder}: {exc}") from None
    return [markdown, *written, *charts]
