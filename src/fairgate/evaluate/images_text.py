"""Listed terms rendered onto real photos, screened through ``Engine.screen``.

Every case is a real photo (the labelme and bridge photos of
``shared/data/pdq-reference``, scaled to 1280 px wide) with one listed term
drawn on it in one of these variants:

* ``plain``: 32 px text straight on the photo, black or white (whichever
  contrasts with the spot it is drawn on) with a 1 px outline of the other
  colour, as on memes and ad images, so that a person can read it on any
  photo (without it, black text on a zebra's stripes is unreadable to anyone);
* ``low_contrast``: #808080 text on a #8a8a8a patch (grey on grey);
* ``rotated``: like plain, turned by +15 or -15 degrees;
* ``small``: 16 px text (capitals about 12 px high) on the 1280 px image;
* ``busy``: plain text on the busiest part of the photo (most edges);

English terms of ``examples/spam-terms.txt`` / ``scam-terms.txt`` always,
the Chinese ones when a CJK font is installed (the report says which font
or that there was none). A temporary SQLite engine holds both lists and
the example policy (``image_text: true`` on both rules). A case is *caught*
when the Decision is not ``deliver`` and one of its reasons is the drawn
term matched in ``attachment:0:ocr``. The benign control screens the same
photos without text and with everyday text, and counts false catches.
"""

from __future__ import annotations

import io
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from fairgate.engine import Engine
from fairgate.policy import load_policy
from fairgate.settings import Settings
from fairgate.types import Action, Attachment, ListAction, ListType, Message

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
PDQ_IMAGES = ROOT.parent / "shared" / "data" / "pdq-reference" / "images"
PHOTO_DIRS = (PDQ_IMAGES / "reg-test-input" / "labelme-subset", PDQ_IMAGES / "bridge-mods")
PHOTO_NAMES = ("aaa-orig.jpg",)
"""From ``bridge-mods`` only the original is taken (the rest are edits of it)."""
VARIANTS = ("plain", "low_contrast", "rotated", "small", "busy")
BENIGN_TEXTS = (
    "See you at the station at nine",
    "Happy birthday Anna",
    "Free parking for customers",
    "明天见",
)
WIDTH = 1280
LATIN_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)
CJK_FONT_PATTERNS = (
    "**/*CJK*.tt[cf]",
    "**/*CJK*.otf",
    "**/wqy*.tt[cf]",
    "**/DroidSansFallback*.ttf",
    "**/NotoSans*SC*.otf",
    "**/NotoSans*SC*.ttf",
    "**/*SimHei*.ttf",
)
FONT_ROOTS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))

FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


def latin_font(size: int) -> FontType:
    for path in LATIN_FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)  # Pillow's scalable built-in (Aileron)


def cjk_font_path() -> Path | None:
    """An installed font with Chinese glyphs, if any (a regular weight first)."""
    for root in FONT_ROOTS:
        if not root.is_dir():
            continue
        for pattern in CJK_FONT_PATTERNS:
            found = sorted(root.glob(pattern), key=lambda p: ("Regular" not in p.name, p.name))
            if found:
                return found[0]
    return None


@lru_cache(maxsize=64)
def cjk_font(path: Path, size: int) -> FontType:
    """The Simplified Chinese face of ``path`` (a .ttc collection holds JP, KR, SC,
    TC, HK faces; the first is JP), else its first face."""
    for index in range(16):
        try:
            font = ImageFont.truetype(str(path), size, index=index)
        except OSError:
            break
        if " SC" in " ".join(str(part) for part in font.getname()):
            return font
    return ImageFont.truetype(str(path), size)


def terms(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [t.strip() for t in lines if t.strip() and not t.startswith("#")]


def is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def photos(dirs: Sequence[Path] = PHOTO_DIRS) -> list[Path]:
    out: list[Path] = []
    for folder in dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.jpg")):
            if folder.name == "bridge-mods" and path.name not in PHOTO_NAMES:
                continue
            out.append(path)
    return out


def load_photo(path: Path) -> Image.Image:
    with Image.open(path) as opened:
        image = opened.convert("RGB")
    height = round(image.height * WIDTH / image.width)
    return image.resize((WIDTH, height), Image.Resampling.LANCZOS)


def busiest_spot(image: Image.Image, box: tuple[int, int]) -> tuple[int, int]:
    """Top-left corner of the ``box``-sized window with the most edges (coarse grid)."""
    grey = np.asarray(image.convert("L"), dtype=np.int16)
    edges = (np.abs(np.diff(grey, axis=1))[:-1] + np.abs(np.diff(grey, axis=0))[:, :-1]) > 24
    w, h = box
    best, spot = -1, (0, 0)
    for y in range(0, max(1, edges.shape[0] - h), 32):
        for x in range(0, max(1, edges.shape[1] - w), 32):
            score = int(edges[y : y + h, x : x + w].sum())
            if score > best:
                best, spot = score, (x, y)
    return spot


def contrasting(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, int, int]:
    mean = float(np.asarray(image.crop(box).convert("L")).mean())
    return (0, 0, 0) if mean >= 128 else (255, 255, 255)


def draw_term(
    photo: Image.Image, text: str, variant: str, font_for: Callable[[int, str], FontType], seed: int
) -> Image.Image:
    """``photo`` with ``text`` drawn on it as ``variant`` asks."""
    rng = np.random.default_rng(seed)
    image = photo.copy()
    size = 16 if variant == "small" else 32
    font = font_for(size, text)
    left, top, right, bottom = font.getbbox(text)
    tw, th = int(right - left), int(bottom - top)
    margin = 40
    if variant == "busy":
        x, y = busiest_spot(image, (tw + 8, th + 8))
    else:
        x = int(rng.integers(margin, max(margin + 1, image.width - tw - margin)))
        y = int(rng.integers(margin, max(margin + 1, image.height - th - margin)))
    if variant == "low_contrast":
        pad = size // 2
        ImageDraw.Draw(image).rectangle(
            (x - pad, y - pad, x + tw + pad, y + th + pad), fill=(0x8A, 0x8A, 0x8A)
        )
        ImageDraw.Draw(image).text((x - left, y - top), text, fill=(0x80, 0x80, 0x80), font=font)
        return image
    colour = contrasting(image, (x, y, x + tw + 1, y + th + 1))
    outline = (255 - colour[0], 255 - colour[1], 255 - colour[2])
    if variant != "rotated":
        ImageDraw.Draw(image).text(
            (x - left, y - top), text, fill=colour, font=font, stroke_width=1, stroke_fill=outline
        )
        return image
    layer = Image.new("RGBA", (tw + 16, th + 16), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text(
        (8 - left, 8 - top),
        text,
        fill=(*colour, 255),
        font=font,
        stroke_width=1,
        stroke_fill=(*outline, 255),
    )
    angle = 15 if seed % 2 == 0 else -15
    turned = layer.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    x = min(x, max(0, image.width - turned.width - 4))
    y = min(y, max(0, image.height - turned.height - 4))
    image.paste(turned, (x, y), turned)
    return image


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class Case:
    variant: str
    language: str
    term: str
    photo: str
    action: str
    caught: bool
    seconds: float
    recognised: str
    cut_short: bool = False
    """The message's OCR budget ran out while this image was read (``ocr_cut_short``)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "language": self.language,
            "term": self.term,
            "photo": self.photo,
            "action": self.action,
            "caught": self.caught,
            "seconds": round(self.seconds, 4),
            "recognised": self.recognised,
            "cut_short": self.cut_short,
        }


@dataclass(frozen=True, slots=True)
class ImagesReport:
    cases: tuple[Case, ...]
    benign: tuple[Case, ...]
    cjk_font: str | None
    photos: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def share(self, cases: Sequence[Case]) -> float:
        return sum(c.caught for c in cases) / len(cases) if cases else 0.0

    def by_variant(self) -> dict[str, tuple[int, int, float]]:
        out: dict[str, tuple[int, int, float]] = {}
        keys = sorted({(c.variant, c.language) for c in self.cases})
        for variant, language in keys:
            group = [c for c in self.cases if (c.variant, c.language) == (variant, language)]
            out[f"{variant}/{language}"] = (
                sum(c.caught for c in group),
                len(group),
                self.share(group),
            )
        return out

    @property
    def overall(self) -> float:
        return self.share(self.cases)

    @property
    def false_catches(self) -> int:
        return sum(c.caught for c in self.benign)

    def to_dict(self) -> dict[str, Any]:
        seconds = [c.seconds for c in self.cases + self.benign]
        return {
            "photos": self.photos,
            "cases": len(self.cases),
            "caught": sum(c.caught for c in self.cases),
            "overall": round(self.overall, 4),
            "target": 0.95,
            "by_variant": {
                k: {"caught": n, "cases": t, "share": round(s, 4)}
                for k, (n, t, s) in self.by_variant().items()
            },
            "benign": {
                "cases": len(self.benign),
                "false_catches": self.false_catches,
                "false": [c.to_dict() for c in self.benign if c.caught],
            },
            "median_seconds": round(statistics.median(seconds), 4) if seconds else 0.0,
            "no_text_median_seconds": round(
                statistics.median(no_text)
                if (no_text := [c.seconds for c in self.benign if c.variant == "no_text"])
                else 0.0,
                4,
            ),
            "cut_short": {
                "cases": sum(c.cut_short for c in self.cases),
                "missed": sum(c.cut_short for c in self.cases if not c.caught),
                "benign": sum(c.cut_short for c in self.benign),
            },
            "cjk_font": self.cjk_font,
            "notes": list(self.notes),
            "missed": [c.to_dict() for c in self.cases if not c.caught],
        }

    def render(self) -> Any:
        from rich.table import Table

        table = Table(title="Listed terms in real photos, screened by Engine.screen")
        for column in ("variant/language", "caught", "cases", "share"):
            table.add_column(column, justify="left" if column == "variant/language" else "right")
        for key, (caught, total, share) in self.by_variant().items():
            table.add_row(key, str(caught), str(total), f"{share:.1%}")
        table.add_section()
        table.add_row(
            "overall (target >= 95%)",
            str(sum(c.caught for c in self.cases)),
            str(len(self.cases)),
            f"{self.overall:.1%}",
        )
        table.add_row(
            "benign control: false catches",
            str(self.false_catches),
            str(len(self.benign)),
            f"{self.false_catches / len(self.benign):.1%}" if self.benign else "-",
        )
        cut = [c for c in self.cases if c.cut_short]
        table.add_row(
            "read cut short by the OCR budget (missed)",
            f"{len(cut)} ({sum(not c.caught for c in cut)})",
            str(len(self.cases)),
            "",
        )
        for note in self.notes:
            table.add_row(f"note: {note}", "", "", "")
        return table


def _engine(folder: Path, settings: Settings | None) -> Engine:
    base = settings or Settings()
    settings = base.model_copy(update={"database_url": f"sqlite:///{folder / 'eval.db'}"})
    engine = Engine.open(settings=settings, policy=load_policy(EXAMPLES / "policy.yaml"))
    engine.lists.create("spam-terms", ListType.TEXT, action=ListAction.BLOCK)
    engine.lists.create("scam-terms", ListType.TEXT, action=ListAction.HOLD)
    engine.lists.add_terms("spam-terms", terms(EXAMPLES / "spam-terms.txt"), by="eval")
    engine.lists.add_terms("scam-terms", terms(EXAMPLES / "scam-terms.txt"), by="eval")
    return engine


def _screen(
    engine: Engine, image: Image.Image, term: str | None
) -> tuple[str, bool, float, str, bool]:
    message = Message(sender="eval", attachments=(Attachment(jpeg(image), filename="x.jpg"),))
    start = time.perf_counter()
    decision = engine.screen(message)
    seconds = time.perf_counter() - start
    hits = [
        r
        for r in decision.reasons
        if r.match is not None
        and r.match.source == "attachment:0:ocr"
        and (term is None or r.match.evidence.term == term)
    ]
    caught = decision.action is not Action.DELIVER and bool(hits)
    recognised = " | ".join(
        sorted({r.match.evidence.ocr_text or "" for r in decision.reasons if r.match})
    )
    cut = any(note.code == "ocr_cut_short" for note in decision.notes)
    return decision.action.value, caught, seconds, recognised, cut


def cases(
    photo_paths: Sequence[Path], all_terms: Sequence[str], samples: int, variants: Sequence[str]
) -> Iterator[tuple[str, str, Path, int]]:
    """(variant, term, photo, seed): every term on ``samples`` photos per variant."""
    n = 0
    for variant in variants:
        for t, term in enumerate(all_terms):
            for s in range(samples):
                yield variant, term, photo_paths[(t * samples + s) % len(photo_paths)], n
                n += 1


def run(
    *,
    samples: int = 2,
    variants: Sequence[str] = VARIANTS,
    photo_paths: Sequence[Path] | None = None,
    max_terms: int | None = None,
    settings: Settings | None = None,
    out_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImagesReport:
    """Render, screen and count. ``out_dir`` also keeps every rendered image;
    ``max_terms`` takes only the first N listed terms (English first, a quick run)."""
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        raise ValueError(f"unknown variant(s) {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
    paths = list(photo_paths) if photo_paths is not None else photos()
    if not paths:
        raise FileNotFoundError(f"no photos found in {', '.join(str(p) for p in PHOTO_DIRS)}")
    cjk = cjk_font_path()
    notes: list[str] = []
    listed = terms(EXAMPLES / "spam-terms.txt") + terms(EXAMPLES / "scam-terms.txt")
    if cjk is None:
        notes.append("no CJK font installed: Chinese terms were not rendered")
        listed = [t for t in listed if not is_cjk(t)]
    listed.sort(key=is_cjk)
    if max_terms is not None:
        listed = listed[:max_terms]

    def font_for(size: int, text: str) -> FontType:
        if is_cjk(text) and cjk is not None:
            return cjk_font(cjk, size)
        return latin_font(size)

    loaded = {p: load_photo(p) for p in paths}
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fairgate-eval-images-") as tmp:
        engine = _engine(Path(tmp), settings)
        try:
            found: list[Case] = []
            for variant, term, path, seed in cases(paths, listed, samples, variants):
                image = draw_term(loaded[path], term, variant, font_for, seed)
                action, caught, seconds, recognised, cut = _screen(engine, image, term)
                language = "zh" if is_cjk(term) else "en"
                found.append(
                    Case(
                        variant, language, term, path.name, action, caught, seconds, recognised, cut
                    )
                )
                if out_dir is not None:
                    image.save(out_dir / f"{seed:04d}-{variant}-{path.stem}.jpg", quality=90)
                if progress is not None:
                    progress(f"{variant:12} {term!r:34} {path.name:14} {action}")
            benign: list[Case] = []
            for i, path in enumerate(paths):
                for text in (None, BENIGN_TEXTS[i % len(BENIGN_TEXTS)]):
                    if text is not None and is_cjk(text) and cjk is None:
                        text = BENIGN_TEXTS[0]
                    image = loaded[path]
                    if text is not None:
                        image = draw_term(image, text, "plain", font_for, 1000 + i)
                    action, caught, seconds, recognised, cut = _screen(engine, image, None)
                    label = "benign_text" if text is not None else "no_text"
                    benign.append(
                        Case(
                            label,
                            "-",
                            text or "",
                            path.name,
                            action,
                            caught,
                            seconds,
                            recognised,
                            cut,
                        )
                    )
        finally:
            engine.close()
    report = ImagesReport(
        tuple(found), tuple(benign), str(cjk) if cjk else None, len(paths), tuple(notes)
    )
    if out_dir is not None:
        (out_dir / "report.json").write_text(
            json.dumps(report.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
    return report
