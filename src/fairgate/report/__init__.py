"""The transparency report (``fairgate report``): numbers for one period, written as
Markdown, CSV and PNG charts. See docs/report.md for what each number counts."""
