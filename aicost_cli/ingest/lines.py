"""Lines of NDJSON files, read exactly as a person counts them.

DuckDB's readers skip blank lines and split on CR too, so where a record's
line number matters (quarantine, first occurrence) aicost numbers lines here:
split on LF only, a CR before the LF dropped, bytes that are not UTF-8
replaced, gzip read as a stream.
"""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from aicost_cli.ingest.detect import is_gzip

if TYPE_CHECKING:
    import pyarrow as pa

_LINE_STARTING_BLANK = re.compile(rb"\n[\n\r \t]")
_SCAN_CHUNK = 16 << 20
_BLANK_STARTS = frozenset(b"\n\r \t")


def has_blank_lines(path: Path) -> bool:
    """Blank or whitespace-only lines would shift record ordinals against line
    numbers (read_json skips them). Any line that starts with whitespace counts
    (cheap to find; such a file only takes the careful path). Read in chunks,
    not mapped: a mapped file's pages count toward the process's RSS.
    A gzip file is scanned as it decompresses; a gzip stream that breaks off
    counts as True too (the careful path keeps the lines before the break and
    reports it)."""
    if path.stat().st_size == 0:
        return False
    buffer = bytearray(_SCAN_CHUNK)  # reused: no allocation per chunk
    view = memoryview(buffer)
    previous = 10  # the file's start counts as a line start ("\n")
    try:
        with gzip.open(path, "rb") if is_gzip(path) else path.open("rb", buffering=0) as handle:
            while size := handle.readinto(buffer):
                # one regex pass: 10x faster than four bytes.find()
                if previous == 10 and buffer[0] in _BLANK_STARTS:
                    return True
                if _LINE_STARTING_BLANK.search(view[:size]) is not None:
                    return True
                previous = buffer[size - 1]
    except (OSError, EOFError, zlib.error):
        return True
    return False


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def read_lines(path: Path) -> tuple[pa.Table, str | None]:
    """Every line of an NDJSON file (gzip or not), numbered from 1 and split on LF
    only: DuckDB's CSV reader also splits on CR, which shifts the line numbers of
    CRLF files, and rejects a whole file for one line that is not UTF-8. A CR
    before the LF is dropped; bytes that are not UTF-8 are replaced (the line is
    then quarantined or kept on its merits). A file that breaks off (a truncated
    gzip) keeps the lines before the break, and the break is the problem."""
    import pyarrow as pa  # lazily: the CLI starts without pyarrow

    chunks: list[bytes] = []
    problem = None
    try:
        with gzip.open(path, "rb") if is_gzip(path) else path.open("rb") as handle:
            while chunk := handle.read(1 << 24):
                chunks.append(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        problem = one_line(exc)
    data = b"".join(chunks)
    try:
        lines = split_lines(data).cast(pa.large_string())
    except pa.ArrowInvalid:  # not UTF-8 somewhere
        lines = split_lines(data.decode("utf-8", "replace").encode("utf-8")).cast(pa.large_string())
    numbers = pa.array(range(1, len(lines) + 1), pa.int64())
    return pa.table({"line_no": numbers, "line": lines}), problem


def pick_lines(path: Path, wanted: list[int], chunk_size: int = 1 << 24) -> pa.Table:
    """The given lines (1-based, ascending) of an NDJSON file, read in chunks:
    a chunk without a wanted line is only counted (bytes.count), never split,
    so memory and time stay flat however big the file. Line text is decoded
    as _read_lines does (CR before LF dropped, invalid UTF-8 replaced)."""
    import pyarrow as pa

    numbers: list[int] = []
    texts: list[str] = []
    targets = iter(wanted)
    target = next(targets, None)
    first_line = 1  # number of the line that starts `data`
    carry = b""
    with gzip.open(path, "rb") if is_gzip(path) else path.open("rb") as handle:
        while target is not None:
            chunk = handle.read(chunk_size)
            data = carry + chunk
            if not chunk:
                complete = [data] if data else []
                carry = b""
            else:
                cut = data.rfind(b"\n")
                if cut < 0:
                    carry = data
                    continue
                complete_bytes, carry = data[: cut + 1], data[cut + 1 :]
                count = complete_bytes.count(b"\n")
                if target >= first_line + count:
                    first_line += count
                    continue
                complete = complete_bytes[:-1].split(b"\n")
            for offset, raw in enumerate(complete):
                number = first_line + offset
                while target is not None and target < number:
                    target = next(targets, None)
                if target == number:
                    numbers.append(number)
                    texts.append(raw.removesuffix(b"\r").decode("utf-8", "replace"))
                    target = next(targets, None)
            first_line += len(complete)
            if not chunk:
                break
    return pa.table(
        {"line_no": pa.array(numbers, pa.int64()), "line": pa.array(texts, pa.large_string())}
    )


def split_lines(data: bytes) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = pc.split_pattern(pa.array([data], pa.large_binary()), b"\n").flatten()
    if len(parts) and parts[-1].as_py() == b"":
        parts = parts.slice(0, len(parts) - 1)  # nothing after the last LF
    if b"\r" in data:
        parts = pc.if_else(pc.ends_with(parts, b"\r"), pc.binary_slice(parts, 0, -1), parts)
    return parts
