"""PNG plots of ``fairgate eval images``: recall per transform, and ROC curves."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fairgate.evaluate.image_robustness import Report

KEY_SIGNALS = (
    "pdq",
    "pdq+dihedral",
    "imagehash phash",
    "perception PHash",
    "engine: pdq only",
    "engine",
)


def plot(report: Report, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths: list[Path] = []
    shown = [r for r in report.results if r.name in KEY_SIGNALS] or report.results
    fig, ax = plt.subplots(figsize=(max(10, len(report.steps) * 0.45), 5))
    width = 0.8 / max(1, len(shown))
    for k, result in enumerate(shown):
        xs = [i + k * width for i in range(len(report.steps))]
        ax.bar(xs, [100 * result.by_step.get(s, 0) for s in report.steps], width, label=result.name)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(report.steps))])
    ax.set_xticklabels(report.steps, rotation=70, ha="right", fontsize=8)
    ax.set_ylabel(f"recall % at precision >= {100 * report.target:g}%")
    ax.axhline(90, color="grey", linewidth=0.8, linestyle="--")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8, ncol=3)
    fig.tight_layout()
    paths.append(folder / "visual-recall.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 5))
    for result in report.results:
        if result.fpr:
            ax.plot([max(f, 1e-6) for f in result.fpr], result.tpr, label=result.name)
    ax.set_xscale("log")
    ax.set_xlim(1e-6, 1)
    ax.set_xlabel("false positive rate (distractor pairs)")
    ax.set_ylabel("true positive rate")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    paths.append(folder / "visual-roc.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths
