"""Make an input file readable by DuckDB's readers without changing its lines.

DuckDB reads UTF-8 only, splits lines on LF (and CR), treats a UTF-8 byte
order mark as part of the first record and expands glob characters in every
path it is given. A file that trips one of these is given to the readers as
a stand-in in the run's temporary folder, streamed in chunks (memory stays
flat whatever the file's size), with the same line numbers:

* UTF-16 (with its byte order mark): transcoded to UTF-8;
* a UTF-8 byte order mark: dropped;
* CR-only line ends (old Mac style: no LF in the first MiB): CR -> LF;
* a path with ``*``, ``?``, ``[`` or ``{``: a symbolic link with a plain name.

The file's ``name`` (ledger, quarantine, landing) stays the user's path.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import replace
from pathlib import Path

from aicost_cli.ingest.detect import is_gzip
from aicost_cli.ingest.sources import SourceFile

_HEAD = 1 << 20
_CHUNK = 1 << 22
_GLOB_CHARS = frozenset("*?[]{}")


def _suffix(path: Path) -> str:
    """The name's data suffixes (``.jsonl``, ``.json.gz``, ``.csv``): format
    and layout detection read them."""
    kept = "".join(path.suffixes[-2:])
    return "".join(ch for ch in kept if ch not in _GLOB_CHARS)[:20]


def _transcode(source: Path, target: Path, encoding: str, skip: int, cr_only: bool) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with source.open("rb") as handle, target.open("wb") as out:
        handle.read(skip)
        while chunk := handle.read(_CHUNK):
            text = decoder.decode(chunk)
            if cr_only:
                text = text.replace("\r", "\n")
            out.write(text.encode("utf-8"))
        tail = decoder.decode(b"", final=True)
        out.write((tail.replace("\r", "\n") if cr_only else tail).encode("utf-8"))


def readable(source: SourceFile, into: Path, index: int) -> SourceFile:
    """``source``, or a stand-in for it under ``into`` that DuckDB reads as
    a person would (see the module doc)."""
    local = source.local
    target = into / f"{index:08d}{_suffix(local)}"
    if not is_gzip(local):
        with local.open("rb") as handle:
            head = handle.read(_HEAD)
        encoding = None
        skip = 0
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding, skip = "utf-16", 0  # the codec reads the mark itself
            head = head.decode("utf-16", errors="replace").encode("utf-8")
        elif head.startswith(codecs.BOM_UTF8):
            encoding, skip = "utf-8", len(codecs.BOM_UTF8)
        cr_only = b"\r" in head and b"\n" not in head
        if encoding is not None or cr_only:
            _transcode(local, target, encoding or "utf-8", skip, cr_only)
            return replace(source, local=target)
    if any(ch in _GLOB_CHARS for ch in str(local)):
        os.symlink(local, target)
        return replace(source, local=target)
    return source
