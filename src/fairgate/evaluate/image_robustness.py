"""``fairgate eval images``: does a disguised copy of a listed image still match?

1. Originals (``image_originals``) are split in two: every other one is
   *listed*, the rest are *unlisted*. Each original of both halves gets
   every transform of the suite (``image_transforms``): queries of listed
   originals should match their original, queries of unlisted ones nothing.
2. Every scorer (``image_scorers``: fairgate's signals one by one, and the
   baselines) scores every query against every listed original; recall is
   read at the threshold that keeps precision >= ``target`` over all pairs
   (``image_metrics``).
3. The whole engine is measured as it runs: a temporary SQLite database with
   the listed originals added as files (``lists add``), every query screened
   with ``Engine.screen`` at the configured thresholds; a reason naming
   another original's entry is a false match. The same is done with the
   visual signals off (PDQ + dihedral alone), for recall and time in the
   same run.

Output: Markdown table, CSV (one row per transform and signal), PNG plots.
"""

from __future__ import annotations

import csv
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fairgate.bench.machine import machine
from fairgate.evaluate import image_metrics as metrics
from fairgate.evaluate.image_originals import DEFAULT_DIRS, Original, originals
from fairgate.evaluate.image_scorers import Sample, Scorer, default_scorers, sample
from fairgate.evaluate.image_transforms import Step, apply, select
from fairgate.settings import Settings
from fairgate.types import Attachment, ListAction, ListType, Message

Progress = Callable[[str], None] | None
PACKAGES = ("augly", "imagehash", "perception", "opencv-python-headless", "pdqhash", "faiss-cpu")


@dataclass(frozen=True, slots=True)
class Query:
    original: int
    """Index into the originals."""
    step: str
    sample: Sample = field(repr=False)


@dataclass
class SignalResult:
    name: str
    operating: metrics.Operating
    by_step: dict[str, float]
    kind: str = "signal"
    """``signal`` (threshold swept) or ``engine`` (thresholds as configured)."""
    fpr: list[float] = field(default_factory=list)
    tpr: list[float] = field(default_factory=list)
    ms_p50: float | None = None
    ms_p90: float | None = None


@dataclass
class Report:
    originals: int
    listed: int
    steps: list[str]
    queries: int
    target: float
    results: list[SignalResult]
    machine: dict[str, str]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "originals": self.originals,
            "listed": self.listed,
            "queries": self.queries,
            "precision_target": self.target,
            "transforms": self.steps,
            "machine": self.machine,
            "notes": self.notes,
            "signals": [
                {
                    "name": r.name,
                    "kind": r.kind,
                    "threshold": r.operating.threshold,
                    "recall": r.operating.recall,
                    "precision": r.operating.precision,
                    "true_matches": r.operating.true_matches,
                    "false_matches": r.operating.false_matches,
                    "positive_pairs": r.operating.positives,
                    "distractor_pairs": r.operating.negatives,
                    "by_transform": r.by_step,
                    "ms_p50": r.ms_p50,
                    "ms_p90": r.ms_p90,
                }
                for r in self.results
            ],
        }

    def render(self) -> str:
        names = [r.name for r in self.results]
        head = "| transform | " + " | ".join(names) + " |"
        lines = [head, "|" + " --- |" * (len(names) + 1)]
        for step in self.steps:
            cells = [f"{100 * r.by_step.get(step, 0):.0f}" for r in self.results]
            lines.append(f"| {step} | " + " | ".join(cells) + " |")
        lines.append(
            "| **overall** | "
            + " | ".join(f"**{100 * r.operating.recall:.1f}**" for r in self.results)
            + " |"
        )
        lines.append(
            "| worst transform | "
            + " | ".join(f"{100 * min(r.by_step.values(), default=0):.0f}" for r in self.results)
            + " |"
        )
        lines.append(
            "| precision | "
            + " | ".join(f"{100 * r.operating.precision:.3f}" for r in self.results)
            + " |"
        )
        lines.append(
            "| false matches | "
            + " | ".join(str(r.operating.false_matches) for r in self.results)
            + " |"
        )
        lines.append(
            "| threshold | "
            + " | ".join(
                "config" if r.kind == "engine" else f"{r.operating.threshold:g}"
                for r in self.results
            )
            + " |"
        )
        timing = [r for r in self.results if r.ms_p50 is not None]
        out = [
            f"{self.originals} originals ({self.listed} listed), {len(self.steps)} transforms, "
            f"{self.queries} queries; recall (%) at precision >= {100 * self.target:g}% over "
            f"{self.results[0].operating.negatives if self.results else 0} distractor pairs",
            "",
            *lines,
            "",
        ]
        for r in timing:
            out.append(f"- {r.name}: p50 {r.ms_p50:.1f} ms, p90 {r.ms_p90:.1f} ms per image")
        out.append("")
        out.append("machine: " + ", ".join(f"{k} {v}" for k, v in self.machine.items()))
        out += [f"- {note}" for note in self.notes]
        return "\n".join(out)

    def write(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / "visual.md", folder / "visual.csv", folder / "visual.json"]
        paths[0].write_text(self.render() + "\n", encoding="utf-8")
        with paths[1].open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["signal", "kind", "transform", "recall", "threshold", "precision"])
            for r in self.results:
                for step, value in [*r.by_step.items(), ("overall", r.operating.recall)]:
                    writer.writerow(
                        [
                            r.name,
                            r.kind,
                            step,
                            f"{value:.4f}",
                            r.operating.threshold,
                            f"{r.operating.precision:.6f}",
                        ]
                    )
        paths[2].write_text(json.dumps(self.to_dict(), indent=1), encoding="utf-8")
        from fairgate.evaluate.image_plots import plot

        paths += plot(self, folder)
        return paths


def _queries(originals_: Sequence[Original], steps: Sequence[Step], seed: int) -> list[Query]:
    out: list[Query] = []
    for k, original in enumerate(originals_):
        for step in steps:
            out.append(
                Query(k, step.name, sample(apply(step, original.image, seed + k), quality=90))
            )
    return out


def _signal_result(
    scorer: Scorer,
    refs: Sequence[Sample],
    queries: Sequence[Query],
    truth: list[int],
    target: float,
) -> SignalResult:
    scorer.add_references(refs)
    distances = np.stack([scorer.distances(q.sample) for q in queries])
    point = metrics.operating_point(distances, truth, target)
    hit = metrics.recalled(distances, truth, point.threshold)
    by_step = _by_step(queries, truth, hit)
    fpr, tpr = metrics.roc(distances, truth)
    keep = np.unique(np.linspace(0, len(fpr) - 1, num=min(len(fpr), 400)).astype(int))
    return SignalResult(scorer.name, point, by_step, fpr=fpr[keep].tolist(), tpr=tpr[keep].tolist())


def _by_step(queries: Sequence[Query], truth: list[int], hit: Any) -> dict[str, float]:
    totals: dict[str, list[int]] = {}
    for q, query in enumerate(queries):
        if truth[q] < 0:
            continue
        cell = totals.setdefault(query.step, [0, 0])
        cell[0] += int(hit[q])
        cell[1] += 1
    return {step: ok / n for step, (ok, n) in totals.items()}


def engine_result(
    name: str,
    settings: Settings,
    refs: Sequence[Sample],
    queries: Sequence[Query],
    truth: list[int],
) -> SignalResult:
    """Screen every query through a real Engine whose list holds ``refs``."""
    from fairgate.engine import Engine

    with tempfile.TemporaryDirectory(prefix="fairgate-eval-images-") as tmp:
        folder = Path(tmp)
        paths = []
        for k, ref in enumerate(refs):
            path = folder / f"ref-{k:04d}.jpg"
            path.write_bytes(ref.data)
            paths.append(path)
        engine_settings = settings.model_copy(
            update={"database_url": f"sqlite:///{folder / 'eval.db'}"}
        )
        with Engine.open(settings=engine_settings) as engine:
            engine.lists.create("known", ListType.IMAGE, action=ListAction.BLOCK, by="eval")
            added = engine.lists.add_files("known", paths, by="eval")
            owner = {a.entry_id: int(Path(a.source).stem.split("-")[1]) for a in added.added}
            hits = np.zeros(len(queries), dtype=np.bool_)
            false = 0
            times: list[float] = []
            for q, query in enumerate(queries):
                message = Message(sender="eval", attachments=(Attachment(query.sample.data),))
                start = time.perf_counter()
                decision = engine.screen(message)
                times.append((time.perf_counter() - start) * 1000)
                matched = {
                    owner[r.match.entry_id]
                    for r in decision.reasons
                    if r.match is not None and r.match.entry_id in owner
                }
                hits[q] = truth[q] >= 0 and truth[q] in matched
                false += len(matched - {truth[q]})
    positives = sum(1 for t in truth if t >= 0)
    tp = int(hits.sum())
    point = metrics.Operating(
        threshold=0.0,
        recall=tp / max(1, positives),
        precision=tp / (tp + false) if tp + false else 1.0,
        true_matches=tp,
        false_matches=false,
        positives=positives,
        negatives=len(queries) * len(refs) - positives,
    )
    ordered = sorted(times)
    return SignalResult(
        name,
        point,
        _by_step(queries, truth, hits),
        kind="engine",
        ms_p50=statistics.median(ordered),
        ms_p90=ordered[int(0.9 * (len(ordered) - 1))],
    )


def run(
    dirs: Sequence[Path] = DEFAULT_DIRS,
    *,
    size: int = 512,
    limit: int | None = 60,
    transforms: tuple[str, ...] | None = None,
    target: float = 0.9999,
    seed: int = 0,
    baselines: bool = True,
    engine: bool = True,
    settings: Settings | None = None,
    progress: Progress = None,
) -> Report:
    settings = settings or Settings()
    steps = select(transforms)
    say = progress or (lambda _line: None)
    found = originals(dirs, size=size, limit=limit)
    if len(found) < 2:
        raise ValueError(
            f"found {len(found)} usable photos in {', '.join(map(str, dirs))}; need at least 2"
        )
    listed_idx = list(range(0, len(found), 2))
    position = {orig: k for k, orig in enumerate(listed_idx)}
    refs = [sample(found[k].image, quality=95) for k in listed_idx]
    say(f"{len(found)} originals ({len(refs)} listed); building {len(found) * len(steps)} queries")
    queries = _queries(found, steps, seed)
    truth = [position.get(q.original, -1) for q in queries]
    results: list[SignalResult] = []
    for scorer in default_scorers(settings, baselines=baselines):
        start = time.perf_counter()
        results.append(_signal_result(scorer, refs, queries, truth, target))
        say(
            f"{scorer.name}: recall {100 * results[-1].operating.recall:.1f}% "
            f"({time.perf_counter() - start:.0f} s)"
        )
    if engine:
        off = {
            "visual_trim": False,
            "visual_tiles": False,
            "visual_crop_entries": False,
            "visual_dense": False,
            "visual_local": False,
        }
        results.append(
            engine_result("engine: pdq only", settings.model_copy(update=off), refs, queries, truth)
        )
        say(f"engine pdq only: recall {100 * results[-1].operating.recall:.1f}%")
        on = settings.model_copy(update={"visual_local": True})
        results.append(engine_result("engine", on, refs, queries, truth))
        say(f"engine: recall {100 * results[-1].operating.recall:.1f}%")
    notes = [
        "signals: recall at the threshold swept for precision >= target over all pairs; "
        "engine columns: the configured settings, precision as measured",
        "queries are JPEG q90 files (the jpeg_* transforms at their own quality)",
    ]
    return Report(
        len(found),
        len(refs),
        [s.name for s in steps],
        len(queries),
        target,
        results,
        machine(packages=PACKAGES),
        notes,
    )
