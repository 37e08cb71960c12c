"""``newsclean clean --scheduler ADDRESS``: the same batch, cleaned on a Dask cluster.

This process (the client) finds the inputs, loads the rules and writes OUTDIR; the
workers (``dask worker``, on any host) read the inputs and clean them:

- Tasks: text and HTML files in chunks, as a local run chunks them for its processes;
  a WARC archive in slices of records (one first task per archive lists the offsets of
  its records, then each slice reads only its own).
- Repetition statistics, a distributed reduce: one task per chunk of text files counts
  its lines, merge tasks add the counts up (a tree of at most ``MERGE_FAN_IN`` parts per
  merge), and the text files' cleaning tasks take the merged statistics as an argument,
  so the statistics stay on the cluster and the HTML tasks do not wait for them.
- Cleaning: each task calls :func:`pipelines.batch.run.clean_file` (an archive's slice:
  :func:`pipelines.batch.run.clean_pages`), the functions of a local run.
- Resuming: before any cleaning task is submitted, the inputs already written into
  OUTDIR, cleaned the same way (the local run's record, :mod:`pipelines.batch.resume`),
  are set apart and counted unchanged; only the rest is cleaned.  The rules' version and
  the digests of the text groups' statistics that this takes come from small tasks (the
  statistics stay on the cluster); the HTML and WARC inputs are submitted once the rules
  are known, the text files once the statistics are.
- Writing: the workers return rows and this process writes them through
  :func:`pipelines.batch.run.write_outcomes`, in input order, as a local run does.  So
  OUTDIR is on the client's disk alone, its re-run rules (skip unchanged, replace changed,
  atomic part files) are the local run's, and a step over all rows before writing (such
  as deduplication) is a step of that one loop.  The cost is that every row passes
  through the client: cleaned rows are about a tenth of the HTML they come from.
- A worker that dies: Dask runs its tasks again on the others, and so the results it held
  that the client had not fetched yet.  A task that keeps killing its workers (Dask gives
  up after ``distributed.scheduler.allowed-failures``) fails its files, one error line
  each, and the rest goes on.

The inputs must be readable by every worker at the same absolute path (a shared or
copied folder); the rule files are read here and the rules sent to the workers.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cleaning import __version__ as CLEANER_VERSION
from cleaning.rules import RuleError, RuleSet
from cleaning.text.repetition import RepetitionStats
from pipelines.batch.inputs import InputFile, display
from pipelines.batch.run import (
    FLUSH_SECONDS,
    CleanOptions,
    Job,
    Outcome,
    Progress,
    Resume,
    Summary,
    clean_file,
    clean_pages,
    count_lines,
    merge_stats,
    shrinking_chunks,
    warc_error,
    write_outcomes,
)
from pipelines.rulefiles import RuleSources, rules_version

if TYPE_CHECKING:
    from pipelines.batch.resume import Done
    from pipelines.store.dataset import Existing

MERGE_FAN_IN = 8  # statistics parts added up by one merge task
WARC_SLICE = 16  # records per task at most: a few hundred ms of cleaning, as an HTML chunk

T = TypeVar("T")  # what _same passes through


class ClusterError(Exception):
    """The cluster cannot run the batch; ``str()`` is the one line shown to the user."""


@dataclass(frozen=True)
class _Entry:
    """An input as the workers get it: its absolute path, its name in the output, and its
    path as given here (for the error lines, which name it so in a local run)."""

    item: InputFile
    source: str
    given: str


def run_on_cluster(
    inputs: list[InputFile],
    outdir: Path,
    options: CleanOptions,
    address: str,
    *,
    rules: RuleSources,
    base: RepetitionStats | None = None,
    progress: bool | None = None,
    timeout: float = 10.0,
    on_stats: Callable[[RepetitionStats], None] | None = None,
    drop_duplicates: bool = False,
    flush_seconds: float | None = FLUSH_SECONDS,
) -> Summary:
    """Clean ``inputs`` on the Dask cluster of the scheduler at ``address`` into ``outdir``.

    ``rules``: the rule files' texts, parsed (and so checked) on the workers, which keep
    the parsed sets of the last few digests: a run with the same rules parses nothing, and
    this process none at all.  ``base``: statistics of an earlier run, added
    to this batch's; ``on_stats`` gets the batch's merged statistics (to save them);
    ``drop_duplicates`` and ``flush_seconds`` as in a local run.  Raises :class:`ClusterError` when the scheduler
    cannot be reached or its workers cannot run the batch, :class:`RuleError` for bad
    rules (before anything is written).
    """
    from pipelines.batch.resume import DoneInputs

    client = _connect(address, timeout)
    try:
        entries = [_entry(item) for item in inputs]
        _check_workers(client, address, entries, timeout)
        show = sys.stderr.isatty() if progress is None else progress
        plan = _Plan(client, entries, options, rules, base)
        plan.check_rules()
        print(_describe(client, address), file=sys.stderr)
        outdir.mkdir(parents=True, exist_ok=True)
        summary = Summary(files=len(inputs))
        loaded = None
        if DoneInputs.exists(outdir):
            from pipelines.store.dataset import load_index

            loaded = load_index(outdir)
        resume = _resume(plan, inputs, outdir, options, loaded)
        with closing(resume.table):
            if on_stats is not None:
                on_stats(plan.statistics())
            report = Progress(plan.tasks, show, unit="task")
            write_outcomes(plan.outcomes(report), outdir, summary, report, tick=False,
                           drop_duplicates=drop_duplicates, flush_seconds=flush_seconds,
                           resume=resume, loaded=loaded)
        return summary
    finally:
        client.close()


def _resume(
    plan: _Plan, inputs: list[InputFile], outdir: Path, options: CleanOptions,
    loaded: tuple[dict[str, Existing], dict[Path, set[str]]] | None,
) -> Resume:
    """Set apart the inputs already in ``outdir`` (:func:`pipelines.batch.resume.split_done`,
    as a local run does) and submit the cleaning of the others: the HTML and WARC inputs
    first, the text files once the digests of their statistics are in.  An input whose
    key cannot be had (the rules' or the statistics' task lost) is cleaned, not recorded."""
    from pipelines.batch.resume import DoneInputs, split_done, text_group

    content = {rid: e.content_sha256 for rid, e in loaded[0].items()} if loaded else {}
    version = plan.version()
    keys: dict[InputFile, tuple[str, str, str]] = {}
    skipped: list[Done] = []
    for texts in (False, True):
        part = [i for i, item in enumerate(inputs) if (item.kind == "text") == texts]
        if not part:
            continue
        items = [inputs[i] for i in part]
        groups = plan.group_digests({text_group(item, options) for item in items}) if texts else {}
        if version is None or groups is None:
            plan.clean(part)
            continue
        _, done, found = split_done(items, outdir, version, options, None, content, groups)
        keys.update(found)
        skipped.extend(done[item] for item in items if item in done)
        plan.clean([i for i in part if inputs[i] not in done])
    return Resume(
        DoneInputs(outdir),
        {display(item.path): key for item, key in keys.items()},
        skipped,
    )


def _connect(address: str, timeout: float) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(
            "--scheduler needs dask.distributed; install it with pip install 'newsclean[dask]'"
        ) from None

    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, ValueError, TypeError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} ({exc}); start one with "
            "`dask scheduler` (and workers with `dask worker ADDRESS`) and pass the address "
            "it prints, e.g. --scheduler tcp://HOST:8786"
        ) from None


def _entry(item: InputFile) -> _Entry:
    absolute = Path(os.path.abspath(item.path))
    return _Entry(
        InputFile(absolute, item.kind, group_name=item.group), display(item.path), str(item.path)
    )


def _check_workers(client: Any, address: str, entries: list[_Entry], timeout: float) -> None:
    """Every worker runs this version of newsclean and can read the inputs."""
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise ClusterError(
            f"the Dask scheduler at {address} has no workers; start some with "
            f"`dask worker {address}`"
        ) from None
    probe = str(entries[0].item.path) if entries else ""
    try:
        answers = client.run(_worker_facts, probe)
    except Exception as exc:  # a worker that cannot even load this module
        raise ClusterError(
            f"a worker of {address} cannot run newsclean ({type(exc).__name__}: {exc}); "
            f"install newsclean {CLEANER_VERSION} with its dask extra on every worker host"
        ) from None
    for worker, (version, readable) in sorted(answers.items()):
        if version != CLEANER_VERSION:
            raise ClusterError(
                f"worker {worker} runs newsclean {version}, this command {CLEANER_VERSION}; "
                "install the same version on every host"
            )
        if not readable:
            raise ClusterError(
                f"worker {worker} cannot read {probe}: the inputs must be at the same path "
                "on every worker host (a shared or copied folder)"
            )


def _worker_facts(probe: str) -> tuple[str, bool]:
    """On a worker: its newsclean version, and whether it can read the first input."""
    return CLEANER_VERSION, not probe or os.access(probe, os.R_OK)


def _describe(client: Any, address: str) -> str:
    info = client.scheduler_info()
    workers = info.get("workers", {})
    threads = sum(w.get("nthreads", 0) for w in workers.values())
    dashboard = ""
    if "dashboard" in info.get("services", {}):
        dashboard = f", dashboard {client.dashboard_link}"
    return (
        f"newsclean clean: Dask scheduler {address}, {len(workers)} workers "
        f"({threads} threads){dashboard}"
    )


@dataclass
class _Slot:
    """One input's results as they arrive (an archive's come in slices)."""

    outcome: Outcome | None = None
    slices: list[Outcome | None] | None = None  # an archive's, once its records are listed
    listing_error: str | None = None


@dataclass
class _Plan:
    """The tasks of one batch on the cluster, and their results put back in input order."""

    client: Any
    entries: list[_Entry]
    options: CleanOptions
    rules: RuleSources
    base: RepetitionStats | None
    tasks: int = 0
    _run: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    _submitted: int = 0
    _waiting: dict[str, tuple[str, Any]] = field(default_factory=dict)
    _first: list[Any] = field(default_factory=list)  # the tasks whose results come here
    _order: list[int] = field(default_factory=list)  # the entries cleaned, in input order
    _stats: Any = None

    def __post_init__(self) -> None:
        self._workers = max(1, sum(self.client.nthreads().values()))
        # The rules' texts reach the cluster once, as the result of a task (which Dask can
        # run again if every worker holding it dies, unlike data scattered from here).
        self._rules = self._submit("rules", None, _check_rules, self.rules)
        self._version = self._submit("version", None, _rules_version, self._rules)
        texts = [i for i, e in enumerate(self.entries) if e.item.kind == "text"]
        if texts:  # every text file counts, cleaned again or not: a local run's statistics
            self._stats = self._reduce_stats(texts, self._workers)

    def clean(self, indices: list[int]) -> None:
        """Submit the cleaning of the entries at ``indices`` (of one kind: HTML and WARC
        files, or text files), whose outcomes :meth:`outcomes` gives in input order."""
        self._order = sorted({*self._order, *indices})
        for i in indices:
            entry = self.entries[i]
            if entry.item.kind == "warc":
                self._first.append(self._submit("warc-list", i, _list_warc, str(entry.item.path)))
        pages = [i for i in indices if self.entries[i].item.kind == "html"]
        texts = [i for i in indices if self.entries[i].item.kind == "text"]
        for picks, stats in ((pages, None), (texts, self._stats)):
            start = 0
            for chunk in shrinking_chunks([self.entries[i].item for i in picks], self._workers):
                picked = picks[start : start + len(chunk)]
                start += len(chunk)
                self._first.append(self._submit(
                    "clean", picked, _clean_chunk, self._rules, stats, self.options,
                    [self.entries[i] for i in picked],
                ))

    def check_rules(self) -> None:
        """Raise the :class:`RuleError` of bad rules (the batch's tasks stopped), before
        anything is written.  A rules task lost otherwise fails the files, one error line
        each, as any lost task does."""
        try:
            self._rules.result()
        except RuleError:
            started = [self._rules, self._version, *self._first]
            self.client.cancel([*started, *([self._stats] if self._stats is not None else [])])
            self._first = []
            raise
        except Exception:  # reported through the cleaning tasks that need it
            pass

    def version(self) -> str | None:
        """The rules' ``rules_version`` (parsed on a worker), None if its task was lost."""
        try:
            version: str = self._version.result()
        except Exception:
            return None
        return version

    def group_digests(self, names: set[str]) -> dict[str, str] | None:
        """The digests of the statistics of the text groups ``names``, taken on the
        cluster (:func:`pipelines.batch.resume.stats_digests`); None if they were lost."""
        from pipelines.batch.resume import stats_digests

        if self._stats is None:
            return None
        try:
            digests: dict[str, str] = self._submit(
                "stats-digests", None, stats_digests, self._stats, sorted(names)
            ).result()
        except Exception:
            return None
        return digests

    def _submit(self, name: str, ref: Any, fn: Callable[..., Any], *args: Any) -> Any:
        """Submit a task; with ``ref`` (what it is for), its result comes to :meth:`outcomes`."""
        future = self.client.submit(
            fn, *args, key=f"newsclean-{name}-{self._run}-{self._submitted}", pure=False
        )
        self._submitted += 1
        if ref is not None:
            self._waiting[future.key] = (name, ref)
            self.tasks += 1
        return future

    def _reduce_stats(self, texts: list[int], workers: int) -> Any:
        items = [self.entries[i].item for i in texts]
        parts = [self._submit("count", None, count_lines, chunk, self.options)
                 for chunk in shrinking_chunks(items, workers)]
        if self.base is not None:
            parts.append(self._submit("stats-base", None, _same, self.base))
        merge = partial(merge_stats, options=self.options)  # copies in two chunks: see there
        while len(parts) > 1:
            parts = [self._submit("merge", None, merge, *parts[i : i + MERGE_FAN_IN])
                     for i in range(0, len(parts), MERGE_FAN_IN)]
        return parts[0]

    def statistics(self) -> RepetitionStats:
        """The batch's repetition statistics (with ``base``), as the text tasks get them."""
        if self._stats is not None:
            stats: RepetitionStats = self._stats.result()
            return stats
        empty = count_lines([], self.options)
        return merge_stats(empty, self.base) if self.base is not None else empty

    def outcomes(self, report: Progress) -> Iterator[Outcome]:
        """Each input's outcome in input order, as soon as it and those before it are in."""
        from distributed import as_completed

        slots = {i: _Slot() for i in self._order}
        order, self._order = self._order, []
        pending = as_completed(
            self._first, loop=self.client.loop, with_results=True, raise_errors=False
        )
        self._first = []  # each task's future is dropped once its result is here
        cursor = 0
        for future, result in pending:
            name, ref = self._waiting.pop(future.key)
            report.update()
            failed = _failure(future) if future.status != "finished" else None
            if name == "clean":
                outcomes = result if failed is None else [_failed(self.entries[i], failed) for i in ref]
                for i, outcome in zip(ref, outcomes, strict=True):
                    slots[i].outcome = outcome
            elif name == "warc-list":
                offsets, error = result if failed is None else ([], failed)
                slots[ref].listing_error = error
                slices = [offsets[s : s + WARC_SLICE] for s in range(0, len(offsets), WARC_SLICE)]
                slots[ref].slices = [None] * len(slices)
                entry = self.entries[ref]
                for n, part in enumerate(slices):
                    pending.add(self._submit("warc", (ref, n), _clean_warc_slice, self._rules,
                                             str(entry.item.path), entry.source, part))
                report.grow(len(slices))
            else:
                i, n = ref
                part = result if failed is None else Outcome(self.entries[i].source, error=failed)
                slices_of = slots[i].slices
                assert slices_of is not None
                slices_of[n] = part
            del future, result
            while cursor < len(order):
                i = order[cursor]
                outcome = _assemble(self.entries[i], slots[i])
                if outcome is None:
                    break
                del slots[i]
                cursor += 1
                yield outcome


def _assemble(entry: _Entry, slot: _Slot) -> Outcome | None:
    """The input's outcome once all of it is in (an archive's slices joined), else None."""
    if slot.outcome is not None:
        return slot.outcome
    if slot.slices is None or any(s is None for s in slot.slices):
        return None
    out = Outcome(entry.source)
    for part in slot.slices:
        assert part is not None
        out.rows.extend(part.rows)
        out.dropped.extend(part.dropped)
        out.notes.extend(part.notes)
        if part.error:  # the archive broke under this slice: what follows it is not read
            out.error = warc_error(out, part.error)
            return out
    if slot.listing_error:
        out.error = warc_error(out, slot.listing_error)
    return out


def _failure(future: Any) -> str:
    try:
        exc = future.exception()
    except Exception as lost:  # cancelled: the scheduler forgot it
        exc = lost
    return f"{type(exc).__name__}: {exc}"


def _failed(entry: _Entry, why: str) -> Outcome:
    return Outcome(
        entry.source,
        error=f"{entry.source}: its cleaning task failed on the cluster ({why}); run again, "
        "or without --scheduler to see the error",
    )


# The tasks (module functions, so that workers import them by name).


def _same(value: T) -> T:
    return value


# On a worker: the rule sets parsed for recent runs, by their sources' digest, so that a
# run with the same rules neither parses them (0.15 s of CPU) nor builds their matchers
# again (0.13 s; a set unpickled from the client had to).  A parsed set is a function of
# its texts alone.
_RULESETS: dict[str, tuple[RuleSet, str]] = {}
_KEPT_RULESETS = 4


def _worker_rules(sources: RuleSources, *, probe: bool = False) -> tuple[RuleSet, str]:
    """The rule set of ``sources`` and its ``rules_version``, parsed once per worker.
    ``probe``: the user's files get the backtracking checks (the batch's rules task; the
    cleaning tasks run after it passed)."""
    kept = _RULESETS.get(sources.digest)
    if kept is None:
        ruleset = sources.load(probe=probe)
        kept = (ruleset, rules_version(ruleset))
        while len(_RULESETS) >= _KEPT_RULESETS:
            _RULESETS.pop(next(iter(_RULESETS)))
        _RULESETS[sources.digest] = kept
    return kept


def _rules_version(sources: RuleSources) -> str:
    """The ``rules_version`` of ``sources`` (what a run's resume keys take)."""
    return _worker_rules(sources)[1]


def _check_rules(sources: RuleSources) -> RuleSources:
    """The batch's rules task: parse ``sources`` here (a :class:`RuleError` says what is
    wrong) and pass them on to the cleaning tasks."""
    _worker_rules(sources, probe=True)
    return sources


def _clean_chunk(
    sources: RuleSources,
    stats: RepetitionStats | None,
    options: CleanOptions,
    entries: list[_Entry],
) -> list[Outcome]:
    ruleset, version = _worker_rules(sources)
    job = Job(ruleset, stats, options, version)
    outcomes = []
    for entry in entries:
        out = clean_file(entry.item, job, entry.source)
        absolute = str(entry.item.path)
        if out.error and out.error.startswith(absolute):
            out.error = entry.given + out.error[len(absolute) :]
        out.notes = [entry.given + n[len(absolute) :] if n.startswith(absolute) else n
                     for n in out.notes]
        outcomes.append(out)
    return outcomes


def _list_warc(path: str) -> tuple[list[int], str | None]:
    """The offsets of an archive's complete response records, and why the listing stopped
    early (a damaged file), if it did."""
    from pipelines.store.warc import response_offsets

    offsets: list[int] = []
    try:
        offsets.extend(response_offsets(path))
    except Exception as exc:  # a broken archive: the records before the damage are kept
        return offsets, str(exc)
    return offsets, None


def _clean_warc_slice(sources: RuleSources, path: str, source: str, offsets: list[int]) -> Outcome:
    from pipelines.store.warc import read_responses_at

    ruleset, version = _worker_rules(sources)
    out = Outcome(source)
    try:
        clean_pages(read_responses_at(path, offsets), out, ruleset, version,
                    datetime.now(timezone.utc))
    except Exception as exc:  # the file changed since it was listed
        out.error = str(exc)
    return out
