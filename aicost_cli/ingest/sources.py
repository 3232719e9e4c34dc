"""Expand the PATH arguments of ``aicost ingest`` into concrete files.

PATH may be a file, a directory (searched recursively), a glob, or
``s3://bucket/prefix`` (listed with boto3, downloaded to a temporary folder
before reading; boto3 is imported only then). Each file gets a fingerprint so
that an unchanged file is not read twice.
"""

from __future__ import annotations

import glob
import hashlib
import os
import select
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aicost_cli.errors import InputFileError, UsageError, redact

#: Suffixes picked up when a directory or glob is expanded (an explicitly named
#: file is always read, whatever its name).
DATA_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv", ".log", ".gz")
_SKIP_NAMES = ("amazon-bedrock-logs-permission-check",)
_HEAD_TAIL = 65536


@dataclass(frozen=True)
class SourceFile:
    """One input file. ``name`` is what the user sees and what the ledger and
    quarantine record (a local path or an ``s3://`` URI); ``local`` is where
    it can be read."""

    name: str
    local: Path
    size: int
    modified_at: datetime | None
    fingerprint: str


def _is_data_file(path: Path, suffixes: tuple[str, ...] = DATA_SUFFIXES) -> bool:
    lowered = path.name.lower()
    if lowered.startswith(".") or any(skip in lowered for skip in _SKIP_NAMES):
        return False
    return lowered.endswith(suffixes)


def local_fingerprint(path: Path, size: int, mtime_ns: int) -> str:
    """Size, mtime and a hash of the first and last 64 KiB: cheap, and
    changes whenever a log file is rewritten or appended to."""
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as handle:
        digest.update(handle.read(_HEAD_TAIL))
        if size > 2 * _HEAD_TAIL:
            handle.seek(size - _HEAD_TAIL)
            digest.update(handle.read(_HEAD_TAIL))
    return f"{size}:{mtime_ns}:{digest.hexdigest()}"


def _local(path: Path) -> SourceFile:
    stat = path.stat()
    resolved = path.resolve()
    return SourceFile(
        name=str(resolved),
        local=resolved,
        size=stat.st_size,
        modified_at=datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None),
        fingerprint=local_fingerprint(path, stat.st_size, stat.st_mtime_ns),
    )


def _is_glob(arg: str) -> bool:
    """A pattern, unless a file or folder has that very name (``a[1].jsonl``,
    ``star*.jsonl`` name themselves first)."""
    return any(ch in arg for ch in "*?[") and not Path(arg).expanduser().exists()


def _existing(arg: str) -> Path:
    if not arg.strip():
        raise InputFileError("an empty PATH was given", hint="name a file, folder or glob")
    path = Path(arg).expanduser()
    if not path.exists():
        raise InputFileError(f"{arg} does not exist", hint="check the path")
    return path


def check_local(paths: list[str]) -> None:
    """Fail on a local PATH that does not exist, before anything is opened
    (S3 URIs, globs and ``-`` are checked when they are expanded)."""
    for arg in paths:
        if arg != STDIN and not arg.startswith("s3://") and not _is_glob(arg):
            _existing(arg)


#: the PATH that means standard input
STDIN = "-"
#: how long a named pipe with no writer is waited for before it is an error
FIFO_WAIT_SECONDS = 10.0
_COPY_CHUNK = 1 << 20


def _copy_stream(fd: int, target: Path) -> None:
    """Copy a pipe to a file in 1 MiB chunks (the pipe may be of any size:
    it goes to disk, never into memory)."""
    with target.open("wb") as out:
        while chunk := os.read(fd, _COPY_CHUNK):
            out.write(chunk)


def _open_pipe(path: Path, arg: str) -> int:
    """Open a named pipe without hanging: a pipe no process writes to is an
    error after FIFO_WAIT_SECONDS, not a wait for ever."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    ready, _, _ = select.select([fd], [], [], FIFO_WAIT_SECONDS)
    if not ready:
        os.close(fd)
        raise InputFileError(
            f"nothing was written to the pipe {arg} in {FIFO_WAIT_SECONDS:.0f} s",
            hint="start the process that writes to it first, or give a file",
        )
    os.set_blocking(fd, True)
    return fd


def _from_stream(arg: str, into: Path, index: int) -> SourceFile:
    """Standard input (``-``), a named pipe, ``/dev/stdin`` or a process
    substitution (``<(zcat x.gz)``): copied to a file first (read once; the
    detector and readers need to read it more than once)."""
    target = into / f"stream{index:04d}{Path(arg).suffix if arg != STDIN else ''}"
    try:
        if arg == STDIN:
            stream = getattr(sys.stdin, "buffer", sys.stdin)
            with target.open("wb") as out:
                while chunk := stream.read(_COPY_CHUNK):
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
        else:
            path = Path(arg).expanduser()
            fd = _open_pipe(path, arg) if stat.S_ISFIFO(path.stat().st_mode) else os.open(path, 0)
            try:
                _copy_stream(fd, target)
            finally:
                os.close(fd)
    except OSError as exc:
        raise InputFileError(
            f"cannot read {'standard input' if arg == STDIN else arg}: {exc.strerror or exc}"
        ) from None
    file = _local(target)
    return SourceFile(
        name="<stdin>" if arg == STDIN else arg,
        local=file.local,
        size=file.size,
        modified_at=file.modified_at,
        fingerprint=file.fingerprint,
    )


def _is_stream(arg: str) -> bool:
    if arg == STDIN:
        return True
    try:
        mode = Path(arg).expanduser().stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _walk(
    root: Path, unreadable: list[tuple[str, str]], suffixes: tuple[str, ...] = DATA_SUFFIXES
) -> list[SourceFile]:
    """The data files under a folder, recursively, skipping hidden names. A
    sub-folder or file that cannot be read is listed in ``unreadable`` (it is
    quarantined, and the rest of the folder is still read), never skipped
    silently."""

    def on_error(exc: OSError) -> None:
        name = str(Path(exc.filename).resolve()) if exc.filename else str(root)
        unreadable.append((name, f"folder cannot be read: {exc.strerror or exc}"))

    found: list[SourceFile] = []
    for folder, dirs, names in os.walk(root, onerror=on_error):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder, name)
            if name.startswith(".") or not _is_data_file(path, suffixes) or not path.is_file():
                continue
            try:
                if not os.access(path, os.R_OK):
                    raise PermissionError(13, "Permission denied")
                found.append(_local(path))
            except OSError as exc:
                unreadable.append(
                    (str(path.resolve()), f"file cannot be read: {exc.strerror or exc}")
                )
    return found


def _expand_local(
    arg: str,
    unreadable: list[tuple[str, str]] | None = None,
    suffixes: tuple[str, ...] = DATA_SUFFIXES,
) -> list[SourceFile]:
    if _is_glob(arg):
        matches = sorted(Path(m) for m in glob.glob(arg, recursive=True))
        files = [m for m in matches if m.is_file() and _is_data_file(m, suffixes)]
        if not matches:
            raise InputFileError(
                f"no files match {arg}", hint="check the pattern; quote it so the shell leaves it"
            )
        return [_local(f) for f in files]
    path = _existing(arg)
    if path.is_dir():
        return _walk(path, unreadable if unreadable is not None else [], suffixes)
    if not os.access(path, os.R_OK):
        raise InputFileError(f"{arg} is not readable", hint="check its permissions")
    try:
        return [_local(path)]
    except OSError as exc:
        raise InputFileError(f"cannot read {arg}: {exc.strerror or exc}") from None


@dataclass(frozen=True)
class S3Object:
    uri: str
    bucket: str
    key: str
    size: int
    etag: str
    modified_at: datetime | None


def _s3_client(endpoint_url: str | None, uri: str) -> Any:
    try:
        import boto3
    except ImportError:  # pragma: no cover - boto3 is a dependency
        raise InputFileError("s3:// paths need boto3, which is not installed") from None
    try:
        # a session of its own (boto3.client would reuse a process-wide default
        # session, read once, whatever AWS_PROFILE or the config say later)
        session = boto3.session.Session()
        if endpoint_url:
            return session.client("s3", endpoint_url=endpoint_url)
        return session.client("s3")
    except ValueError as exc:  # botocore: "Invalid endpoint: ..."
        raise UsageError(
            f"--endpoint-url is not a usable URL ({one_line_of(exc)})",
            hint="give the endpoint's URL with its scheme, e.g. http://127.0.0.1:9000",
        ) from None
    except Exception as exc:  # botocore errors only (profile, config file)
        if type(exc).__module__.startswith(("botocore", "boto3")):
            raise _wrap_s3_error(exc, uri) from None
        raise


def one_line_of(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _client_secrets(client: Any) -> tuple[str, ...]:
    """The client's own credentials, to redact wherever a server echoes them."""
    try:
        frozen = client._request_signer._credentials.get_frozen_credentials()
    except Exception:  # no credentials yet, or botocore internals changed
        return ()
    return tuple(v for v in (frozen.access_key, frozen.secret_key, frozen.token) if v)


def _wrap_s3_error(exc: Exception, uri: str, client: Any = None) -> InputFileError:
    error = _s3_error(exc, uri)
    # AicostError redacts known patterns and the environment's credentials;
    # the client's own (from a profile) are taken out here
    secrets = _client_secrets(client) if client is not None else ()
    return InputFileError(
        redact(error.message, secrets), redact(error.hint, secrets) if error.hint else None
    )


def _s3_error(exc: Exception, uri: str) -> InputFileError:
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConfigParseError,
        NoCredentialsError,
        ProfileNotFound,
    )

    if isinstance(exc, ProfileNotFound):
        return InputFileError(
            f"AWS profile {exc.kwargs.get('profile', '?')} is not configured (to read {uri})",
            hint="check AWS_PROFILE and the profiles in ~/.aws/config and ~/.aws/credentials",
        )
    if isinstance(exc, ConfigParseError):
        return InputFileError(
            f"the AWS config file {exc.kwargs.get('path', '')} cannot be parsed (to read {uri})",
            hint="fix the file, or point AWS_CONFIG_FILE at a valid one",
        )
    if isinstance(exc, NoCredentialsError):
        return InputFileError(
            f"no AWS credentials to read {uri}",
            hint="set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
        )
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        message = exc.response.get("Error", {}).get("Message", str(exc))
        if code in ("NoSuchBucket", "404"):
            return InputFileError(
                f"S3 bucket of {uri} does not exist", hint="check the bucket name"
            )
        if code in ("AccessDenied", "403"):
            return InputFileError(
                f"access denied to {uri}", hint="check the IAM policy of these credentials"
            )
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"):
            return InputFileError(
                f"S3 refused the AWS credentials for {uri} ({code})",
                hint="check AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
            )
        return InputFileError(f"S3 error on {uri}: {code} {message}".strip())
    if isinstance(exc, BotoCoreError):
        return InputFileError(
            f"cannot reach S3 for {uri}: {exc}", hint="check --endpoint-url / AWS_ENDPOINT_URL"
        )
    return InputFileError(f"S3 error on {uri}: {exc}")


def list_s3(
    uri: str, endpoint_url: str | None, suffixes: tuple[str, ...] = DATA_SUFFIXES
) -> tuple[Any, list[S3Object]]:
    without = uri[len("s3://") :]
    bucket, _, prefix = without.partition("/")
    if not bucket:
        raise InputFileError(f"{uri} names no bucket", hint="write s3://bucket/prefix")
    client = _s3_client(endpoint_url, uri)
    objects: list[S3Object] = []
    try:
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"]
                if key.endswith("/"):
                    continue
                if prefix and key != prefix and not _is_data_file(Path(key), suffixes):
                    continue
                modified = item.get("LastModified")
                objects.append(
                    S3Object(
                        uri=f"s3://{bucket}/{key}",
                        bucket=bucket,
                        key=key,
                        size=int(item.get("Size", 0)),
                        etag=str(item.get("ETag", "")).strip('"'),
                        modified_at=modified.astimezone(UTC).replace(tzinfo=None)
                        if modified
                        else None,
                    )
                )
    except Exception as exc:  # boto errors only; wrapped into one line
        if type(exc).__module__.startswith(("botocore", "boto3")):
            raise _wrap_s3_error(exc, uri, client) from None
        raise
    if not objects:
        raise InputFileError(f"no objects under {uri}", hint="check the bucket and prefix")
    return client, objects


def s3_fingerprint(obj: S3Object) -> str:
    return f"s3:{obj.size}:{obj.etag}"


def download_s3(client: Any, objects: list[S3Object], into: Path) -> Iterator[SourceFile]:
    for index, obj in enumerate(objects):
        # keep the object's name (suffixes decide gzip/format); prefix to stay unique
        local = into / f"{index:08d}_{Path(obj.key).name}"
        try:
            client.download_file(obj.bucket, obj.key, str(local))
        except Exception as exc:
            if type(exc).__module__.startswith(("botocore", "boto3", "s3transfer")):
                raise _wrap_s3_error(exc, obj.uri, client) from None
            raise
        yield SourceFile(obj.uri, local, obj.size, obj.modified_at, s3_fingerprint(obj))


@dataclass
class ExpandedSources:
    files: list[SourceFile]
    #: (name, fingerprint) of S3 objects not downloaded because the ledger has them
    s3_pending: list[tuple[Any, S3Object]]
    tempdir: tempfile.TemporaryDirectory[str] | None = None
    #: (name, reason) of files and sub-folders found but not readable
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    #: where standard input and pipes are copied
    streams: tempfile.TemporaryDirectory[str] | None = None

    def cleanup(self) -> None:
        for folder in (self.tempdir, self.streams):
            if folder is not None:
                folder.cleanup()


def expand(paths: list[str], endpoint_url: str | None) -> ExpandedSources:
    """Local files now; S3 objects listed (downloaded later, only if needed)."""
    expanded = ExpandedSources(files=[], s3_pending=[])
    try:
        for index, arg in enumerate(paths):
            if arg.startswith("s3://"):
                client, objects = list_s3(arg, endpoint_url)
                expanded.s3_pending.extend((client, obj) for obj in objects)
            elif _is_stream(arg):
                if expanded.streams is None:
                    expanded.streams = tempfile.TemporaryDirectory(prefix="aicost-stdin-")
                expanded.files.append(_from_stream(arg, Path(expanded.streams.name), index))
            else:
                before = len(expanded.unreadable)
                found = _expand_local(arg, expanded.unreadable)
                if not found and len(expanded.unreadable) == before:
                    raise InputFileError(
                        f"no log files found under {arg}",
                        hint=f"files must end in one of {', '.join(DATA_SUFFIXES)}",
                    )
                expanded.files.extend(found)
    except BaseException:
        expanded.cleanup()
        raise
    return expanded
