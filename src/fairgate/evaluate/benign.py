"""A benign chat corpus for measuring false positives, built from text that ships
on the machine (nothing is downloaded).

Sources (each one is optional; a missing one is skipped with a note):

* ``gettext-en`` / ``gettext-zh``: the English ``msgid`` and Simplified Chinese
  ``msgstr`` strings of the compiled gettext catalogues in
  ``/usr/share/locale/zh_CN/LC_MESSAGES/*.mo`` (program messages, menus, help).
* ``doc-en``: English prose from ``/usr/share/doc/*/copyright`` and
  ``README*`` files (plain or ``.gz``): licences, package descriptions.
* ``python-docstrings-en``: module, class and function docstrings of the
  Python standard library, read with ``ast`` from its source files (no imports).
* ``near-miss``: sentences written for this suite that look like listed terms
  but are innocent (``cheapskate pillows``, ``Scunthorpe``, ``I have 3 cats``,
  ``读博`` = du bo like 赌博, ``菠菜`` = bo cai like 博彩 ...).

Long texts are split at sentence ends (then spaces, then hard) into chat-sized
messages of at most ``max_chars`` characters; messages are deduplicated per
source, and each file-based source is read in a seeded random file order until
its cap is reached, so a run is reproducible and fast.
"""

from __future__ import annotations

import ast
import gzip
import random
import re
import struct
import sysconfig
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAX_CHARS = 200
MIN_CHARS = 8
LOCALE_DIR = Path("/usr/share/locale/zh_CN/LC_MESSAGES")
DOC_DIR = Path("/usr/share/doc")
_MAX_FILE_BYTES = 2_000_000

SOURCE_DESCRIPTIONS = {
    "gettext-en": "English msgid strings of /usr/share/locale/zh_CN/LC_MESSAGES/*.mo",
    "gettext-zh": "Chinese msgstr strings of /usr/share/locale/zh_CN/LC_MESSAGES/*.mo",
    "doc-en": "English prose of /usr/share/doc/*/copyright and README* files",
    "python-docstrings-en": "docstrings of the Python standard library (ast, no imports)",
    "near-miss": "hand-written innocent look-alikes of listed terms (this module)",
}

NEAR_MISSES: tuple[str, ...] = (
    # English: substrings, neighbours and numbers that leetspeak/separator forms could catch
    "My uncle is such a cheapskate, he bought the thinnest pillows in the shop.",
    "cheapskate pillows are still better than no pillows",
    "We drove through Scunthorpe on the way to the coast.",
    "Scunthorpe United won 2-1 last night!",
    "I have 3 cats and 2 dogs, the house is never quiet.",
    "meet you at 10:30 by the station",
    "The meeting moved to 14:00, room 3B.",
    "Call me at 555 0134 after 5 pm.",
    "The pills the doctor gave me are cheap with insurance, thankfully.",
    "Is the pharmacy on Main St cheaper than the one near the school?",
    "She has many followers on her cooking blog, all real fans.",
    "I'd buy the band's new album, their followers say it's great.",
    "Working from home lets me earn a bit more sleep.",
    "The money from home sales went up this year, the news said.",
    "Limited time to chat today, click the link I sent for the agenda.",
    "We watched Casino Royale, then a bonus episode of the show.",
    "The bonus round of the quiz was hard.",
    "I paid with my card, the gift was for mum.",
    "Gift cards are a nice present for teenagers.",
    "Please send the release notes when the build is done.",
    "The release of the new version is tomorrow, fee waived for students.",
    "Don't share your account password with anyone, not even me!",
    "Can you verify the spelling of my name on the form?",
    "Double your efforts and the crypto exam will be easy.",
    "c.h.e.c.k the settings, then restart",
    "s o r r y, my keyboard is broken",
    "Sooooo cheap to travel by train these days!",
    "I g0t 1t, thx",
    "a.k.a. the best pizza in town",
    "e.g. apples, pears, i.e. fruit",
    "U.S.A. trip photos are up",
    "h e l l o there",
    "Coooool, see you at 7",
    "the café's crème brûlée was amazing",
    "ＡＢＣ full-width letters look odd in this font",
    "Price went from $5 to $4.50, still cheap.",
    "Pillow talk: the hotel had 4 pillows per bed.",
    "He follows the rules; the buyers follow him.",
    "Our class offers a free trial, no card needed.",
    "My home office gets cold in winter.",
    # Chinese: homophones of listed terms, shared characters, dates and prices
    "2024年3月15日下午三点开会",
    "读博士很辛苦，但是很值得。",
    "他打算出国读博，明年申请。",
    "杜博老师的画展下周开幕。",
    "我买了菠菜和豆腐，晚上做汤。",
    "菠菜炒鸡蛋是我最喜欢的家常菜。",
    "早上刷牙，晚上洗澡。",
    "这个副本我一个人单刷就行。",
    "请把发票开给公司，抬头写全称。",
    "他代开了一次会，大家都很满意。",
    "我在找兼职翻译的工作。",
    "周末兼职当家教，赚点零花钱。",
    "刷新一下页面就好了。",
    "下单以后三天内发货。",
    "博物馆周一闭馆。",
    "彩票中奖的概率很低。",
    "他在微博上发了几张照片。",
    "聊天记录已经备份好了。",
    "天气预报说明天有雨，记得带伞。",
    "这本书的价格是三十五元。",
    "六合区的公园很漂亮。",
    "网上购物很方便，但是要注意安全。",
    "赌气的话不要当真。",
    "他在大学教博弈论。",
    "我们合影留念吧。",
    "返利活动的规则在公告里。",
    "退款已经到账，谢谢客服。",
    "会议改到十点半，地点不变。",
    "孩子们在操场上玩游戏。",
    "请在下班前提交周报。",
)

_SENTENCE = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])\s*")
_CJK_END = ("。", "！", "？", "；")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class BenignMessage:
    source: str
    text: str


@dataclass(slots=True)
class BenignCorpus:
    messages: list[BenignMessage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for message in self.messages:
            out[message.source] = out.get(message.source, 0) + 1
        return out


@dataclass(frozen=True, slots=True)
class BenignSources:
    """Where the sources live (tests point these at temporary folders)."""

    locale_dir: Path = LOCALE_DIR
    doc_dir: Path = DOC_DIR
    stdlib_dir: Path | None = None
    near_misses: bool = True

    def stdlib(self) -> Path:
        return self.stdlib_dir or Path(sysconfig.get_paths()["stdlib"])


# -- splitting -----------------------------------------------------------------------------


def split_message(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """Chat-sized pieces of ``text`` (each at most ``max_chars`` characters),
    split at sentence ends, then at spaces, then anywhere."""
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return []
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE.split(text):
        for part in _hard_split(sentence.strip(), max_chars):
            if not part:
                continue
            glue = "" if not current or current.endswith(_CJK_END) else " "
            joined = f"{current}{glue}{part}"
            if len(joined) <= max_chars:
                current = joined
            else:
                pieces.append(current)
                current = part
    if current:
        pieces.append(current)
    return pieces


def _hard_split(sentence: str, max_chars: int) -> Iterator[str]:
    while len(sentence) > max_chars:
        cut = sentence.rfind(" ", 0, max_chars + 1)
        if cut <= 0:
            cut = max_chars
        yield sentence[:cut].strip()
        sentence = sentence[cut:].strip()
    yield sentence


def _is_prose(text: str) -> bool:
    """Enough letters to be something a person could write in a chat."""
    if len(text) < MIN_CHARS:
        return False
    letters = sum(ch.isalpha() for ch in text)
    return letters >= max(4, len(text) // 3)


# -- readers -------------------------------------------------------------------------------


def read_mo(path: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a compiled gettext catalogue, parsed by hand
    (both byte orders); plural forms give their first form. Header skipped."""
    data = path.read_bytes()
    if len(data) < 28:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0x950412DE:
        order = "<"
    elif magic == 0xDE120495:
        order = ">"
    else:
        return []
    _, count, ids_at, strs_at = struct.unpack(order + "4I", data[4:20])
    pairs: list[tuple[str, str]] = []
    for i in range(count):
        id_len, id_off = struct.unpack(order + "2I", data[ids_at + 8 * i : ids_at + 8 * i + 8])
        s_len, s_off = struct.unpack(order + "2I", data[strs_at + 8 * i : strs_at + 8 * i + 8])
        msgid = data[id_off : id_off + id_len].decode("utf-8", "replace").split("\x00")[0]
        msgstr = data[s_off : s_off + s_len].decode("utf-8", "replace").split("\x00")[0]
        if msgid and "\x04" in msgid:  # msgctxt
            msgid = msgid.split("\x04", 1)[1]
        if msgid:
            pairs.append((msgid, msgstr))
    return pairs


def _clean_ui(text: str) -> str:
    """Drop gettext markup that is not prose: accelerators and format codes."""
    text = re.sub(r"%[-+ #0-9.]*[a-zA-Z]|%\([a-z_]+\)[a-z]|\{[a-z_0-9]*\}", "", text)
    return text.replace("_", "").replace("&", "")


def _read_text_file(path: Path) -> str:
    if path.stat().st_size > _MAX_FILE_BYTES:
        return ""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)[:_MAX_FILE_BYTES]
    return raw.decode("utf-8", "replace")


def _paragraphs(text: str) -> Iterator[str]:
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip().lstrip("*#>-|").strip() for line in block.splitlines()]
        joined = " ".join(line for line in lines if line and line != ".")
        if joined:
            yield joined


def _docstrings(path: Path) -> Iterator[str]:
    try:
        tree = ast.parse(_read_text_file(path), filename=str(path))
    except (SyntaxError, ValueError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node)
            if doc:
                yield from _paragraphs(doc)


# -- the corpus ----------------------------------------------------------------------------


class _Collector:
    def __init__(self, source: str, cap: int | None, max_chars: int) -> None:
        self.source = source
        self.cap = cap
        self.max_chars = max_chars
        self.seen: set[str] = set()
        self.items: list[BenignMessage] = []

    @property
    def full(self) -> bool:
        return self.cap is not None and len(self.items) >= self.cap

    def add(self, texts: Iterable[str]) -> None:
        for text in texts:
            for piece in split_message(text, self.max_chars):
                if self.full:
                    return
                if piece in self.seen or not _is_prose(piece):
                    continue
                self.seen.add(piece)
                self.items.append(BenignMessage(self.source, piece))


def _shuffled(paths: Iterable[Path], rng: random.Random) -> list[Path]:
    ordered = sorted(paths)
    rng.shuffle(ordered)
    return ordered


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def load_benign(
    sources: BenignSources | None = None,
    *,
    per_source: int | None = 10_000,
    max_chars: int = MAX_CHARS,
    seed: int = 0,
) -> BenignCorpus:
    """The benign corpus: up to ``per_source`` messages from each source
    (``None``: all of them); missing sources are skipped with a note."""
    sources = sources or BenignSources()
    corpus = BenignCorpus()
    rng = random.Random(f"benign:{seed}")

    en = _Collector("gettext-en", per_source, max_chars)
    zh = _Collector("gettext-zh", per_source, max_chars)
    mo_files = sorted(sources.locale_dir.glob("*.mo")) if sources.locale_dir.is_dir() else []
    if not mo_files:
        corpus.notes.append(f"gettext sources skipped: no *.mo files in {sources.locale_dir}")
    for path in _shuffled(mo_files, rng):
        if en.full and zh.full:
            break
        try:
            pairs = read_mo(path)
        except (OSError, struct.error):
            corpus.notes.append(f"unreadable catalogue skipped: {path}")
            continue
        en.add(_clean_ui(msgid) for msgid, _ in pairs if not _has_han(msgid))
        zh.add(_clean_ui(msgstr) for _, msgstr in pairs if _has_han(msgstr))

    doc = _Collector("doc-en", per_source, max_chars)
    doc_files: list[Path] = []
    if sources.doc_dir.is_dir():
        for package in sources.doc_dir.iterdir():
            if package.is_dir():
                doc_files.extend(
                    p
                    for p in package.iterdir()
                    if p.name == "copyright" or p.name.startswith("README")
                )
    if not doc_files:
        corpus.notes.append(f"doc-en skipped: no copyright/README files under {sources.doc_dir}")
    for path in _shuffled(doc_files, rng):
        if doc.full:
            break
        try:
            if path.is_file():
                doc.add(_paragraphs(_read_text_file(path)))
        except (OSError, EOFError, gzip.BadGzipFile):
            continue

    py = _Collector("python-docstrings-en", per_source, max_chars)
    stdlib = sources.stdlib()
    py_files = sorted(stdlib.glob("*.py")) + sorted(stdlib.glob("*/*.py"))
    skip = {"test", "tests", "idle_test", "site-packages", "dist-packages"}
    py_files = [p for p in py_files if p.parent.name not in skip]
    if not py_files:
        corpus.notes.append(f"python-docstrings-en skipped: no *.py files in {stdlib}")
    for path in _shuffled(py_files, rng):
        if py.full:
            break
        try:
            py.add(_docstrings(path))
        except OSError:
            continue

    near = _Collector("near-miss", None, max_chars)
    if sources.near_misses:
        near.add(NEAR_MISSES)

    for collector in (en, zh, doc, py, near):
        corpus.messages.extend(collector.items)
    return corpus
