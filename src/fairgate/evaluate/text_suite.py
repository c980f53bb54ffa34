"""``fairgate eval text``: recall on an evasion suite, false positives on benign text.

Terms: the spam and scam terms of ``examples/spam-terms.txt`` and
``examples/scam-terms.txt`` plus ``EXTRA_ZH_TERMS``, a small set of Chinese
spam/scam/gambling terms added here because the examples hold only two
(no political words, ever). Each term is embedded in carrier sentences
(English or Chinese templates, by the term's script) and spelled with each
transformation of ``text_transforms`` alone and with combinations of two,
``samples`` times, every case seeded from (seed, term, transformation, i).

Each case and each benign message (see ``benign``) is screened by a real
``Engine`` on a temporary SQLite database holding the terms in block lists, through the
public API only (``Engine.screen``); a message *fires* when the decision is
not ``deliver``. The report gives recall per transformation and language,
overall recall (over evaded cases, ``plain`` excluded), the false-positive
rate per benign source, the benign messages that fired and the evaded cases
that were missed (first N of each). ``span ok`` counts detected cases whose
evidence span (``decision.reasons[i].match.evidence.span``) lies within the
evaded term as written: the explanation points at what the sender wrote.
Targets (issue): recall >= 98 %, false positives <= 0.1 %: reported, not asserted.
"""

from __future__ import annotations

import csv
import io
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Group
from rich.table import Table

from fairgate.bench.machine import machine
from fairgate.errors import InvalidInput
from fairgate.evaluate import text_transforms as tt
from fairgate.evaluate.benign import SOURCE_DESCRIPTIONS, BenignSources, load_benign

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
TERM_FILES = ("spam-terms.txt", "scam-terms.txt")
EXTRA_ZH_TERMS = ("赌博", "博彩", "网赌", "六合彩", "刷单", "兼职刷单", "裸聊")
"""Chinese gambling / fake-order / sex-chat scam terms (spam and scams only)."""
TARGET_RECALL = 0.98
TARGET_FP = 0.001

CARRIERS = {
    "en": (
        "Hey! {t} today only, reply YES to join",
        "don't miss this: {t}, link in my profile",
        "My cousin swears by {t}, DM me for details",
        "{t} - limited spots, message me now",
        "Friends, {t} really works, I tried it last week.",
        "Looking for {t}? I can help, text me",
        "great news everyone: {t} is back",
        "hi, are you interested in {t}? just ask",
    ),
    "zh": (
        "朋友们，{t}了解一下，私聊我",
        "想要{t}的加我微信，名额有限",
        "{t}，日结，详情咨询客服",
        "今天{t}有优惠，错过就没有了",
        "需要{t}请联系我，安全可靠",
        "兄弟，{t}找我，保证靠谱",
        "最新{t}消息，感兴趣的私信",
        "有没有人一起{t}？加群详聊",
    ),
}


@dataclass(frozen=True, slots=True)
class Case:
    term: str
    language: str
    transformation: str
    text: str
    span: tuple[int, int] | None = None
    """Where the (evaded) term sits in ``text``, if known."""


@dataclass(slots=True)
class RecallRow:
    transformation: str
    language: str
    cases: int = 0
    detected: int = 0
    span_ok: int = 0
    """Detected cases whose evidence span lies within the evaded term."""
    forms: dict[str, int] = field(default_factory=dict)
    """How often each normalised form produced the match (evidence.form)."""

    @property
    def recall(self) -> float:
        return self.detected / self.cases if self.cases else 0.0


@dataclass(slots=True)
class BenignRow:
    source: str
    description: str
    messages: int = 0
    fired: int = 0

    @property
    def fp_rate(self) -> float:
        return self.fired / self.messages if self.messages else 0.0


@dataclass(slots=True)
class TextEvalReport:
    seed: int
    samples: int
    terms: dict[str, list[str]]
    machine: dict[str, str]
    recall_rows: list[RecallRow] = field(default_factory=list)
    benign_rows: list[BenignRow] = field(default_factory=list)
    fired: list[dict[str, Any]] = field(default_factory=list)
    missed: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    # -- summaries ------------------------------------------------------------
    def overall(self) -> tuple[int, int]:
        """(detected, cases) over evaded cases (``plain`` excluded)."""
        rows = [r for r in self.recall_rows if r.transformation != "plain"]
        return sum(r.detected for r in rows), sum(r.cases for r in rows)

    def benign_total(self) -> tuple[int, int]:
        return sum(r.fired for r in self.benign_rows), sum(r.messages for r in self.benign_rows)

    def overall_recall(self) -> float:
        detected, cases = self.overall()
        return detected / cases if cases else 0.0

    def fp_rate(self) -> float:
        fired, messages = self.benign_total()
        return fired / messages if messages else 0.0

    def by_transformation(self) -> list[tuple[str, int, int]]:
        """(transformation, detected, cases) over both languages, in suite order."""
        totals: dict[str, list[int]] = {}
        for row in self.recall_rows:
            item = totals.setdefault(row.transformation, [0, 0])
            item[0] += row.detected
            item[1] += row.cases
        return [(name, d, c) for name, (d, c) in totals.items()]

    def to_dict(self) -> dict[str, Any]:
        detected, cases = self.overall()
        fired, messages = self.benign_total()
        return {
            "seed": self.seed,
            "samples_per_term": self.samples,
            "terms": self.terms,
            "machine": self.machine,
            "elapsed_s": self.elapsed_s,
            "recall": [{**asdict(r), "recall": r.recall} for r in self.recall_rows],
            "recall_by_transformation": [
                {"transformation": n, "detected": d, "cases": c, "recall": d / c if c else 0.0}
                for n, d, c in self.by_transformation()
            ],
            "overall_recall": {
                "detected": detected,
                "cases": cases,
                "recall": self.overall_recall(),
            },
            "benign": [{**asdict(r), "fp_rate": r.fp_rate} for r in self.benign_rows],
            "false_positives": {"fired": fired, "messages": messages, "rate": self.fp_rate()},
            "targets": {
                "recall": TARGET_RECALL,
                "fp_rate": TARGET_FP,
                "recall_met": self.overall_recall() >= TARGET_RECALL,
                "fp_met": messages > 0 and self.fp_rate() <= TARGET_FP,
            },
            "fired": self.fired,
            "missed": self.missed,
            "notes": self.notes,
        }

    # -- output ---------------------------------------------------------------
    def recall_table_rows(self) -> list[list[str]]:
        rows = []
        for r in self.recall_rows:
            top = ", ".join(f"{k} {v}" for k, v in sorted(r.forms.items(), key=lambda x: -x[1])[:3])
            rows.append(
                [
                    r.transformation,
                    r.language,
                    str(r.cases),
                    str(r.detected),
                    f"{r.recall:.1%}",
                    f"{r.span_ok}/{r.detected}",
                    top,
                ]
            )
        return rows

    def benign_table_rows(self) -> list[list[str]]:
        rows = [
            [r.source, str(r.messages), str(r.fired), f"{r.fp_rate:.3%}", r.description]
            for r in self.benign_rows
        ]
        fired, messages = self.benign_total()
        rows.append(["total", str(messages), str(fired), f"{self.fp_rate():.3%}", ""])
        return rows

    def summary(self) -> str:
        detected, cases = self.overall()
        fired, messages = self.benign_total()
        return (
            f"overall recall {self.overall_recall():.2%} ({detected}/{cases} evaded cases; "
            f"target >= {TARGET_RECALL:.0%}); false positives {self.fp_rate():.3%} "
            f"({fired}/{messages} benign messages; target <= {TARGET_FP:.1%}); "
            f"seed {self.seed}, {self.samples} samples per term and transformation; "
            f"{self.machine.get('cpu', '?')}, {self.machine.get('cores', '?')} cores, "
            f"Python {self.machine.get('python', '?')}; {self.elapsed_s:.0f} s"
        )

    def render(self) -> Group:
        recall = Table(
            "transformation",
            "lang",
            "cases",
            "detected",
            "recall",
            "span ok",
            "matched forms",
            title="Evasion suite: recall per transformation and language",
        )
        for row in self.recall_table_rows():
            recall.add_row(*row)
        benign = Table(
            "source",
            "messages",
            "fired",
            "FP rate",
            "what",
            title="Benign text: false positives per source",
        )
        for row in self.benign_table_rows():
            benign.add_row(*row)
        parts: list[Any] = [recall, benign, self.summary()]
        if self.fired:
            fired = Table("source", "message", "terms", "forms", title="Benign messages that fired")
            for item in self.fired:
                fired.add_row(
                    item["source"], item["text"], ", ".join(item["terms"]), ", ".join(item["forms"])
                )
            parts.append(fired)
        if self.missed:
            missed = Table("transformation", "lang", "term", "message", title="Evaded cases missed")
            for item in self.missed:
                missed.add_row(item["transformation"], item["language"], item["term"], item["text"])
            parts.append(missed)
        parts.extend(f"note: {note}" for note in self.notes)
        return Group(*parts)

    def to_markdown(self) -> str:
        lines = ["# fairgate eval text", "", self.summary(), "", "## Recall", ""]
        lines += _md_table(
            ["transformation", "lang", "cases", "detected", "recall", "span ok", "matched forms"],
            self.recall_table_rows(),
        )
        lines += ["", "## False positives on benign text", ""]
        lines += _md_table(
            ["source", "messages", "fired", "FP rate", "what"], self.benign_table_rows()
        )
        if self.fired:
            lines += ["", f"## Benign messages that fired (first {len(self.fired)})", ""]
            lines += _md_table(
                ["source", "message", "terms", "forms"],
                [
                    [f["source"], f["text"], ", ".join(f["terms"]), ", ".join(f["forms"])]
                    for f in self.fired
                ],
            )
        if self.missed:
            lines += ["", f"## Evaded cases missed (first {len(self.missed)})", ""]
            lines += _md_table(
                ["transformation", "lang", "term", "message"],
                [[m["transformation"], m["language"], m["term"], m["text"]] for m in self.missed],
            )
        if self.notes:
            lines += ["", "## Notes", "", *(f"- {note}" for note in self.notes)]
        return "\n".join(lines) + "\n"

    def write(self, folder: Path) -> list[Path]:
        """Markdown report plus one CSV per table into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        written = [folder / "text-eval.md", folder / "text-eval-recall.csv"]
        written.append(folder / "text-eval-benign.csv")
        written[0].write_text(self.to_markdown(), encoding="utf-8")
        _write_csv(
            written[1],
            ["transformation", "language", "cases", "detected", "recall", "span_ok"],
            [
                [r.transformation, r.language, r.cases, r.detected, r.recall, r.span_ok]
                for r in self.recall_rows
            ],
        )
        _write_csv(
            written[2],
            ["source", "messages", "fired", "fp_rate"],
            [[r.source, r.messages, r.fired, r.fp_rate] for r in self.benign_rows],
        )
        return written


def _md_cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return out


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


# -- the suite -----------------------------------------------------------------------------


def read_terms(paths: Sequence[Path]) -> list[str]:
    """Terms of term files: one a line, ``#`` comments and blank lines skipped."""
    terms: list[str] = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InvalidInput(f"cannot read terms file {path}: {exc.strerror}") from exc
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#") and line not in terms:
                terms.append(line)
    return terms


def default_terms() -> dict[str, list[str]]:
    """The suite's terms by origin: each example file, and the extra Chinese set."""
    out = {name: read_terms([EXAMPLES / name]) for name in TERM_FILES if (EXAMPLES / name).exists()}
    out["extra-zh (this suite)"] = list(EXTRA_ZH_TERMS)
    return out


def make_case(term: str, transformation: str, seed: int, i: int) -> Case | None:
    """One seeded case, or None if the transformation does not apply to the term."""
    lang = tt.language(term)
    rng = random.Random(f"text-suite:{seed}:{term}:{transformation}:{i}")
    spelled = term
    whole: list[str] = []
    for step in tt.steps(transformation):
        if step in tt.WHOLE_MESSAGE:
            if tt.SINGLE[step](term, rng) is None:
                return None
            whole.append(step)
            continue
        result = tt.SINGLE[step](spelled, rng)
        if result is None or result == spelled:
            return None
        spelled = result
    template = rng.choice(CARRIERS[lang])
    start = template.index("{t}")
    span: tuple[int, int] | None = (start, start + len(spelled))
    text = template.format(t=spelled)
    for step in whole:
        if step == "traditional":
            converted = tt.to_traditional(text)
            span = span if len(converted) == len(text) else None
            text = converted
    return Case(term, lang, transformation, text, span)


def make_cases(
    terms: Sequence[str], *, samples: int, seed: int, transformations: Sequence[str] | None = None
) -> list[Case]:
    names = list(transformations) if transformations is not None else tt.names()
    cases = []
    for name in names:
        tt.steps(name)  # validates
        for term in terms:
            for i in range(samples):
                case = make_case(term, name, seed, i)
                if case is not None:
                    cases.append(case)
    return cases


def run(
    *,
    samples: int = 4,
    seed: int = 0,
    per_source: int | None = 10_000,
    sources: BenignSources | None = None,
    terms: dict[str, list[str]] | None = None,
    transformations: Sequence[str] | None = None,
    show: int = 50,
    progress: Callable[[str], None] | None = None,
) -> TextEvalReport:
    """Build the suite and the benign corpus, screen both, and report."""
    if samples < 1:
        raise InvalidInput("samples must be >= 1")
    from fairgate.engine import Engine
    from fairgate.settings import Settings
    from fairgate.types import Action, ListAction, ListType, Message

    started = time.perf_counter()
    terms = terms if terms is not None else default_terms()
    all_terms = list(dict.fromkeys(t for group in terms.values() for t in group))
    report = TextEvalReport(seed=seed, samples=samples, terms=terms, machine=machine())
    missing = [name for name in TERM_FILES if name not in terms]
    if missing and "extra-zh (this suite)" in terms:
        report.notes.append(f"term files not found in {EXAMPLES}: {', '.join(missing)}")
    cases = make_cases(all_terms, samples=samples, seed=seed, transformations=transformations)
    corpus = load_benign(sources, per_source=per_source, seed=seed)
    report.notes.extend(corpus.notes)
    if progress is not None:
        progress(f"{len(cases)} evasion cases, {len(corpus.messages)} benign messages")

    with tempfile.TemporaryDirectory(prefix="fairgate-eval-text-") as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'eval.db'}")
        with Engine.open(settings=settings) as engine:
            for origin, group in terms.items():
                name = "eval-" + "".join(ch if ch.isalnum() else "-" for ch in origin)[:40]
                engine.lists.create(name, ListType.TEXT, action=ListAction.BLOCK)
                engine.lists.add_terms(name, group, by="eval")

            def screen(text: str) -> tuple[bool, list[str], list[str], list[tuple[int, int]]]:
                decision = engine.screen(Message(sender="eval", text=text))
                matched = [r.match for r in decision.reasons]
                hit_terms = sorted({m.evidence.term or "?" for m in matched})
                forms = sorted({m.evidence.form or "?" for m in matched})
                spans = [m.evidence.span for m in matched if m.evidence.span is not None]
                return decision.action is not Action.DELIVER, hit_terms, forms, spans

            rows: dict[tuple[str, str], RecallRow] = {}
            for case in cases:
                row = rows.setdefault(
                    (case.transformation, case.language),
                    RecallRow(case.transformation, case.language),
                )
                fired, _, forms, spans = screen(case.text)
                row.cases += 1
                if fired:
                    row.detected += 1
                    if case.span is not None and any(
                        case.span[0] <= a < b <= case.span[1] for a, b in spans
                    ):
                        row.span_ok += 1
                    for form in forms:
                        row.forms[form] = row.forms.get(form, 0) + 1
                elif len(report.missed) < show:
                    report.missed.append(asdict(case))
            report.recall_rows = list(rows.values())
            if progress is not None:
                progress(f"evasion suite done: {report.overall_recall():.2%} recall")

            benign_rows: dict[str, BenignRow] = {}
            for message in corpus.messages:
                brow = benign_rows.setdefault(
                    message.source,
                    BenignRow(message.source, SOURCE_DESCRIPTIONS.get(message.source, "")),
                )
                fired, hit_terms, forms, _ = screen(message.text)
                brow.messages += 1
                if fired:
                    brow.fired += 1
                    if len(report.fired) < show:
                        report.fired.append(
                            {
                                "source": message.source,
                                "text": message.text,
                                "terms": hit_terms,
                                "forms": forms,
                            }
                        )
            report.benign_rows = list(benign_rows.values())
    report.elapsed_s = time.perf_counter() - started
    return report
