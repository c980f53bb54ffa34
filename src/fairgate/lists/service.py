"""List management shared by the CLI, the library and (later) the HTTP API."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fairgate.errors import InvalidInput, MediaError
from fairgate.lists.formats import ParsedRow, Rejected, format_csv_row, parse_lines
from fairgate.media.limits import MediaLimits
from fairgate.media.source import MediaSource
from fairgate.settings import Settings
from fairgate.signals.base import SignalType
from fairgate.store.protocols import ListStore
from fairgate.store.records import EntryRecord, ListRecord, NewEntry
from fairgate.text.keywords import parse_term, term_keys
from fairgate.text.matcher import ALLOW_TERM, REGEX, TERM, TEXT_SIGNAL_TYPES
from fairgate.text.normalize import normalize_term
from fairgate.text.regexes import validate_regex
from fairgate.types import ListAction, ListType, MessageKind, Note


@dataclass(frozen=True, slots=True)
class Added:
    entry_id: int
    signal_type: str
    value: str
    source: str


@dataclass(frozen=True, slots=True)
class AddResult:
    added: tuple[Added, ...]
    notes: tuple[Note, ...] = ()


@dataclass(slots=True)
class ImportReport:
    list_name: str
    lines_read: int = 0
    added: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    written: bool = False


ProgressFn = Callable[[int], None]


AddedHook = Callable[[ListRecord, list[tuple[int, str, str]]], object]
"""Receives a list and its newly added (entry id, signal type, value) entries."""


class ListManager:
    def __init__(
        self, store: ListStore, signal_types: Mapping[str, SignalType], settings: Settings
    ) -> None:
        self._store = store
        self._types = signal_types
        self._limits = MediaLimits.from_settings(settings)
        self._settings = settings
        self.on_added: list[AddedHook] = []
        """Called after entries are committed (the engine's retro-scan listens here)."""

    def create(
        self,
        name: str,
        list_type: ListType,
        *,
        action: ListAction = ListAction.BLOCK,
        severity: int = 1,
        kinds: Sequence[MessageKind] = ("chat", "search"),
        description: str = "",
        by: str = "cli",
    ) -> ListRecord:
        return self._store.create_list(
            name,
            list_type,
            action=action,
            severity=severity,
            kinds=kinds,
            description=description,
            created_by=by,
        )

    def get(self, name: str) -> ListRecord:
        return self._store.get_list(name)

    def _expect(self, name: str, list_type: ListType) -> ListRecord:
        lst = self._store.get_list(name)
        if lst.list_type is not list_type:
            raise InvalidInput(f"list {name!r} is a {lst.list_type.value} list")
        return lst

    def file_entries(self, path: Path, *, note: str = "") -> tuple[list[NewEntry], list[Note]]:
        """The entries one image file contributes: its exact hashes and its PDQ
        hash (reference decode, original orientation). A PDQ hash under the
        quality floor is left out, with a note."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise MediaError(exc.strerror or "cannot read file", source=str(path)) from exc
        return self.data_entries(data, str(path), note=note)

    def data_entries(
        self, data: bytes, name: str, *, note: str = ""
    ) -> tuple[list[NewEntry], list[Note]]:
        """:meth:`file_entries` for bytes already in memory (an upload)."""
        media = MediaSource(data, name=name, limits=self._limits)
        entries: list[NewEntry] = []
        notes: list[Note] = []
        for signal_type in self._types.values():
            for signal in signal_type.compute(0, media, reference=True):
                if signal.variant != "original":
                    continue
                problem = signal_type.check(signal)
                if problem is not None:
                    notes.append(Note(problem.code, problem.detail, source=name))
                    continue
                entries.append(NewEntry(signal.signal_type, signal.value, note, name))
        return entries, notes

    def add_files(self, name: str, paths: Sequence[Path], *, by: str, note: str = "") -> AddResult:
        """Hash every file first (any bad file: nothing is written), then add all."""
        lst = self._expect(name, ListType.IMAGE)
        entries, notes = self._image_entries((), paths, note)
        return AddResult(self._add(lst, entries, by), tuple(notes))

    def add_many(
        self,
        name: str,
        *,
        uploads: Sequence[tuple[bytes, str]] = (),
        paths: Sequence[Path] = (),
        hashes: Sequence[tuple[str, str]] = (),
        terms: Sequence[str] = (),
        allow_terms: Sequence[str] = (),
        regexes: Sequence[str] = (),
        by: str,
        note: str = "",
    ) -> AddResult:
        """Every kind of entry in one call (files and hashes to an image list;
        terms, allow-terms and regexes to a text list): everything is validated
        first, then written in one transaction."""
        if not (uploads or paths or hashes or terms or allow_terms or regexes):
            raise InvalidInput("nothing to add: give files, hashes, terms, allow-terms or regexes")
        lst = self._store.get_list(name)
        notes: list[Note] = []
        if lst.list_type is ListType.IMAGE:
            if terms or allow_terms or regexes:
                raise InvalidInput(f"list {name!r} is an image list: add files or hashes")
            entries, notes = self._image_entries(uploads, paths, note)
            entries += self._hash_entries(hashes, note)
        else:
            if uploads or paths or hashes:
                raise InvalidInput(f"list {name!r} is a text list: add terms or regexes")
            entries = self._text_entries(terms, allow_terms, regexes, note)
        return AddResult(self._add(lst, entries, by), tuple(notes))

    def _image_entries(
        self, uploads: Sequence[tuple[bytes, str]], paths: Sequence[Path], note: str
    ) -> tuple[list[NewEntry], list[Note]]:
        """The entries (and notes) of uploaded bytes and of files, all hashed first."""
        entries: list[NewEntry] = []
        notes: list[Note] = []
        found = [self.data_entries(data, filename, note=note) for data, filename in uploads]
        found += [self.file_entries(path, note=note) for path in paths]
        for file_entries, file_notes in found:
            entries += file_entries
            notes += file_notes
        return entries, notes

    def _text_entries(
        self, terms: Iterable[str], allow_terms: Iterable[str], regexes: Iterable[str], note: str
    ) -> list[NewEntry]:
        """Deny terms, allow-terms and regexes, each validated."""
        entries = [NewEntry(TERM, self._term(t), note, TERM) for t in terms]
        entries += [NewEntry(ALLOW_TERM, self._term(t), note, ALLOW_TERM) for t in allow_terms]
        entries += [NewEntry(REGEX, self._regex(p), note, REGEX) for p in regexes]
        return entries

    def _hash_entries(self, hashes: Iterable[tuple[str, str]], note: str) -> list[NewEntry]:
        entries = []
        for type_name, value in hashes:
            signal_type = self._types.get(type_name)
            if signal_type is None:
                known = ", ".join(sorted(self._types))
                raise InvalidInput(f"unknown signal type {type_name!r} (known: {known})")
            entries.append(NewEntry(type_name, signal_type.validate(value), note, "hash"))
        return entries

    def add_hashes(
        self, name: str, hashes: Iterable[tuple[str, str]], *, by: str, note: str = ""
    ) -> AddResult:
        lst = self._expect(name, ListType.IMAGE)
        return AddResult(self._add(lst, self._hash_entries(hashes, note), by))

    def add_terms(self, name: str, terms: Iterable[str], *, by: str, note: str = "") -> AddResult:
        """Deny terms (syntax: ``text/keywords.py``; ``*`` at an end lets that
        end sit inside a word)."""
        return self._add_text(name, TERM, [self._term(t) for t in terms], by, note)

    def add_allow_terms(
        self, name: str, terms: Iterable[str], *, by: str, note: str = ""
    ) -> AddResult:
        """Allow-terms: a deny hit of the list inside one of their hits is dropped
        (deny ``casino``, allow ``casino royale``)."""
        return self._add_text(name, ALLOW_TERM, [self._term(t) for t in terms], by, note)

    def add_regexes(
        self, name: str, patterns: Iterable[str], *, by: str, note: str = ""
    ) -> AddResult:
        """RE2 regex rules, validated (syntax, length, memory cap, not matching
        the empty text) before anything is written."""
        return self._add_text(name, REGEX, [self._regex(p) for p in patterns], by, note)

    def add_text(
        self,
        name: str,
        *,
        terms: Iterable[str] = (),
        allow_terms: Iterable[str] = (),
        regexes: Iterable[str] = (),
        by: str,
        note: str = "",
    ) -> AddResult:
        """Terms, allow-terms and regexes together: all are validated first,
        then written in one transaction (any bad one: nothing is written)."""
        lst = self._expect(name, ListType.TEXT)
        return AddResult(self._add(lst, self._text_entries(terms, allow_terms, regexes, note), by))

    def _regex(self, pattern: str) -> str:
        if "\x00" in pattern:
            raise InvalidInput(f"regex {pattern!r} contains a NUL character")
        return validate_regex(
            pattern,
            max_mem=self._settings.regex_max_mem,
            max_chars=self._settings.max_regex_chars,
        )

    def _term(self, term: str) -> str:
        cleaned = term.strip()
        if "\x00" in cleaned:
            raise InvalidInput(f"term {term!r} contains a NUL character")
        core = parse_term(cleaned).core
        if not normalize_term(core) or not all(term_keys(core)):
            # nothing left in some form: only invisible characters or separators
            raise InvalidInput(f"term {term!r} is empty after normalisation")
        limit = self._settings.max_term_chars
        if len(cleaned) > limit:
            raise InvalidInput(f"term {cleaned[:40]!r}... is longer than {limit} characters")
        return cleaned

    def _add_text(
        self, name: str, signal_type: str, values: list[str], by: str, note: str
    ) -> AddResult:
        lst = self._expect(name, ListType.TEXT)
        entries = [NewEntry(signal_type, v, note, signal_type) for v in values]
        return AddResult(self._add(lst, entries, by))

    def _add(self, lst: ListRecord, entries: list[NewEntry], by: str) -> tuple[Added, ...]:
        if not entries:
            return ()
        ids = self._store.add_entries(lst.id, entries, added_by=by)
        for hook in self.on_added:
            hook(lst, [(i, e.signal_type, e.value) for i, e in zip(ids, entries, strict=True)])
        return tuple(
            Added(i, e.signal_type, e.value, e.source) for i, e in zip(ids, entries, strict=True)
        )

    def remove(self, name: str, entry_id: int, *, by: str, reason: str = "") -> None:
        lst = self._store.get_list(name)
        self._store.disable_entry(lst.id, entry_id, by=by, reason=reason)

    def import_lines(
        self,
        name: str,
        lines: Iterable[str],
        *,
        by: str,
        strict: bool = False,
        default_type: str | None = None,
        source: str = "import",
        progress: ProgressFn | None = None,
    ) -> ImportReport:
        """Import a hash list. Every line is validated first; then the good,
        new lines are written in ONE transaction. With ``strict`` any bad line
        means nothing is written. Values already active in the list are
        counted as duplicates and skipped."""
        lst = self._expect(name, ListType.IMAGE)
        report = ImportReport(list_name=name)
        existing = {(e.signal_type, e.value) for e in self._store.entries(lst.id)}
        rows: list[ParsedRow] = []
        for item in parse_lines(
            _counting(lines, report, progress), self._types, default_type=default_type
        ):
            if isinstance(item, Rejected):
                report.rejected.append(item)
                continue
            key = (item.signal_type, item.value)
            if key in existing:
                report.duplicates += 1
                continue
            existing.add(key)
            rows.append(item)
        if strict and report.rejected:
            return report
        entries = [NewEntry(r.signal_type, r.value, r.note, f"{source}:{r.line}") for r in rows]
        report.added = len(self._add(lst, entries, by))
        report.written = True
        return report

    def export_entries(self, name: str, *, signal_type: str | None = None) -> Iterator[EntryRecord]:
        """Active entries of a list (optionally of one signal type), by id."""
        lst = self._store.get_list(name)
        known_types = set(self._types) | set(TEXT_SIGNAL_TYPES)
        if signal_type is not None and signal_type not in known_types:
            known = ", ".join(sorted(known_types))
            raise InvalidInput(f"unknown signal type {signal_type!r} (known: {known})")
        return self._store.entries(lst.id, signal_type=signal_type)

    def export_lines(
        self, name: str, *, plain: bool = False, signal_type: str | None = None
    ) -> Iterator[str]:
        """Active entries as text: a hash list as ``signal_type,signal[,note]``
        CSV lines (HMA's format) or, with ``plain``, one hash a line (as
        ThreatExchange exports one signal type); a term list as one term a line.
        Plain lines tell md5 from PDQ by length only, so a plain export that
        would mix sha256 in needs ``signal_type``. A text list exports its deny
        terms unless ``signal_type`` asks for ``allow_term`` or ``regex``."""
        lst = self._store.get_list(name)
        if lst.list_type is ListType.TEXT and signal_type is None:
            signal_type = TERM  # allow-terms and regexes only when asked for by type
        if plain and lst.list_type is ListType.IMAGE and signal_type is None:
            types = {e.signal_type for e in self._store.entries(lst.id)}
            if "sha256" in types and len(types) > 1:
                raise InvalidInput(
                    f"list {name!r} mixes sha256 with other hashes; plain lines cannot tell "
                    "sha256 from pdq: add --signal-type"
                )
        for entry in self.export_entries(name, signal_type=signal_type):
            if lst.list_type is ListType.TEXT or plain:
                yield entry.value
            else:
                yield format_csv_row(entry.signal_type, entry.value, entry.note)


def _counting(
    lines: Iterable[str], report: ImportReport, progress: ProgressFn | None
) -> Iterator[str]:
    for line in lines:
        report.lines_read += 1
        if progress is not None:
            progress(len(line) + 1)
        yield line
