"""The ``newsclean`` command: clean, explain, rules, crawl."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cleaning.rules import RuleError
from cleaning.text.repetition import RepetitionStats
from pipelines.batch.inputs import DEFAULT_MAX_BYTES, InputError, InputFile, discover
from pipelines.store.dedup import DedupError, DedupLocked

if TYPE_CHECKING:
    from pipelines.batch.run import CleanOptions, Summary

EXIT_OK, EXIT_INPUT_ERRORS, EXIT_USAGE = 0, 1, 2
EXIT_LOCKED = 75  # another process holds OUTDIR's duplicate index: try later (EX_TEMPFAIL)


def _add_rule_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", action="append", default=[], metavar="FILE",
                   help="extra rule file (TOML); may be repeated")
    p.add_argument("--disable-rule", action="append", default=[], metavar="ID",
                   help="turn off a rule by id; may be repeated")
    p.add_argument("--domain", help="publisher domain of text inputs: applies its publisher rules")


def _seconds(text: str) -> float:
    """A positive, finite number of seconds (argparse turns the error into a usage line)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text!r}")
    return value


def build_parser(with_crawl: bool = True) -> argparse.ArgumentParser:
    """The argument parser; ``with_crawl=False`` skips importing the crawler (Scrapy) for speed."""
    parser = argparse.ArgumentParser(prog="newsclean", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    clean = sub.add_parser("clean", help="clean text, HTML and WARC files into a Parquet folder")
    clean.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (recursive)")
    clean.add_argument("-o", "--output", required=True, type=Path, metavar="OUTDIR")
    clean.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                       help="cleaning processes, this one included (default: all cores)")
    _add_rule_options(clean)
    clean.add_argument("--stats", type=Path, metavar="FILE",
                       help="repetition statistics saved by an earlier run, merged with this batch's")
    clean.add_argument("--save-stats", type=Path, metavar="FILE",
                       help="save this batch's repetition statistics (JSON) for later runs")
    clean.add_argument("--encoding", help="decode text files with this encoding instead of detecting it")
    clean.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES,
                       help=f"largest document accepted (default {DEFAULT_MAX_BYTES})")
    clean.add_argument("--no-progress", action="store_true", help="no progress bar")
    clean.add_argument("--drop-duplicates", action="store_true",
                       help="leave exact and near-duplicates of other records out (default: "
                       "write them with duplicate_of set)")
    clean.add_argument("--flush-seconds", type=_seconds, default=60.0, metavar="SECONDS",
                       help="write a part file of what is cleaned at least this often, so a "
                       "killed run keeps its work (default 60; parts hold at most 5,000 rows)")
    clean.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="clean on the Dask cluster of this scheduler instead of local processes")
    clean.add_argument("--scheduler-timeout", type=_seconds, default=10.0, metavar="SECONDS",
                       help="how long to try to reach the scheduler and its first worker (default 10)")

    explain = sub.add_parser("explain", help="show a file with each removed line marked by its rule id")
    explain.add_argument("path", type=Path, metavar="FILE")
    _add_rule_options(explain)
    explain.add_argument("--stats", type=Path, metavar="FILE", help="repetition statistics to use")

    rules = sub.add_parser("rules", help="list the active rules (and validate extra rule files)")
    _add_rule_options(rules)

    crawl_parser = sub.add_parser("crawl", help="crawl news sites into a Parquet dataset")
    if with_crawl:
        from pipelines.crawl import run as crawl

        crawl.add_arguments(crawl_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    program = argv is None  # this process is the `newsclean` command (not a caller's main())
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(with_crawl=bool(argv) and argv[0] == "crawl").parse_args(argv)
    try:
        if args.command == "clean":
            return _clean(args, program)
        if args.command == "explain":
            return _explain(args)
        if args.command == "rules":
            return _rules(args)
        from pipelines.crawl import run as crawl

        return int(crawl.run(args))
    except RuleError as exc:
        print(f"newsclean: rule error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DedupError as exc:
        print(f"newsclean {args.command}: {exc}", file=sys.stderr)
        return EXIT_LOCKED if isinstance(exc, DedupLocked) else EXIT_INPUT_ERRORS
    except KeyboardInterrupt:
        print("newsclean: interrupted; complete part files were kept", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `newsclean explain x | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _load_stats(path: Path | None) -> RepetitionStats | None:
    if path is None:
        return None
    try:
        return RepetitionStats.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RuleError(f"{path}: cannot read repetition statistics ({exc}); pass a file saved with --save-stats") from None


def _clean(args: argparse.Namespace, program: bool = False) -> int:
    from pipelines.batch.run import CleanOptions, KeptTexts, build_batch_stats, run_batch
    from pipelines.rulefiles import load_ruleset

    if args.jobs < 1:
        print("newsclean: --jobs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.output.exists() and not args.output.is_dir():
        print(f"newsclean: {args.output}: is a file; -o takes a folder", file=sys.stderr)
        return EXIT_USAGE
    if args.save_stats is not None and not args.save_stats.parent.is_dir():
        print(f"newsclean: {args.save_stats}: its folder does not exist; create it or pass another path", file=sys.stderr)
        return EXIT_USAGE
    inputs, errors = discover(args.paths)
    for err in errors:
        print(f"error: {err}", file=sys.stderr)
    if not inputs:
        print("newsclean clean: no input files; nothing written", file=sys.stderr)
        return EXIT_USAGE
    options = CleanOptions(
        rule_files=tuple(args.rules), disabled=tuple(args.disable_rule), max_bytes=args.max_bytes,
        encoding=args.encoding, domain=args.domain,
    )
    progress = False if args.no_progress else None
    if args.scheduler:
        on_cluster = _clean_on_cluster(args, inputs, options, progress)
        if on_cluster is None:
            return EXIT_USAGE
        summary = on_cluster
    else:
        ruleset = load_ruleset(options.rule_files, options.disabled)
        kept = KeptTexts()  # texts the statistics pass reads, cleaned without a second read
        stats = build_batch_stats(inputs, options, _load_stats(args.stats), jobs=args.jobs, kept=kept)
        if args.save_stats:
            _write_json_atomic(args.save_stats, stats.to_json())
        summary = run_batch(
            inputs, args.output, options, args.jobs, stats, ruleset=ruleset,
            progress=progress, own_process=program, drop_duplicates=args.drop_duplicates,
            flush_seconds=args.flush_seconds, kept=kept,
        )
    summary.errors += len(errors)
    print(summary.line(args.output), file=sys.stderr)
    if program:
        # Python's exit runs a last garbage collection over every object (trafilatura, lxml,
        # pyarrow, the rules): 0.08-0.15 s here, for memory the process is about to return.
        # Frozen objects are skipped; everything written is already closed and renamed.
        gc.freeze()
    return EXIT_INPUT_ERRORS if summary.errors else EXIT_OK


def _clean_on_cluster(
    args: argparse.Namespace, inputs: list[InputFile], options: CleanOptions,
    progress: bool | None,
) -> Summary | None:
    """``clean --scheduler``: the batch on a Dask cluster; None (said why) when it cannot run.
    The rules are read here and parsed on the workers and here, once the workers clean."""
    from pipelines.batch.cluster import ClusterError, run_on_cluster
    from pipelines.rulefiles import rule_sources

    rules = rule_sources(options.rule_files, options.disabled)
    base = _load_stats(args.stats)

    def save(stats: RepetitionStats) -> None:
        _write_json_atomic(args.save_stats, stats.to_json())

    try:
        return run_on_cluster(
            inputs, args.output, options, args.scheduler, rules=rules,
            base=base, progress=progress, timeout=args.scheduler_timeout,
            on_stats=save if args.save_stats else None, drop_duplicates=args.drop_duplicates,
            flush_seconds=args.flush_seconds,
        )
    except ClusterError as exc:
        print(f"newsclean clean: {exc}", file=sys.stderr)
        return None


def _write_json_atomic(path: Path, data: object) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def _explain(args: argparse.Namespace) -> int:
    from pipelines.batch.explain import explain_file
    from pipelines.rulefiles import load_ruleset

    ruleset = load_ruleset(args.rules, args.disable_rule)
    try:
        for line in explain_file(args.path, ruleset, domain=args.domain, stats=_load_stats(args.stats)):
            print(line)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERRORS
    except ValueError as exc:
        print(f"error: {args.path}: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERRORS
    return EXIT_OK


def _rules(args: argparse.Namespace) -> int:
    from pipelines.rulefiles import load_ruleset, rules_version

    ruleset = load_ruleset(args.rules, args.disable_rule)
    for rule in ruleset.rules:
        where = "" if rule.is_generic else f" [{', '.join(rule.publishers)}]"
        print(f"{rule.id:<48} {rule.kind:<8} {rule.action:<8}{where}  {rule.description}")
    print(f"{len(ruleset.rules)} rules, rules_version {rules_version(ruleset)}", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
