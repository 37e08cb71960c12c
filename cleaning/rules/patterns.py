"""What a line rule's regular expression says about the lines it can match, read off the
pattern parsed by the standard library's parser: the literals every match contains (the
*gate*), its top-level alternatives, and the characters an anchored match opens with.

The rule engine computes each rule's gate when a rule file is parsed; the text mode's
matcher (:mod:`cleaning.text.matcher`) pre-tests lines with these.  Pure functions of the
pattern: nothing is cached.
"""

from __future__ import annotations

import _sre
import importlib
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from cleaning.words import STOPWORDS

try:  # the regular-expression parser and compiler of the standard library (renamed in 3.11)
    _sc: Any = importlib.import_module("re._constants")
    _sp: Any = importlib.import_module("re._parser")
    _cp: Any = importlib.import_module("re._compiler")
except ImportError:  # pragma: no cover - Python 3.10
    _sc = importlib.import_module("sre_constants")
    _sp = importlib.import_module("sre_parse")
    _cp = importlib.import_module("sre_compile")

_REPEATS = tuple(
    getattr(_sc, n) for n in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(_sc, n)
)
_GLOBAL_FLAGS = re.compile(r"^\(\?([imsx]+)\)")
_NOT_JOINABLE = re.compile(r"\(\?P|\\[1-9]|\(\?[aLu]|\(\?[imsx]*-")
# groups that refer to nothing outside them: a top-level "|" beside them splits the pattern
_SELF_CONTAINED = (":", "=", "!", "<=", "<!", ">")
_MIN_LITERAL = 2  # gates of single characters would let almost every line through


def parse_pattern(pattern: str) -> Any:
    """``pattern`` parsed by the standard library's parser (None if it cannot be), for the
    analyses below to share one parse."""
    try:
        return _sp.parse(pattern)
    except Exception:  # noqa: BLE001 - the engine already validated it; be safe
        return None


def compile_parsed(pattern: str, parsed: Any) -> re.Pattern[str]:
    """``re.compile(pattern)`` made from ``parsed``, the pattern's :func:`parse_pattern`, without
    parsing it again (the parse is most of a compile; rules are parsed for their gates anyway).

    The same object ``re.compile`` returns (equal to it): the standard library's own steps
    after its parse.  ``re.error`` when the pattern cannot be compiled; without a parse
    (None), or if the library's internals ever differ, plain ``re.compile``."""
    if parsed is None:
        return re.compile(pattern)
    try:
        code = _cp._code(parsed, 0)
        state = parsed.state
        indexgroup: list[str | None] = [None] * state.groups
        for name, i in state.groupdict.items():
            indexgroup[i] = name
        compiled: re.Pattern[str] = _sre.compile(
            pattern, state.flags, code, state.groups - 1, state.groupdict, tuple(indexgroup)
        )
    except re.error:
        raise
    except Exception:  # noqa: BLE001 - another Python's internals: the public way
        return re.compile(pattern)
    return compiled


def gate_of(pattern: str, parsed: Any = None) -> tuple[str, ...] | None:
    """Lower-case literals one of which every match of ``pattern`` contains, or None.

    None means "no useful gate": the pattern is anchored at the start (fast to
    search anyway) or its literals are too short or unknown.  ``parsed``: the pattern
    already parsed (:func:`parse_pattern`).
    """
    if parsed is None:
        parsed = parse_pattern(pattern)
    if parsed is None:
        return None
    if _anchored(list(parsed)):
        return None
    return literal_gate(parsed)


def literal_gate(parsed: Any, rank: Callable[[str], int] | None = None) -> tuple[str, ...] | None:
    """The gate of a parsed pattern, anchored or not (see :func:`gate_of`); ``rank`` orders
    candidate literals by selectivity (default: function words count as one character)."""
    found = _required(_items(parsed), rank or _selectivity, {})
    # a one-character gate is only selective when the character is rare (©, £)
    if not found or any(len(s) < _MIN_LITERAL and s.isascii() for s in found):
        return None
    # a literal containing another one of the set adds nothing: keep the short ones (each
    # tested against the shorter ones kept: one it contains that was left out contains a
    # kept one itself)
    kept: list[str] = []
    for s in sorted(found, key=len):
        if not any(k in s for k in kept):
            kept.append(s)
    return tuple(sorted(kept))


_SECOND_CANDIDATES = 4  # necessary sets kept per (sub)sequence while looking for a second gate
# punctuation that prose lines hold often: as a single-character gate it lets most lines through
_COMMON_PUNCTUATION = frozenset(".,;:-'\"’‘“”!?()")


def second_gate(parsed: Any, first: Sequence[str]) -> tuple[str, ...] | None:
    """Another set of lower-case literals one of which every match of the parsed pattern
    contains, independent of ``first`` (its :func:`literal_gate`): a line must hold one of
    each before the pattern is searched.  None when the pattern requires nothing else
    selective, or when every literal of ``first`` holds one of the set (a line passing the
    first gate would always pass the second).

    Read off the same parse as the first gate, but every necessary set of literals is kept
    (not only the most selective of each sequence), and one rare punctuation character
    ("/", "©", "@") counts as selective: "… / dpa" requires "/" as well as an agency's name.
    """
    found = _necessary(_items(parsed))
    for cand in found:
        if not all(_second_rank(s) >= _MIN_LITERAL for s in cand):
            continue
        kept: list[str] = []
        for s in sorted(cand, key=len):
            if not any(k in s for k in kept):
                kept.append(s)
        if all(any(k in f for k in kept) for f in first):
            continue  # implied by the first gate (or the first gate itself)
        return tuple(sorted(kept))
    return None


def _second_rank(literal: str) -> int:
    """The selectivity of a literal for :func:`second_gate`: one rare punctuation character
    counts as two letters (a line of prose seldom holds a "/"), a function word as one."""
    if len(literal) == 1:
        if literal.isalnum() or literal.isspace() or literal in _COMMON_PUNCTUATION:
            return 0
        return _MIN_LITERAL
    return _selectivity(literal)


def _joined_literals(seq: list[Any]) -> Iterator[tuple[Any, Any]]:
    """The items of a parsed sequence, each run of literals joined, lower-cased, into one
    ``(None, text)`` item; the other items as they are."""
    run: list[str] = []
    for op, av in seq:
        if op is _sc.LITERAL:
            run.append(chr(av).lower())
            continue
        if run:
            yield None, "".join(run)
            run = []
        yield op, av
    if run:
        yield None, "".join(run)


def _necessary(seq: list[Any]) -> list[set[str]]:
    """Sets of literals one of which every match of ``seq`` contains, the most selective
    first (at most :data:`_SECOND_CANDIDATES`): its literal runs, those of the groups and
    repetitions it must match, and for a choice the union of one set of each alternative."""
    candidates: list[set[str]] = []
    for op, av in _joined_literals(seq):
        if op is None:
            candidates.append({av})
        elif op is _sc.SUBPATTERN:
            candidates.extend(_necessary(_items(av[-1])))
        elif op is _sc.BRANCH:
            alts = [_necessary(_items(b)) for b in av[1]]
            if all(alts):
                # the k-th set of each alternative (its last when it has fewer): one of them
                # holds whatever alternative matched
                for k in range(min(_SECOND_CANDIDATES, max(map(len, alts)))):
                    candidates.append(set().union(*(a[min(k, len(a) - 1)] for a in alts)))
        elif op in _REPEATS:
            lo, _hi, item = av
            if lo >= 1:
                candidates.extend(_necessary(_items(item)))
    unique: list[set[str]] = []
    for cand in candidates:
        if cand not in unique:
            unique.append(cand)
    unique.sort(key=lambda c: (min(map(_second_rank, c)), -len(c)), reverse=True)
    return unique[:_SECOND_CANDIDATES]


def branches(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern``, each a pattern of its own (with the global
    flags): a line matches ``pattern`` exactly when it matches one of them, and each gets
    its own gate or opening characters, more selective than the whole alternation's.

    ``[pattern]`` when the pattern has no top-level ``|`` or cannot be split safely
    (group references, groups other than ``(?:...)``, verbose mode, flags other than ``ims``).
    """
    return [part for part, _, _ in parsed_branches(pattern)]


def parsed_branches(pattern: str) -> list[tuple[str, Any, re.Pattern[str] | None]]:
    """:func:`branches` of ``pattern``, each with its parse (:func:`parse_pattern`) and its
    compiled expression, made from that parse; ``[(pattern, None, None)]`` when the pattern
    is not split (the caller has it compiled already)."""
    whole: list[tuple[str, Any, re.Pattern[str] | None]] = [(pattern, None, None)]
    parts = _split(pattern)
    if len(parts) == 1:
        return whole
    out: list[tuple[str, Any, re.Pattern[str] | None]] = []
    for part in parts:
        parsed = parse_pattern(part)
        try:
            out.append((part, parsed, compile_parsed(part, parsed)))
        except re.error:  # a split the scanner got wrong: keep the pattern whole
            return whole
    return out


def _split(pattern: str) -> list[str]:
    """The top-level alternatives as the scanner of :func:`branches` finds them, unchecked."""
    m = _GLOBAL_FLAGS.match(pattern)
    flags, rest = (pattern[: m.end()], pattern[m.end() :]) if m else ("", pattern)
    if "x" in flags or re.search(r"\\[1-9]", rest):
        return [pattern]
    parts: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(rest):
        c = rest[i]
        if c == "\\":
            i += 1
        elif c == "[":  # a class: skip to its end (a "]" right after "[" or "[^" is literal)
            i += 2 if rest[i + 1 : i + 2] == "^" else 1
            i += 1 if rest[i : i + 1] == "]" else 0
            while i < len(rest) and rest[i] != "]":
                i += 2 if rest[i] == "\\" else 1
        elif c == "(":
            # a group with flags or a name, a conditional: not split (an escaped "\(" before
            # a "?", as in "\(?(photo", is a literal and was skipped above); a look-around or
            # an atomic group is matched where it stands, as a (?:...) group is
            if rest[i + 1 : i + 2] == "?" and not rest.startswith(_SELF_CONTAINED, i + 2):
                return [pattern]
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(rest[start:i])
            start = i + 1
        i += 1
    parts.append(rest[start:])
    if len(parts) == 1:
        return [pattern]
    return [flags + part for part in parts]


UNPARSED: Any = object()


def anchored_body(pattern: str, after: Any = UNPARSED) -> str | None:
    """``pattern`` as a piece of a joint ``^(?:...|...)`` expression, when it is anchored.

    Only for patterns of the shape ``(?flags)^rest`` with no top-level
    alternative, no group name and no back-reference: ``(?flags:rest)`` then
    matches at the start of a line exactly where the pattern does.
    """
    if _NOT_JOINABLE.search(pattern):
        return None
    m = _GLOBAL_FLAGS.match(pattern)
    flags, rest = (m.group(1), pattern[m.end() :]) if m else ("", pattern)
    if after is UNPARSED:
        after = after_anchor(pattern)
    if not rest.startswith("^") or after is None:
        return None
    return f"(?{flags}:{rest[1:]})" if flags else f"(?:{rest[1:]})"


def after_anchor(pattern: str, parsed: Any = None) -> list[Any] | None:
    """The parsed items after a leading ``^``; None when the pattern does not open with one.
    ``parsed``: the pattern already parsed by the caller."""
    try:
        parsed = list(_sp.parse(pattern) if parsed is None else parsed)
    except Exception:  # noqa: BLE001 - the engine already validated it; be safe
        return None
    if not parsed or parsed[0] != (_sc.AT, _sc.AT_BEGINNING):
        return None
    return parsed[1:]


def _anchored(seq: list[Any]) -> bool:
    if not seq:
        return False
    op, av = seq[0]
    if op is _sc.AT and av is _sc.AT_BEGINNING:
        return True
    if op is _sc.SUBPATTERN:
        return _anchored(list(av[-1]))
    if op is _sc.BRANCH:
        return all(_anchored(list(b)) for b in av[1])
    return False


def _items(parsed: Any) -> list[Any]:
    """The items of a parsed (sub)pattern: its list itself (iterating a parse calls a method
    for each item)."""
    data = getattr(parsed, "data", None)
    return data if isinstance(data, list) else list(parsed)


def _required(
    seq: list[Any], rank: Callable[[str], int], scores: dict[str, int]
) -> set[str] | None:
    """A set of literals one of which any match of the sequence contains (None: unknown).
    ``scores``: ``rank`` of the literals already ranked (within one call of
    :func:`literal_gate`; a branch's literals are ranked again at every level above it)."""
    candidates: list[set[str]] = []
    for op, av in _joined_literals(seq):
        if op is None:
            candidates.append({av})
        elif op is _sc.SUBPATTERN:
            sub = _required(_items(av[-1]), rank, scores)
            if sub:
                candidates.append(sub)
        elif op is _sc.BRANCH:
            alts = [_required(_items(b), rank, scores) for b in av[1]]
            if all(alts):
                candidates.append(set().union(*alts))  # type: ignore[arg-type]
        elif op in _REPEATS:
            lo, _hi, item = av
            if lo >= 1:
                sub = _required(_items(item), rank, scores)
                if sub:
                    candidates.append(sub)
    if len(candidates) < 2:
        return candidates[0] if candidates else None

    # the most selective candidate: the one whose shortest literal is longest, a literal of
    # function words only ("your ", "you can ") counting as one character: every page has them
    def score(literal: str) -> int:
        known = scores.get(literal)
        if known is None:
            known = scores[literal] = rank(literal)
        return known

    return max(candidates, key=lambda c: (min(map(score, c)), -len(c)))


def _selectivity(literal: str) -> int:
    words = literal.split()
    if words and all(w in STOPWORDS for w in words):
        return 1
    return len(literal)


_MAX_OPENINGS = 64  # texts one of which an anchored match opens with: more are not worth it


def openings(parsed: Any, after: list[Any] | None) -> tuple[str, ...] | None:
    """The texts one of which a match of an anchored pattern opens with (lower case when the
    pattern ignores case), for a ``str.startswith`` test before its search: ``after`` is the
    pattern's parse after its ``^`` (:func:`after_anchor`).  None when a match may open
    otherwise (a class, an optional item), with a non-ASCII letter under ignored case (its
    lower case may depend on its neighbours: a final sigma), or with too many texts."""
    if not after:
        return None
    ignore_case = bool(parsed.state.flags & re.IGNORECASE)
    found = _openings(after)
    if not found or len(found) > _MAX_OPENINGS:
        return None
    if ignore_case:
        if not all(s.isascii() for s in found):
            return None
        found = {s.lower() for s in found}
    return tuple(sorted(found))


def _openings(seq: list[Any]) -> set[str] | None:
    """Non-empty texts one of which every match of ``seq`` opens with, or None."""
    if not seq:
        return None
    op, av = seq[0]
    if op is _sc.LITERAL:
        run = []
        for op2, av2 in seq:
            if op2 is not _sc.LITERAL:
                break
            run.append(chr(av2))
        return {"".join(run)}
    if op is _sc.SUBPATTERN:
        if av[1] or av[2]:  # flags of its own
            return None
        return _openings(_items(av[-1]))
    if op is _sc.BRANCH:
        out: set[str] = set()
        for b in av[1]:
            sub = _openings(_items(b))
            if sub is None:
                return None
            out |= sub
            if len(out) > _MAX_OPENINGS:
                return None
        return out
    if op in _REPEATS and av[0] >= 1:
        return _openings(_items(av[2]))
    return None


def first_chars(pattern: str, after: Any = UNPARSED) -> frozenset[str] | None:
    """The characters a match of the anchored ``pattern`` can open with (None: any).
    ``after``: :func:`after_anchor` of the pattern, when the caller has it already."""
    rest = after_anchor(pattern) if after is UNPARSED else after
    if rest is None:
        return None
    found = _first(rest)
    if found is None:
        return None
    # case variants: the pattern may ignore case (a wider set is still a correct filter)
    return frozenset(found | {c.lower() for c in found} | {c.upper() for c in found})


def _first(seq: list[Any]) -> set[str] | None:
    """First characters of a match of ``seq``; None when unknown or when it may be empty."""
    for pos, (op, av) in enumerate(seq):
        if op is _sc.AT:
            continue  # zero-width (\b ...)
        if op is _sc.LITERAL:
            return {chr(av)}
        if op is _sc.IN:
            out: set[str] = set()
            for iop, iav in av:
                if iop is _sc.LITERAL:
                    out.add(chr(iav))
                elif iop is _sc.RANGE and iav[1] - iav[0] <= 64:
                    out.update(chr(c) for c in range(iav[0], iav[1] + 1))
                else:
                    return None
            return out
        if op is _sc.SUBPATTERN:
            return _first(list(av[-1]) + list(seq[pos + 1 :]))
        if op is _sc.BRANCH:
            rest = list(seq[pos + 1 :])
            parts = [_first(list(b) + rest) for b in av[1]]
            if any(p is None for p in parts):
                return None
            return set().union(*parts)  # type: ignore[arg-type]
        if op in _REPEATS:
            lo, _hi, item = av
            head = _first(list(item))
            if head is None:
                return None
            if lo >= 1:
                return head
            tail = _first(list(seq[pos + 1 :]))
            return None if tail is None else head | tail
        return None
    return None  # the rest may match the empty string


# --- catastrophic backtracking ------------------------------------------------------------

# Characters standing for the classes a pattern's items match (letters of both cases and
# scripts, digits, white space, punctuation): two items "overlap" when one of these, or a
# literal of the pattern, matches both.
_SAMPLE = "aZé0_ \t\n.,;:!?-'\"()/&€£\u00a0ж"
_CATEGORIES: dict[str, Callable[[str], bool]] = {
    "CATEGORY_DIGIT": str.isdecimal,
    "CATEGORY_NOT_DIGIT": lambda c: not c.isdecimal(),
    "CATEGORY_SPACE": str.isspace,
    "CATEGORY_NOT_SPACE": lambda c: not c.isspace(),
    "CATEGORY_WORD": lambda c: c.isalnum() or c == "_",
    "CATEGORY_NOT_WORD": lambda c: not (c.isalnum() or c == "_"),
}


class _Chars:
    """What single characters the items of one pattern match, over the pattern's alphabet."""

    def __init__(self, parsed: Any):
        self.ignore_case = bool(parsed.state.flags & re.IGNORECASE)
        self.dotall = bool(parsed.state.flags & re.DOTALL)
        literals: set[str] = set()
        _literals(list(parsed), literals)
        self.alphabet = frozenset(_SAMPLE) | {
            v for c in literals for v in (c, c.lower(), c.upper())
        }

    def _same(self, a: str, b: str) -> bool:
        return a == b or (self.ignore_case and a.lower() == b.lower())

    def _in_class(self, items: list[Any], c: str) -> bool:
        negate = bool(items) and items[0][0] is _sc.NEGATE
        hit = False
        for op, av in items[1:] if negate else items:
            if op is _sc.LITERAL:
                hit = self._same(c, chr(av))
            elif op is _sc.RANGE:
                hit = av[0] <= ord(c) <= av[1] or (
                    self.ignore_case
                    and any(av[0] <= ord(v) <= av[1] for v in (c.lower(), c.upper()))
                )
            elif op is _sc.CATEGORY:
                hit = _CATEGORIES.get(av.name, lambda _c: True)(c)
            else:
                hit = True  # unknown: assume it matches (a wider set only warns more)
            if hit:
                break
        return hit != negate

    def item(self, op: Any, av: Any) -> frozenset[str] | None:
        """The characters a one-character item matches; None if ``op`` is not one."""
        if op is _sc.LITERAL:
            return frozenset(c for c in self.alphabet if self._same(c, chr(av)))
        if op is _sc.NOT_LITERAL:
            return frozenset(c for c in self.alphabet if not self._same(c, chr(av)))
        if op is _sc.ANY:
            return frozenset(c for c in self.alphabet if self.dotall or c != "\n")
        if op is _sc.IN:
            return frozenset(c for c in self.alphabet if self._in_class(av, c))
        return None

    def first(self, seq: list[Any]) -> tuple[frozenset[str], bool]:
        """(the characters a match of ``seq`` can open with, whether it can match empty)."""
        out: set[str] = set()
        for op, av in seq:
            chars = self.item(op, av)
            if chars is not None:
                return frozenset(out | chars), False
            if op is _sc.SUBPATTERN or op is _ATOMIC:
                head, empty = self.first(list(av[-1] if op is _sc.SUBPATTERN else av))
            elif op is _sc.BRANCH:
                heads = [self.first(list(b)) for b in av[1]]
                head = frozenset().union(*(h for h, _ in heads))
                empty = any(e for _, e in heads)
            elif op in _REPEATS:
                head, empty = self.first(list(av[2]))
                empty = empty or av[0] == 0
            elif op in (_sc.AT, _sc.ASSERT, _sc.ASSERT_NOT):
                continue  # zero-width
            else:  # a back-reference, a conditional: anything
                return frozenset(self.alphabet), True
            out |= head
            if not empty:
                return frozenset(out), False
        return frozenset(out), True

    def anywhere(self, seq: list[Any]) -> frozenset[str]:
        """Every character some one-character item of ``seq`` (at any depth) matches."""
        out: set[str] = set()
        for op, av in seq:
            chars = self.item(op, av)
            if chars is not None:
                out |= chars
            elif op is _sc.SUBPATTERN:
                out |= self.anywhere(list(av[-1]))
            elif op is _sc.BRANCH:
                for b in av[1]:
                    out |= self.anywhere(list(b))
            elif op in _REPEATS:
                out |= self.anywhere(list(av[2]))
            elif op is _ATOMIC:
                out |= self.anywhere(list(av))
        return frozenset(out)


_ATOMIC = getattr(_sc, "ATOMIC_GROUP", object())
_POSSESSIVE = getattr(_sc, "POSSESSIVE_REPEAT", object())


def _literals(seq: list[Any], out: set[str]) -> None:
    for op, av in seq:
        if op is _sc.LITERAL:
            out.add(chr(av))
        elif op is _sc.IN:
            out.update(chr(v) for o, v in av if o is _sc.LITERAL)
        elif op is _sc.SUBPATTERN:
            _literals(list(av[-1]), out)
        elif op is _sc.BRANCH:
            for b in av[1]:
                _literals(list(b), out)
        elif op in _REPEATS:
            _literals(list(av[2]), out)
        elif op is _ATOMIC or op in (_sc.ASSERT, _sc.ASSERT_NOT):
            _literals(list(av if op is _ATOMIC else av[1]), out)


def backtracking_hazard(pattern: str, parsed: Any = None) -> str | None:
    """Why ``pattern`` can take exponential (or high polynomial) time on a line it does not
    match, or None.

    The hazard is a repetition inside a repetition that can divide the same text between
    its rounds in many ways: ``(a+)+``, ``(\\w+\\s?)*``, ``(?:.*,)*x``, ``(a|aa)+``.  Found
    when a variable repetition inside a repeated group can take a character that the
    group's next round (or what follows the inner one inside the group) can also start
    with, or an optional alternative of a repeated group that can take what follows it.
    Possessive repetitions and atomic groups,
    which never give back what they took, are not hazards.
    """
    if parsed is None:
        parsed = parse_pattern(pattern)
    if parsed is None:
        return None
    chars = _Chars(parsed)
    return _hazard(list(parsed), chars, frozenset(), None)


def _text(av: Any) -> str:
    lo, hi = av[0], av[1]
    return f"{{{lo},}}" if hi == _sc.MAXREPEAT else f"{{{lo},{hi}}}"


def _hazard(
    seq: list[Any], chars: _Chars, follow: frozenset[str], loop: tuple[Any, ...] | None
) -> str | None:
    """Walk ``seq``; ``follow`` are the characters that may come right after it, ``loop``
    the innermost repeated group around it (None at the top)."""
    for pos, (op, av) in enumerate(seq):
        rest_first, rest_empty = chars.first(list(seq[pos + 1 :]))
        after = rest_first | follow if rest_empty else rest_first
        if op is _sc.SUBPATTERN:
            found = _hazard(list(av[-1]), chars, after, loop)
        elif op is _sc.BRANCH:
            found = None
            if loop is not None:
                found = _overlapping_branches(av[1], after, chars)
            for branch in av[1]:
                found = found or _hazard(list(branch), chars, after, loop)
        elif op in _REPEATS and op is not _POSSESSIVE:
            lo, hi, body = av
            found = None
            if loop is not None and lo != hi:
                taken = chars.anywhere(list(body))
                shared = taken & after
                if shared:
                    sample = min(shared)
                    found = (
                        f"a repetition {_text(av)} inside the repeated group {_text(loop)} "
                        f"can take the same characters ({sample!r}) as the group's next round "
                        "or what follows it, so a line that does not match is tried in "
                        "exponentially many ways"
                    )
            if found is None and hi > 1:
                # inside, what counts is the next round: what follows the whole repetition
                # can only take back characters once (polynomial, not exponential)
                head, _ = chars.first(list(body))
                found = _hazard(list(body), chars, head, av)
        else:
            continue
        if found:
            return found
    return None


def _overlapping_branches(
    alternatives: list[Any], after: frozenset[str], chars: _Chars
) -> str | None:
    """A hazard of alternatives inside a repeated group: an optional part (an empty
    alternative, as the parser writes ``(a|aa)`` = ``a(?:|a)``) that can take what comes
    next.  (One-character alternatives need no check: the parser merges them into one
    class, ``(\\w|\\d)`` = ``[\\w\\d]``.)"""
    if any(chars.first(list(b))[1] for b in alternatives):
        taken = frozenset().union(*(chars.anywhere(list(b)) for b in alternatives))
        if taken & after:
            return (
                f"an optional part of a repeated group can take the same characters "
                f"({min(taken & after)!r}) as what follows it, so a line that does not match "
                "is tried in exponentially many ways"
            )
    return None


PROBE_LENGTHS = (8, 12, 16, 20, 24, 28, 32)  # exponential time shows well before 32
PROBE_LIMIT = (
    0.05  # CPU seconds one search of a probe line may take (a sound pattern: microseconds)
)


def slow_probe(regex: re.Pattern[str], parsed: Any = None) -> str | None:
    """A line on which searching ``regex`` took over :data:`PROBE_LIMIT` seconds of CPU, or None.

    The second line of defence after :func:`backtracking_hazard`: each character of the
    pattern's alphabet that one of its repetitions takes, repeated 8 to 32 times, then
    followed by a character that breaks a match.  The lengths grow slowly, so a pattern
    whose time doubles with each character is caught near a tenth of a second, never left
    to run for minutes; a sound pattern answers each probe in microseconds.  ``parsed``:
    the pattern already parsed (:func:`parse_pattern`).
    """
    import time

    if parsed is None:
        parsed = parse_pattern(regex.pattern)
    if parsed is None:
        return None
    chars = _Chars(parsed)
    pumped = sorted(_repeated_chars(list(parsed), chars))
    for n in PROBE_LENGTHS:
        for c in pumped:
            for tail in ("\x00", "!", ""):
                line = c * n + tail
                # the thread's CPU time: a process descheduled on a loaded machine for
                # longer than the limit (wall time) must not have a sound rule refused
                start = time.thread_time()
                regex.search(line)
                if time.thread_time() - start > PROBE_LIMIT:
                    return line
    return None


def _repeated_chars(seq: list[Any], chars: _Chars) -> set[str]:
    """The characters some repetition of ``seq`` can take."""
    out: set[str] = set()
    for op, av in seq:
        if op in _REPEATS and av[1] > 1:
            out |= chars.anywhere(list(av[2]))
        elif op is _sc.SUBPATTERN:
            out |= _repeated_chars(list(av[-1]), chars)
        elif op is _sc.BRANCH:
            for b in av[1]:
                out |= _repeated_chars(list(b), chars)
    return out


# --- polynomial backtracking: the degree of a search -------------------------------------

POLY_LIMIT = 3  # a search whose time grows as this power of a line's length is refused
_BOUND = 100  # a repetition of at most this many more rounds than its minimum is bounded
_NO_BREAK = frozenset({"AT_NON_BOUNDARY", "AT_UNI_NON_BOUNDARY", "AT_LOC_NON_BOUNDARY"})
_BOUNDARY = frozenset({"AT_BOUNDARY", "AT_UNI_BOUNDARY", "AT_LOC_BOUNDARY"})


def polynomial_degree(pattern: str, parsed: Any = None) -> tuple[int, str]:
    """(d, run): searching ``pattern`` (``re.search``) in a line of n characters that it
    does not match can take time growing as n**d; ``run`` holds the characters of the line
    on which it does (a sample of the run its repetitions share).

    Each unbounded repetition that can take a run of the same characters as the ones
    before it, with only optional items or items that take those characters in between
    (``\\w+\\s*\\w+``, ``.*.*``, ``\\d+\\.?\\d+``), adds one to the degree of the search
    through that run; ``re.search``'s start positions count as one more such repetition
    unless the pattern is anchored (``^``).  An item that cannot take the run's characters
    (the space of ``\\w+ \\w+``), ``\\b``, ``$`` and ``^`` end the run: the repetitions
    before it must divide the run exactly, which takes one degree back.  Possessive
    repetitions and atomic groups never give back what they took.  A run is made of one
    character, or of the characters of one of the pattern's literals (``foo\\w+\\w+``
    searched in "foofoofoo...").  Runs of a repeated multi-character string
    (``(?:ab)+(?:ab)+``) are not analysed (the timed probes are there for those).
    """
    if parsed is None:
        parsed = parse_pattern(pattern)
    if parsed is None:
        return 0, ""
    chars = _Chars(parsed)
    # letters first: the run a message names is the first of the worst
    alphabet = sorted(chars.alphabet, key=lambda c: (c not in "a ", not c.isalnum(), c))
    index = {c: i for i, c in enumerate(alphabet)}
    masks: dict[Any, int] = {}
    every: set[int] = set()
    pumps: set[int] = set()
    _one_chars(_items(parsed), chars, index, masks, every, pumps, False)
    # one run of each kind of character (those that every item takes or leaves alike), and
    # for each unbounded repetition, one of the characters of the pattern's literals (of two
    # or more characters) it can take: a line of copies of those literals
    kinds: dict[tuple[bool, ...], int] = {}
    for i, _c in enumerate(alphabet):
        kinds.setdefault(tuple(bool(m >> i & 1) for m in sorted(every)), 1 << i)
    runs: dict[int, str] = {bit: alphabet[bit.bit_length() - 1] for bit in kinds.values()}
    literals = [(lit, sum({1 << index[c] for c in lit})) for lit in _literal_runs(_items(parsed))]
    space = 1 << index[" "]
    for pump in sorted(pumps):
        inside = [(lit, mask) for lit, mask in literals if mask & pump == mask]
        union = 0
        for _lit, mask in inside:
            union |= mask
        if union and pump & space:  # words of those literals and spaces ("foo foo foo")
            union |= space
        if union & (union - 1):  # two characters or more
            runs.setdefault(union, " ".join(lit for lit, _ in inside)[:20])
    walk = _Degree(chars, masks, runs)
    walk.word = sum(1 << i for i, c in enumerate(alphabet) if c.isalnum() or c == "_")
    start = 0 if _anchored(list(parsed)) else 1  # the start positions: a lazy .*? before
    walk.seq(_items(parsed), {r: (start, 0) for r in runs})
    return walk.best, runs.get(walk.best_run, "")


def _one_chars(
    seq: list[Any],
    chars: _Chars,
    index: dict[str, int],
    masks: dict[Any, int],
    every: set[int],
    pumps: set[int],
    unbounded: bool,
) -> None:
    """The character masks of the one-character items of ``seq`` (in ``masks``, by
    :func:`_item_key`): each in ``every``, and in ``pumps`` those inside an unbounded
    repetition."""
    for op, av in seq:
        found = None if op is _sc.LITERAL else chars.item(op, av)
        if op is _sc.LITERAL or found is not None:
            mask = 0
            if found is None:  # a literal (most items of a long pattern), as _Chars.item
                c = chr(av)
                mask = 1 << index[c]
                if chars.ignore_case:
                    mask |= sum(1 << i for v, i in index.items() if v.lower() == c.lower())
            for c in found or ():
                mask |= 1 << index[c]
            masks[_item_key(op, av)] = mask
            every.add(mask)
            if unbounded:
                pumps.add(mask)
        elif op is _sc.SUBPATTERN:
            _one_chars(_items(av[-1]), chars, index, masks, every, pumps, unbounded)
        elif op is _sc.BRANCH:
            for b in av[1]:
                _one_chars(_items(b), chars, index, masks, every, pumps, unbounded)
        elif op in _REPEATS:
            free = unbounded or av[1] == _sc.MAXREPEAT or av[1] - av[0] > _BOUND
            _one_chars(_items(av[2]), chars, index, masks, every, pumps, free)
        elif op is _ATOMIC:
            _one_chars(_items(av), chars, index, masks, every, pumps, unbounded)
        elif op in (_sc.ASSERT, _sc.ASSERT_NOT):
            _one_chars(_items(av[1]), chars, index, masks, every, pumps, unbounded)
        elif op is _sc.GROUPREF_EXISTS:
            for b in av[1:]:
                if b is not None:
                    _one_chars(_items(b), chars, index, masks, every, pumps, unbounded)


def _item_key(op: Any, av: Any) -> Any:
    """A key for a one-character item: its value (a literal) or the identity of its class
    (a class's list is no key; the parse lives as long as the walk)."""
    return (op, av) if isinstance(av, int) or av is None else (op, id(av))


def _literal_runs(seq: list[Any]) -> list[str]:
    """The runs of two or more literal characters in ``seq``, at any depth."""
    out: list[str] = []
    run: list[str] = []
    for op, av in seq + [(None, None)]:
        if op is _sc.LITERAL:
            run.append(chr(av))
            continue
        if len(run) >= 2:
            out.append("".join(run))
        run = []
        if op is _sc.SUBPATTERN:
            out += _literal_runs(_items(av[-1]))
        elif op is _sc.BRANCH:
            for b in av[1]:
                out += _literal_runs(_items(b))
        elif op in _REPEATS:
            out += _literal_runs(_items(av[2]))
        elif op is _ATOMIC:
            out += _literal_runs(_items(av))
        elif op in (_sc.ASSERT, _sc.ASSERT_NOT):
            out += _literal_runs(_items(av[1]))
    return out


# A state of the walk: for each run (a bit mask of characters of the alphabet), the best
# (d, e) reaching this point of the pattern inside such a run: n**d ways to get here, n**e
# once the run ends here (e = d - 1 when a repetition of the run can still give back, else
# e = d).  Pairs compare as tuples: (3, 2) is worse for the line than (3, 3).
_State = dict[int, tuple[int, int]]
_ONE_CHAR = (_sc.LITERAL, _sc.NOT_LITERAL, _sc.ANY, _sc.IN)


def _merge(into: _State, other: _State) -> _State:
    for r, v in other.items():
        if v > into.get(r, (-1, -1)):
            into[r] = v
    return into


class _Degree:
    """The walk of :func:`polynomial_degree` over a parsed pattern."""

    def __init__(self, chars: _Chars, masks: dict[Any, int], runs: dict[int, str]):
        self.chars, self.masks, self.runs = chars, masks, runs
        self.best, self.best_run = 0, 0
        self.word = 0  # the word characters of the alphabet (\b holds between them and others)

    def record(self, state: _State, runs: Callable[[int], bool] = lambda _r: True) -> None:
        """A point where a match can fail: the ways to get here count."""
        for r, (d, _e) in state.items():
            if d > self.best and runs(r):
                self.best, self.best_run = d, r

    def mask(self, op: Any, av: Any) -> int | None:
        """The characters of a one-character item (None: not one)."""
        if op in _ONE_CHAR:
            return self.masks[_item_key(op, av)]
        return None

    def end_run(self, state: _State, into: int | None = None) -> _State:
        """The run ends here (``into``: the characters the next one may hold; None: any)."""
        if not state:
            return {}
        e = max(v[1] for v in state.values())
        return {r: (e, e) for r in self.runs if into is None or r & into}

    def seq(self, items: list[Any], state: _State) -> _State:
        for op, av in items:
            if not state:
                break
            state = self.item(op, av, state)
        return state

    def item(self, op: Any, av: Any, state: _State) -> _State:
        mask = self.mask(op, av)
        if mask is not None:  # one character
            # it fails where the run holds a character it does not take
            self.record(state, lambda r: r & mask != r)
            stay = {r: v for r, v in state.items() if r & mask}
            return _merge(stay, self.end_run(state, mask))
        if op is _sc.SUBPATTERN:
            return self.seq(_items(av[-1]), state)
        if op is _sc.BRANCH:
            out: _State = {}
            for b in av[1]:
                _merge(out, self.seq(_items(b), dict(state)))
            return out
        if op is _ATOMIC:
            return self.once(self.seq(_items(av), dict(state)), state)
        if op is _POSSESSIVE:
            return self.once(self.repeat(av, state), state)
        if op in _REPEATS:
            return self.repeat(av, state)
        if op is _sc.AT:
            if av.name in _NO_BREAK:
                return state
            self.record(state)  # ^ $ \b: only where a run begins or ends ...
            out = self.end_run(state)
            if av.name in _BOUNDARY:  # ... but \b also inside a run of words and spaces
                mixed = {r: v for r, v in state.items() if r & self.word and r & ~self.word}
                _merge(out, mixed)
            return out
        if op in (_sc.ASSERT, _sc.ASSERT_NOT):
            if av[0] >= 0:  # a look-ahead is matched where it stands (a look-behind: fixed)
                self.seq(_items(av[1]), dict(state))
            self.record(state)
            return state
        if op is _sc.GROUPREF_EXISTS:
            out = self.seq(_items(av[1]), dict(state))
            return _merge(out, self.seq(_items(av[2]), dict(state)) if av[2] else dict(state))
        # a back-reference, or what this walk does not know: any characters, no repetition
        return _merge(dict(state), self.end_run(state))

    def once(self, out: _State, before: _State) -> _State:
        """An atomic group or a possessive repetition: it searched ``out`` once from each way
        in, but leaves with no more ways than came in, and gives back nothing."""
        self.record(out)
        top = max(v[0] for v in before.values())
        return {r: (min(d, top), min(d, top)) for r, (d, _e) in out.items()}

    def repeat(self, av: Any, state: _State) -> _State:
        lo, hi, body = av
        items = _items(body)
        out: _State = dict(state) if lo == 0 else {}
        current = state
        rounds = min(hi, 2)
        for k in range(1, rounds + 1):
            current = self.seq(items, dict(current))
            if k >= min(lo, rounds):
                _merge(out, current)
        if hi == _sc.MAXREPEAT or hi - lo > _BOUND:
            # unbounded: each run it can take (any number of its characters) gains a degree,
            # from where it begins or from the run its first round began
            ways = _merge(dict(state), out)
            pumped = {r: (d + 1, d) for r, (d, _e) in ways.items() if self.takes(items, r)}
            _merge(out, pumped)
        return out

    def takes(self, items: list[Any], run: int) -> bool:
        """Whether ``items`` can take one or more characters of ``run`` and nothing else,
        whichever they are: a round of a repetition that can swallow the run."""
        return self._only(items, run)[1]

    def _only(self, items: list[Any], run: int) -> tuple[bool, bool]:
        """(can match nothing, can match some characters) within a run of any of ``run``."""
        empty, some = True, False
        for op, av in items:
            mask = self.mask(op, av)
            if mask is not None:
                e, s = False, mask & run == run
            elif op is _sc.SUBPATTERN:
                e, s = self._only(_items(av[-1]), run)
            elif op is _ATOMIC:
                e, s = self._only(_items(av), run)
            elif op is _sc.BRANCH:
                parts = [self._only(_items(b), run) for b in av[1]]
                e, s = any(p[0] for p in parts), any(p[1] for p in parts)
            elif op in _REPEATS:
                be, bs = self._only(_items(av[2]), run)
                e, s = av[0] == 0 or be, bs and av[1] >= 1
            elif op in (_sc.AT, _sc.ASSERT, _sc.ASSERT_NOT):
                e, s = True, False
            else:
                e, s = True, True
            if not (e or s):
                return False, False
            some = some or s
            empty = empty and e
        return empty, some


def polynomial_hazard(pattern: str, parsed: Any = None) -> str | None:
    """Why searching ``pattern`` takes time growing as the cube (or a higher power) of a
    line's length on a line it does not match (:func:`polynomial_degree`), or None."""
    degree, run = polynomial_degree(pattern, parsed)
    if degree < POLY_LIMIT:
        return None
    return (
        f"its search time can grow as n**{degree} on a line of n characters: {degree} "
        f"unbounded repetitions in a row (re.search's start positions counting as one unless "
        f"the pattern opens with ^) can divide one run of {run!r} characters between them"
    )


# the lines of the polynomial probe, growing (it stops at the first slow one)
LONG_PROBE_LENGTHS = (250, 500, 1000)
LONG_PROBE_LIMIT = 0.05  # CPU seconds: a cubic search of 500 characters takes about 0.2
LONG_PROBE_BUDGET = 0.5  # CPU seconds of all its searches: then it stops (a sound pattern)
_PROBED_LITERALS = 8  # the shortest literals of the pattern that make probe lines


def slow_long_probe(
    regex: re.Pattern[str], parsed: Any = None, max_words: int | None = None
) -> str | None:
    """A line of hundreds of characters on which searching ``regex`` took over
    :data:`LONG_PROBE_LIMIT` seconds of the thread's CPU time, or None: the timed check of
    what :func:`polynomial_degree` does not analyse (runs of a repeated string).

    Each line is a string one of the pattern's unbounded repetitions takes (one character
    of each kind, a round of its body, a few of the pattern's literals) repeated to 250, 500
    and 1,000 characters, then a character that breaks a match; it stops at the first slow
    line, so a cubic pattern is caught near a fifth of a second, and a sound (at most
    quadratic) one answers each in a few milliseconds.  A line of more than ``max_words``
    words (the rule's limit: it is never searched on one) is not tried, and the probe gives
    up after :data:`LONG_PROBE_BUDGET` seconds in all.
    """
    import time

    if parsed is None:
        parsed = parse_pattern(regex.pattern)
    if parsed is None:
        return None
    chars = _Chars(parsed)
    units = sorted(_pumped_strings(_items(parsed), chars), key=lambda u: (len(u), u))
    spent = 0.0
    for n in LONG_PROBE_LENGTHS:
        for unit in units:
            line = unit * (n // len(unit)) + "\x00"
            if max_words is not None and len(line.split()) > max_words:
                continue
            start = time.thread_time()
            regex.search(line)
            took = time.thread_time() - start
            if took > LONG_PROBE_LIMIT:
                return line
            spent += took
            if spent > LONG_PROBE_BUDGET:
                return None
    return None


def _pumped_strings(seq: list[Any], chars: _Chars) -> set[str]:
    """Strings some unbounded repetition of ``seq`` can take again and again: one character
    of each kind it takes (letter, digit, space, punctuation...), one round of a body of
    several items, and the pattern's literals its characters cover (alone and followed by
    a space)."""
    kinds: dict[tuple[bool, bool, bool, bool], str] = {}
    for c in sorted(_repeated_chars(seq, chars)):
        kinds.setdefault((c.isalpha(), c.isdecimal(), c.isspace(), c.isascii()), c)
    out = set(kinds.values())
    repeated = _repeated_chars(seq, chars)
    covered = sorted({lit for lit in _literal_runs(seq) if set(lit) <= repeated}, key=len)
    for literal in covered[:_PROBED_LITERALS]:
        out.add(literal)
        if " " in repeated:  # as words of a line ("foo foo foo": \b holds between them)
            out.add(literal + " ")
    _rounds(seq, chars, out)
    return {s for s in out if s}


def _rounds(seq: list[Any], chars: _Chars, out: set[str]) -> None:
    for op, av in seq:
        if op in _REPEATS and (av[1] == _sc.MAXREPEAT or av[1] - av[0] > _BOUND):
            sample = _sample(_items(av[2]), chars)
            if sample and len(sample) > 1:
                out.add(sample)
        if op is _sc.SUBPATTERN:
            _rounds(_items(av[-1]), chars, out)
        elif op is _sc.BRANCH:
            for b in av[1]:
                _rounds(_items(b), chars, out)
        elif op in _REPEATS:
            _rounds(_items(av[2]), chars, out)


def _sample(seq: list[Any], chars: _Chars) -> str | None:
    """A short string ``seq`` matches (its mandatory items, the first alternative of each
    choice), or None when this cannot tell."""
    out: list[str] = []
    for op, av in seq:
        one = chars.item(op, av)
        if one is not None:
            if not one:
                return None
            out.append(min(one, key=lambda c: (not c.isalnum(), c)))
        elif op is _sc.SUBPATTERN:
            part = _sample(_items(av[-1]), chars)
            if part is None:
                return None
            out.append(part)
        elif op is _sc.BRANCH:
            part = _sample(_items(av[1][0]), chars)
            if part is None:
                return None
            out.append(part)
        elif op in _REPEATS:
            if av[0]:
                part = _sample(_items(av[2]), chars)
                if part is None:
                    return None
                out.append(part * min(av[0], 3))
        elif op in (_sc.AT, _sc.ASSERT, _sc.ASSERT_NOT):
            continue
        else:
            return None
    return "".join(out)
