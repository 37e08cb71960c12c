"""`newsclean clean`: clean a batch of files in worker processes into a Parquet folder."""

from __future__ import annotations

import gc
import operator
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaning.rules import RuleSet
from cleaning.text.repetition import RepetitionStats, build_stats, document_lines
from pipelines.batch.inputs import (
    DEFAULT_MAX_BYTES,
    InputError,
    InputFile,
    decode_text,
    display,
    raw_identity,
    read_bytes,
)
from pipelines.rulefiles import load_ruleset, rules_version
from pipelines.store.rows import record_id, signed_row

if TYPE_CHECKING:
    from pipelines.batch.resume import Done, DoneInputs
    from pipelines.store.dataset import Existing
    from pipelines.store.warc import WarcPage

# pyarrow (with numpy) is imported by run_batch only, once the workers are cleaning: they
# build plain rows (pipelines.store.rows) and never load it, and the parent's import overlaps them.


@dataclass(frozen=True)
class CleanOptions:
    rule_files: tuple[str, ...] = ()
    disabled: tuple[str, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    encoding: str | None = None
    domain: str | None = None


# Seconds a finished row may wait in the writing process before its part file is written
# (and the duplicate index committed): what a killed run can lose.  Shorter makes more, smaller
# files: at 5,000 rows a part (the row limit) a text batch (300-500 documents a second) fills
# one in 10-17 s and never waits this long; HTML at 30-60 pages a second gets parts of 2,000-
# 3,600 rows; only a batch slower than about 1 row a second (a few big WARC files) gets parts
# of fewer than 60 rows.  A 40-minute batch writes about 40 parts instead of one.
FLUSH_SECONDS = 60.0


@dataclass
class Outcome:
    """What one input file gave: rows to write, non-articles dropped, an error, warnings."""

    source: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Summary:
    files: int = 0
    written: int = 0
    unchanged: int = 0
    replaced: int = 0
    errors: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    removed_by_rule: Counter[str] = field(default_factory=Counter)
    exact_duplicates: int = 0
    near_duplicates: int = 0
    duplicates_left_out: bool = False
    repointed: int = 0  # rows of earlier runs whose duplicate_of changed

    def line(self, outdir: Path) -> str:
        top = ", ".join(f"{rid} {n}" for rid, n in self.removed_by_rule.most_common(6))
        more = len(self.removed_by_rule) - 6
        rules = f" ({top}{f', +{more} more rules' if more > 0 else ''})" if top else ""
        drops = ", ".join(f"{r} {n}" for r, n in sorted(self.dropped.items()))
        return (
            f"newsclean clean: {self.files} files, {self.written} records written, "
            f"{self.unchanged} unchanged, {self.replaced} replaced, "
            f"{self.exact_duplicates + self.near_duplicates} duplicates ({self.exact_duplicates} exact, "
            f"{self.near_duplicates} near{', left out' if self.duplicates_left_out else ''}"
            f"{f', {self.repointed} earlier rows re-pointed' if self.repointed else ''}), "
            f"{sum(self.dropped.values())} not articles{f' ({drops})' if drops else ''}, "
            f"{sum(self.removed_by_rule.values())} blocks removed{rules}, "
            f"{self.errors} errors -> {display(outdir)}"
        )


# What the texts kept between the statistics pass and the cleaning pass may take (KeptTexts).
KEPT_BYTES = 64 * 1024 * 1024
_HASH_BYTES = sys.getsizeof("0" * 16)  # a line hash kept with a text (Kept.hashes)
_RULE_ID = operator.itemgetter("rule_id")  # of a removal in a row


@dataclass(frozen=True)
class Kept:
    """A text file as the statistics pass read it: its stamp then (size and modification
    time, :func:`pipelines.batch.resume.stamp`), its text, the note of its decoding and the
    identity of its bytes, and the hash of each of its lines by their stripped text
    (:func:`cleaning.text.repetition.document_lines`: the cleaning pass hashes them no
    more), filled as the pass counts the text."""

    stamp: str
    text: str
    note: str | None
    identity: str
    hashes: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def size(self) -> int:
        """The bytes it holds, about: its text, and the lines and hashes of its table (a
        hash's string is no larger than ``_HASH_BYTES``; lines with the same hash share it)."""
        table = self.hashes
        lines = sum(map(sys.getsizeof, table)) if table else 0
        return sys.getsizeof(self.text) + sys.getsizeof(table) + lines + len(table) * _HASH_BYTES


class KeptTexts:
    """Text files read by the statistics pass (:func:`count_lines`), kept for the cleaning
    pass so that it does not read and decode them again, up to ``budget`` bytes (their
    texts and line hashes, :meth:`Kept.size`: a larger batch reads the rest again, and
    hashes their lines again; memory stays flat).

    A kept text is used only if the file still has the stamp it had when it was read (and
    kept only if the stamp did not change while it was read); otherwise the file is read
    again, as without keeping.  So the cleaning pass reads the same text either way, and
    the stamp the resume table records (taken before cleaning) is that of the text cleaned.
    """

    def __init__(self, budget: int = KEPT_BYTES) -> None:
        self.budget = budget
        self.used = 0
        self.texts: dict[Path, Kept] = {}

    def keep(self, path: Path, kept: Kept) -> bool:
        size = kept.size()
        if path in self.texts or self.used + size > self.budget:
            return False
        self.texts[path] = kept
        self.used += size
        return True

    def full(self) -> bool:
        return self.used >= self.budget

    def take(self, path: Path) -> Kept | None:
        """The text kept for ``path`` (then forgotten), if the file has not changed since."""
        from pipelines.batch.resume import stamp

        kept = self.texts.pop(path, None)
        if kept is None:
            return None
        self.used -= kept.size()  # (its table is complete when kept and never changes after)
        return kept if stamp(path) == kept.stamp else None

    def __getstate__(self) -> dict[str, Any]:
        # a spawned worker process gets none: sending texts costs what reading them does
        return {"budget": self.budget, "used": 0, "texts": {}}


@dataclass(frozen=True)
class Job:
    """What cleaning a file takes besides the file: the rules and their version, the
    batch's repetition statistics, the options (the same for every file of a batch), and
    the texts the statistics pass kept."""

    ruleset: RuleSet
    stats: RepetitionStats | None
    options: CleanOptions
    version: str
    kept: KeptTexts | None = None


# Per-process worker state, set once by _init_worker (the cleaning core itself keeps none).
_WORKER: dict[str, Job] = {}


def _init_worker(
    ruleset: RuleSet,
    stats: RepetitionStats | None,
    options: CleanOptions,
    kept: KeptTexts | None = None,
) -> None:
    _WORKER["job"] = Job(ruleset, stats, options, rules_version(ruleset), kept)


def _init_pool_worker(
    ruleset: RuleSet, stats: RepetitionStats | None, options: CleanOptions
) -> None:
    _ignore_ctrl_c()
    _init_worker(ruleset, stats, options)
    _tune_gc()


def _ignore_ctrl_c() -> None:
    """In a worker: Ctrl-C reaches the whole process group, and the parent alone handles it
    (writes what was cleaned, then stops the workers) without a traceback from each worker."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _tune_gc() -> None:
    """Garbage collection for a process that cleans a batch (outputs do not change).

    What exists now (modules, rules, prepared matchers) lives as long as the process: it is
    frozen out of the collections, which no longer walk it (in a forked worker, neither
    are its memory pages touched).  Young collections run every 50,000 new objects rather
    than 700: cleaning a page makes no reference cycles (its garbage is freed by reference
    counting, a page's tree as soon as it is done with), so a collection finds next to
    nothing, and each took about 4 ms.  On the 181 aeb pages (-j 1) collections took 0.10 s
    of CPU at 5,000, 0.02 s at 50,000, with the same peak memory (wcxb-dev-articles too).
    """
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)


def clean_file(item: InputFile, job: Job | None = None, source: str | None = None) -> Outcome:
    """Clean one input file; never raises for bad input.

    ``job``: what to clean with (default: this worker process's, :func:`_init_worker`);
    ``source``: the file's name in the output (default: its path as :func:`display` shows it).
    """
    job = job or _WORKER["job"]
    ruleset, options, version = job.ruleset, job.options, job.version
    out = Outcome(source or display(item.path))
    now = datetime.now(timezone.utc)
    try:
        if item.kind == "warc":
            return _clean_warc(item, out, ruleset, version, now)
        if item.kind == "text":
            # cleaning.text.clean only: a batch of text files never loads trafilatura (cleaning.html.extract)
            from cleaning.text.clean import clean_text

            kept = job.kept.take(item.path) if job.kept is not None else None
            if kept is None:
                data = read_bytes(item.path, options.max_bytes)
                text, note = decode_text(item.path, data, options.encoding)
                identity = raw_identity(data)
            else:  # read by the statistics pass, unchanged since
                text, note, identity = kept.text, kept.note, kept.identity
            if note:
                out.notes.append(note)
            stats = job.stats
            group_stats = stats.for_group(options.domain or item.group) if stats else None
            record = clean_text(
                text,
                rules=ruleset,
                domain=options.domain,
                stats=group_stats,
                mode="dump",
                line_hashes=kept.hashes if kept is not None else None,
            )
        else:
            from cleaning.html.extract import clean_html

            data = read_bytes(item.path, options.max_bytes)
            record = clean_html(data, None, rules=ruleset)
            identity = record.canonical_url or raw_identity(data)
    except InputError as exc:
        out.error = str(exc)
        return out
    except ValueError as exc:  # the cleaning core's own input errors (e.g. not HTML)
        out.error = f"{out.source}: {exc}; skipped, check the file"
        return out
    if record.drop_reason:
        out.dropped.append(record.drop_reason)
        return out
    # signed here, in the cleaning process: the writing process's index only compares
    out.rows.append(
        signed_row(
            record, id=record_id(identity), source=out.source, rules_version=version, cleaned_at=now
        )
    )
    return out


def _clean_warc(
    item: InputFile, out: Outcome, ruleset: RuleSet, version: str, now: datetime
) -> Outcome:
    from pipelines.store.warc import iter_warc

    try:
        clean_pages(iter_warc(item.path), out, ruleset, version, now)
    except Exception as exc:  # a broken archive: keep what was read, report the rest
        out.error = warc_error(out, exc)
    return out


def clean_pages(
    pages: Iterable[WarcPage], out: Outcome, ruleset: RuleSet, version: str, now: datetime
) -> None:
    """Clean archived pages into ``out`` (rows, pages that are not articles, notes)."""
    from cleaning.html.extract import clean_html

    for page in pages:
        try:
            record = clean_html(page.html_bytes, page.url, rules=ruleset)
        except ValueError as exc:
            out.notes.append(f"{out.source}: {page.url}: {exc}")
            continue
        if record.drop_reason:
            out.dropped.append(record.drop_reason)
            continue
        identity = record.canonical_url or page.url
        out.rows.append(
            signed_row(
                record,
                id=record_id(identity),
                source=page.url,
                url=page.url,
                fetched_at=page.fetched_at,
                rules_version=version,
                cleaned_at=now,
            )
        )


def warc_error(out: Outcome, exc: object) -> str:
    """The error line of an archive that broke after the records already in ``out``."""
    return f"{out.source}: unreadable WARC after {len(out.rows)} records ({exc}); re-fetch it"


def build_batch_stats(
    inputs: list[InputFile],
    options: CleanOptions,
    base: RepetitionStats | None,
    jobs: int = 1,
    kept: KeptTexts | None = None,
) -> RepetitionStats:
    """Repetition statistics of the text inputs, by folder (or --domain), merged with ``base``.

    With ``jobs`` > 1 and enough text files, worker processes count chunks of the files and
    the parent adds the counts up: the same statistics (document frequencies are sums), the
    counting shared between the cores instead of done by the parent alone before cleaning.
    Counted here, the texts read are put in ``kept`` (for :func:`run_batch`, up to its budget).
    """
    texts = [item for item in inputs if item.kind == "text"]
    if jobs > 1 and len(texts) >= _POOLED_STATS_FILES:
        import multiprocessing as mp

        ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        chunks = [(chunk, options) for chunk in shrinking_chunks(texts, jobs)]
        with ctx.Pool(jobs, initializer=_ignore_ctrl_c) as pool:
            parts = pool.starmap(count_lines, chunks, chunksize=1)
    else:
        parts = [count_lines(texts, options, kept)]
    return merge_stats(*parts, *([base] if base is not None else []), options=options)


# Below this many text files, starting worker processes for the statistics costs more than
# it saves (counting takes about 1 ms per file).
_POOLED_STATS_FILES = 64


def count_lines(
    items: list[InputFile], options: CleanOptions, kept: KeptTexts | None = None
) -> RepetitionStats:
    """The repetition statistics of some text files (unreadable ones are left out).
    ``kept``: where the texts read are kept for the cleaning pass, while its budget lasts
    (beyond it, files are read again when cleaned: memory stays flat on large batches)."""
    from pipelines.batch.resume import stamp

    # the line hashes of the texts to keep, filled by build_stats as it counts each one
    tables: dict[str, dict[str, str]] = {}

    def docs() -> Iterator[tuple[str, str, str]]:
        for item in items:
            keep = kept is not None and not kept.full()
            before = stamp(item.path) if keep else None
            try:
                data = read_bytes(item.path, options.max_bytes)
                text, note = decode_text(item.path, data, options.encoding)
            except InputError:
                continue  # reported when the file itself is cleaned
            source = str(item.path)
            # kept only if the file did not change while it was read
            found = None
            if kept is not None and before is not None and stamp(item.path) == before:
                found = Kept(before, text, note, raw_identity(data))
                tables[source] = found.hashes
            yield (options.domain or item.group), text, source
            if found is not None and kept is not None:  # counted: its hashes are in, its size known
                del tables[source]
                kept.keep(item.path, found)

    return build_stats(docs(), tables)


def _read_again(source: str, options: CleanOptions) -> str | None:
    """The text of a file counted by :func:`count_lines`, read again (None when it no
    longer reads)."""
    path = Path(source)
    try:
        return decode_text(path, read_bytes(path, options.max_bytes), options.encoding)[0]
    except (InputError, OSError):
        return None


def merge_stats(*parts: RepetitionStats, options: CleanOptions | None = None) -> RepetitionStats:
    """Add sets of document frequencies (a saved set and this batch's, or parts of a batch).

    A document counted in two parts (copies in two chunks, or a file of this batch that a
    saved set already counted) is taken back out of all but one: its file is read again
    (``options`` says how) to know its lines.  Copies are rare, so this costs little.
    """
    if len(parts) == 1:
        return parts[0]
    groups: dict[str, dict[str, int]] = {}
    docs: dict[str, int] = {}
    for part in parts:
        for g, table in part.groups.items():
            mine = groups.get(g)
            if mine is None:
                groups[g] = dict(table)  # a copy in one call; the other parts are added to it
                continue
            for h, n in table.items():
                mine[h] = mine.get(h, 0) + n
        for g, n in part.docs.items():
            docs[g] = docs.get(g, 0) + n
    seen: dict[str, set[str]] = {}
    origins: dict[tuple[str, str], str] = {}
    for part in parts:
        for g, fingerprints in part.seen.items():
            mine_seen = seen.setdefault(g, set())
            for fp in fingerprints & mine_seen:
                _take_back(groups, docs, g, fp, part, origins, options)
            mine_seen |= fingerprints
        for key, source in part.origins.items():
            if key not in origins or source < origins[key]:
                origins[key] = source
    return RepetitionStats(
        groups={g: dict(sorted(groups[g].items())) for g in sorted(groups)},
        docs=dict(sorted(docs.items())),
        seen=seen,
        origins=origins,
    )


def _take_back(
    groups: dict[str, dict[str, int]], docs: dict[str, int], group: str, fingerprint: str,
    part: RepetitionStats, origins: dict[tuple[str, str], str], options: CleanOptions | None,
) -> None:
    """Count one copy of a document less: the copy of ``part``, or of a part merged before
    (one of them was read from a file; a saved set's documents have no file to read)."""
    source = part.origins.get((group, fingerprint)) or origins.get((group, fingerprint))
    text = _read_again(source, options or CleanOptions()) if source else None
    if text is None:
        return  # cannot know its lines: it stays counted twice
    hashes, again = document_lines(text)
    if again != fingerprint:
        return  # the file changed since it was counted
    table = groups[group]
    for h in hashes:
        left = table[h] - 1
        if left:
            table[h] = left
        else:
            del table[h]
    docs[group] -= 1


def run_batch(
    inputs: list[InputFile],
    outdir: Path,
    options: CleanOptions,
    jobs: int,
    stats: RepetitionStats | None,
    ruleset: RuleSet | None = None,
    progress: bool | None = None,
    *,
    own_process: bool = False,
    drop_duplicates: bool = False,
    flush_seconds: float | None = FLUSH_SECONDS,
    kept: KeptTexts | None = None,
) -> Summary:
    """Clean ``inputs`` into ``outdir`` and return the counts; rows are written as they come.

    ``kept``: the texts :func:`build_batch_stats` read and kept, cleaned without reading
    their files again (those that changed since are read again).

    ``own_process``: this process is the ``newsclean`` command itself, and is set up for the
    batch (garbage collection: :func:`_tune_gc`); worker processes always are.

    Every row gets its ``duplicate_of`` from the folder's duplicate index
    (:mod:`pipelines.store.dedup`); ``drop_duplicates`` leaves duplicates out instead.
    ``flush_seconds``: see :func:`write_outcomes`.
    """
    from pipelines.batch.resume import DoneInputs, split_done

    ruleset = ruleset or load_ruleset(options.rule_files, options.disabled)
    outdir.mkdir(parents=True, exist_ok=True)
    summary = Summary(files=len(inputs))
    loaded = None
    if DoneInputs.exists(outdir):
        # an earlier run recorded inputs (pipelines/batch/resume.py): those still in the
        # folder, cleaned the same way, are not cleaned again
        from pipelines.store.dataset import load_index

        loaded = load_index(outdir)
    content = {rid: e.content_sha256 for rid, e in loaded[0].items()} if loaded else {}
    todo, done, keys = split_done(
        inputs, outdir, rules_version(ruleset), options, stats, content
    )
    resume = Resume(
        DoneInputs(outdir),
        {display(item.path): key for item, key in keys.items()},
        list(done.values()),
    )
    with ExitStack() as stack:
        stack.callback(resume.table.close)
        # Workers start first; the parent's own set-up (pyarrow, the folder's index) runs
        # while they clean.  Nothing below writes before the index is read.
        outcomes = _start(stack, todo, ruleset, stats, options, jobs, own_process, kept)
        import pyarrow  # noqa: F401  # its import time overlaps the workers' cleaning
        show = sys.stderr.isatty() if progress is None else progress
        write_outcomes(
            outcomes, outdir, summary, Progress(len(inputs), show),
            drop_duplicates=drop_duplicates, flush_seconds=flush_seconds, resume=resume,
            loaded=loaded,
        )
    return summary


@dataclass
class Resume:
    """What a local run records of its inputs (:mod:`pipelines.batch.resume`): the table,
    each input's (key, stamp, job) by its ``source``, and the inputs it skipped."""

    table: DoneInputs
    keys: dict[str, tuple[str, str, str]]
    skipped: list[Done]


def write_outcomes(
    outcomes: Iterable[Outcome],
    outdir: Path,
    summary: Summary,
    report: Progress,
    *,
    tick: bool = True,
    drop_duplicates: bool = False,
    flush_seconds: float | None = FLUSH_SECONDS,
    resume: Resume | None = None,
    loaded: tuple[dict[str, Existing], dict[Path, set[str]]] | None = None,
) -> None:
    """Write the rows of ``outcomes`` (in input order) into ``outdir`` and count them into
    ``summary``: a row whose id and content are already there is skipped, one whose id is
    there with other content replaces the old row; the first of an id in a batch wins.
    Every row gets its ``duplicate_of`` from the folder's duplicate index
    (:mod:`pipelines.store.dedup`); ``drop_duplicates`` leaves duplicates out instead.

    Rows go to part files of at most 5,000 rows; every ``flush_seconds`` (None: only at
    the end) what is buffered is written too and the duplicate index committed
    (``final=False``, :meth:`pipelines.store.dedup.DedupIndex.commit`): the old rows of the
    records replaced so far are then removed, so a killed run keeps what it wrote, the next
    run skips it, and a reader sees a replaced record twice only between a part's rename and
    that commit.  Re-pointing earlier rows waits for the end, as with one part.

    ``resume``: the inputs skipped because their rows are in place (counted unchanged, their
    ids taken as this batch's), and where to record each input once its rows are in place;
    ``loaded``: :func:`pipelines.store.dataset.load_index` of ``outdir``, when read already.

    Every way of running a batch (local processes, a Dask cluster) writes through here.
    ``tick``: advance ``report`` by one per outcome (off when the caller counts tasks).
    """
    from pipelines.batch.resume import Done
    from pipelines.store.dataset import load_index, remove_rows
    from pipelines.store.dedup import DedupIndex
    from pipelines.store.parquet import PartWriter, remove_stale_temporaries

    replaced: dict[Path, set[str]] = {}
    seen: set[str] = set()
    remove_stale_temporaries(outdir)
    index, stale = loaded or load_index(outdir)
    if stale:
        remove_rows(stale)
    left_out = 0
    recorded: list[tuple[str, str, str, Done]] = []  # inputs cleaned, rows not yet in place
    for done in resume.skipped if resume else ():
        if tick:
            report.update()
        summary.unchanged += len(done.rows)
        summary.dropped.update(done.dropped)
        seen.update(rid for rid, _ in done.rows)

    def in_place() -> None:
        """Every row so far is in a part file: record the inputs that gave them."""
        if resume is not None:
            resume.table.record(recorded)
        recorded.clear()

    with DedupIndex.open(outdir, drop=drop_duplicates) as dedup, PartWriter(
        outdir, prefix="part"
    ) as writer:
        last_commit, committed = time.monotonic(), 0  # parts whose rows the index has committed
        for outcome in outcomes:
            if tick:
                report.update()
            for note in outcome.notes:
                report.write(f"warning: {note}")
            if outcome.error:
                summary.errors += 1
                report.write(f"error: {outcome.error}")
            summary.dropped.update(outcome.dropped)
            rows = []
            for row in outcome.rows:
                if row["id"] in seen:
                    summary.unchanged += 1
                    continue
                seen.add(row["id"])
                old = index.get(row["id"])
                if old is not None and old.content_sha256 == row["content_sha256"]:
                    summary.unchanged += 1
                    continue
                if old is not None:
                    replaced.setdefault(old.path, set()).add(row["id"])
                    summary.replaced += 1
                # (counted in C: a dump's row lists a hundred removals and more)
                summary.removed_by_rule.update(map(_RULE_ID, row["removed"]))
                rows.append(row)
            complete = outcome.error is None
            for row, duplicate_of in zip(rows, dedup.assign(rows), strict=True):
                if duplicate_of is not None and drop_duplicates:
                    left_out += 1
                    complete = False  # cleaned again next time: it takes part in the clusters
                    continue
                row["duplicate_of"] = duplicate_of
                writer.write(row)
                summary.written += 1
            key = resume.keys.get(outcome.source) if resume and complete else None
            if key is not None:
                gave = [(row["id"], row["content_sha256"]) for row in outcome.rows]
                recorded.append((*key, Done(gave, list(outcome.dropped))))
            if flush_seconds is not None and time.monotonic() - last_commit >= flush_seconds:
                if writer.buffer or len(writer.paths) > committed:
                    # every assigned row is in place (or left out) before the commit
                    writer.flush()
                    dedup.commit(remove=replaced, final=False, written=writer.take_written())
                    replaced, committed = {}, len(writer.paths)
                in_place()
                last_commit = time.monotonic()
        writer.flush()
        in_place()
        # Every part is in place: the old rows of replaced records are removed, and rows
        # that an earlier record of this batch (or a run before) turned into duplicates are
        # re-pointed (or left out with --drop-duplicates), one rewrite per file.
        counts = dedup.commit(remove=replaced, written=writer.take_written())
    report.close()
    summary.exact_duplicates, summary.near_duplicates = counts.exact, counts.near
    summary.duplicates_left_out = drop_duplicates
    summary.written -= counts.dropped - left_out  # written, then left out at the commit
    summary.repointed = counts.updated


class Progress:
    """A progress bar on a terminal (tqdm, imported only then), plain stderr lines otherwise."""

    def __init__(self, total: int, show: bool, unit: str = "file") -> None:
        self.bar: Any = None
        if show:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=unit, file=sys.stderr, leave=False)

    def update(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def grow(self, more: int) -> None:
        """``more`` steps to go than the bar said (work found while running)."""
        if self.bar is not None:
            self.bar.total += more
            self.bar.refresh()

    def write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


_WARM_TEXT = "A line of text to prepare the rule matchers with.\nAnother line of it."
_WARM_HTML = b"<html><body><article><p>A paragraph to prepare the DOM rules with.</p></article></body></html>"


def _warm_up(ruleset: RuleSet, kinds: set[str]) -> None:
    """Clean a tiny document of each kind so the rule set's derived matchers exist before fork."""
    if "text" in kinds:
        from cleaning.text.clean import clean_text

        clean_text(_WARM_TEXT, rules=ruleset)
    if kinds & {"html", "warc"}:
        from cleaning.html.extract import clean_html

        clean_html(_WARM_HTML, None, rules=ruleset)


def _start(
    stack: ExitStack,
    inputs: list[InputFile],
    ruleset: RuleSet,
    stats: RepetitionStats | None,
    options: CleanOptions,
    jobs: int,
    own_process: bool,
    kept: KeptTexts | None = None,
) -> Iterator[Outcome]:
    """The outcomes of ``inputs`` in input order; with ``jobs`` > 1 the workers (stopped by
    ``stack``) are already cleaning when this returns."""
    parallel = jobs > 1 and len(inputs) > 1
    # fork: workers start with this process's imports (trafilatura, lxml) already loaded,
    # and with the rule set's prepared matchers, built here once instead of once per worker.
    fork = sys.platform.startswith("linux")
    if not parallel or fork:
        if parallel:
            _warm_up(ruleset, {item.kind for item in inputs})
        # this process cleans too: it is one of the `jobs` processes (pipelines/batch/sharedwork.py);
        # forked workers inherit the kept texts
        _init_worker(ruleset, stats, options, kept)
        if own_process:
            _tune_gc()
        if not parallel:
            return map(clean_file, inputs)
        from pipelines.batch.sharedwork import SharedWork

        work = SharedWork(
            shrinking_chunks(inputs, jobs),
            min(jobs, len(inputs)) - 1,
            clean_files,
            lost=_lost_chunk,
            init_worker=_init_forked_worker,
        )
        stack.enter_context(work)
        return (outcome for chunk in work.results() for outcome in chunk)
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    workers = min(jobs, len(inputs))
    pool = ctx.Pool(workers, initializer=_init_pool_worker, initargs=(ruleset, stats, options))
    stack.enter_context(pool)
    chunks = pool.imap(clean_files, shrinking_chunks(inputs, workers), chunksize=1)
    return (outcome for chunk in chunks for outcome in chunk)


def _init_forked_worker() -> None:
    _ignore_ctrl_c()
    _tune_gc()


def _lost_chunk(items: list[InputFile]) -> list[Outcome]:
    """The outcomes of a chunk whose worker process died while cleaning it."""
    return [
        Outcome(
            display(item.path),
            error=f"{display(item.path)}: the cleaning process holding it stopped "
            "(killed, or out of memory); run again, or with -j 1 to see the error",
        )
        for item in items
    ]


def clean_files(items: list[InputFile]) -> list[Outcome]:
    """Clean a chunk of input files in a worker (one round trip to the parent per chunk)."""
    return [clean_file(item) for item in items]


# Largest chunk per kind of input: a WARC file may hold thousands of pages, an HTML page
# costs about 20 ms, a text document about 1 ms (where each round trip starts to count).
_MAX_CHUNK = {"warc": 1, "html": 16, "text": 64}


def shrinking_chunks(inputs: list[InputFile], workers: int) -> list[list[InputFile]]:
    """Consecutive chunks of ``inputs`` that shrink toward the end of the batch.

    Each chunk is a share of what is left (guided scheduling), capped by the kind of
    input: few round trips to the parent (each costs it about 1 ms of CPU), and chunks of
    one or two files at the end, so no worker sits idle while another finishes a big chunk.
    """
    cap = min(_MAX_CHUNK.get(item.kind, 1) for item in inputs) if inputs else 1
    chunks: list[list[InputFile]] = []
    start = 0
    while start < len(inputs):
        size = max(1, min(cap, (len(inputs) - start) // (2 * workers)))
        chunks.append(inputs[start : start + size])
        start += size
    return chunks
