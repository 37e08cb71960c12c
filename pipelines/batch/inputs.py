"""Find input files and read them, turning every kind of bad input into one clear line."""

from __future__ import annotations

import hashlib
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
WARC_SUFFIXES = (".warc", ".warc.gz")
DEFAULT_MAX_BYTES = 32 * 1024 * 1024  # a page with inline images can pass 20 MB

# Leading bytes of formats people drop into a folder of articles by mistake.
_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or Office document)",
    b"\x1f\x8b": "gzip-compressed data",
    b"RIFF": "a RIFF media file",
    b"\x7fELF": "an executable",
}


class InputError(Exception):
    """An input that cannot be cleaned; ``str()`` is the one line shown to the user."""


@dataclass(frozen=True)
class InputFile:
    path: Path
    kind: str  # "text" | "html" | "warc"
    # the group of a file whose path was made absolute for another host (pipelines.batch.cluster)
    group_name: str | None = None

    @property
    def group(self) -> str:
        """The repetition-statistics group of a file with no known publisher: its folder's name."""
        return self.group_name or self.path.parent.name or "."


def kind_of(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    return None


def discover(paths: list[str]) -> tuple[list[InputFile], list[str]]:
    """Expand files and directories (recursively) into inputs, in a stable order.

    Returns (inputs, errors): an argument that does not exist, a file of an
    unknown type, or a folder with no inputs gives one error line each.
    """
    found: dict[Path, InputFile] = {}
    errors: list[str] = []
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            hits = sorted(
                (c for c in p.rglob("*") if (c.is_file() or c.is_symlink()) and kind_of(c) and not c.name.startswith(".")),
                key=lambda c: str(c),
            )
            if not hits:
                errors.append(
                    f"{arg}: no input files in this directory (looked for "
                    f"{', '.join(TEXT_SUFFIXES + HTML_SUFFIXES + WARC_SUFFIXES)})"
                )
            for c in hits:
                found.setdefault(c, InputFile(c, kind_of(c) or "text"))
        elif p.is_file() or p.is_symlink():
            kind = kind_of(p)
            if kind is None:
                errors.append(
                    f"{arg}: unknown file type; name it .txt (text), .html/.htm/.html.gz (HTML) "
                    "or .warc/.warc.gz (WARC)"
                )
            else:
                found.setdefault(p, InputFile(p, kind))
        else:
            errors.append(f"{arg}: no such file or directory")
    return list(found.values()), errors


def read_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes (gunzipped for ``.gz``), with size and readability checked."""
    try:
        size = path.stat().st_size
        if size > max_bytes and not path.name.endswith(".gz"):
            raise InputError(_too_large(path, size, max_bytes))
        with open(path, "rb") as fh:
            data = _read_at_most(fh, size, max_bytes + 1)
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc}); check permissions") from None
    if path.name.endswith(".gz"):
        data = _gunzip(path, data, max_bytes)
    elif len(data) > max_bytes:
        raise InputError(_too_large(path, len(data), max_bytes))
    if not data.strip():
        raise InputError(f"{path}: empty file, nothing to clean")
    return data


def _read_at_most(fh: BinaryIO, size: int, limit: int) -> bytes:
    """``fh.read(limit)``, without asking for ``limit`` bytes at once: a read of n bytes
    allocates n bytes first (32 MB, then given back, for each file of a few kB: 25 us a
    file).  The file's size (one byte more, which tells it grew since) is read first, and
    only a file that grew is read on, up to ``limit``."""
    want = min(size + 1, limit)
    data = fh.read(want)
    if len(data) == want < limit:
        data += fh.read(limit - want)
    return data


def _too_large(path: Path, size: int, max_bytes: int) -> str:
    return (
        f"{path}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit for one document; "
        "split it or raise --max-bytes"
    )


def _gunzip(path: Path, data: bytes, max_bytes: int) -> bytes:
    decomp = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = decomp.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise InputError(f"{path}: not valid gzip ({exc}); re-download or decompress it") from None
    if len(out) > max_bytes:
        raise InputError(_too_large(path, len(out), max_bytes))
    if not decomp.eof:
        raise InputError(f"{path}: truncated gzip (stream ends early); re-download the file")
    return out


def sniff_binary(data: bytes) -> str | None:
    """Name the binary format of ``data``, or None when it may be text."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            return what
    if b"\x00" in data[:8192]:
        return "binary data (NUL bytes)"
    return None


def decode_text(path: Path, data: bytes, encoding: str | None = None) -> tuple[str, str | None]:
    """Decode a text file.  Returns (text, note); note says which encoding was guessed, if any."""
    if encoding:
        try:
            return data.decode(encoding), None
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"{path}: cannot decode as {encoding} ({exc})") from None
    what = sniff_binary(data)
    if what and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path}: {what}, not text; leave it out or convert it to text")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        bad = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
    from charset_normalizer import from_bytes  # only for a file that is not UTF-8

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputError(f"{path}: not UTF-8 ({bad}) and no other encoding fits; pass --encoding")
    return str(best), f"{path}: not UTF-8 ({bad}); decoded as {best.encoding} (detected)"


def raw_identity(data: bytes) -> str:
    """Identity of a document known only by its bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def display(path: Path) -> str:
    """The path as the user would write it: relative to the working directory when inside it.

    Asked several times per input in a batch (its row's source, the resume table's key, an
    error line): each answer is kept, by working directory and path (``os.path.relpath``
    costs about 20 µs)."""
    key = (os.getcwd(), path)
    shown = _DISPLAYED.get(key)
    if shown is None:
        rel = os.path.relpath(path, key[0])
        shown = _DISPLAYED[key] = str(path) if rel.startswith("..") else rel
    return shown


_DISPLAYED: dict[tuple[str, Path], str] = {}
