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
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aicost_cli.errors import InputFileError

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


def _is_data_file(path: Path) -> bool:
    lowered = path.name.lower()
    if lowered.startswith(".") or any(skip in lowered for skip in _SKIP_NAMES):
        return False
    return lowered.endswith(DATA_SUFFIXES)


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
    (S3 URIs and globs are checked when they are expanded)."""
    for arg in paths:
        if not arg.startswith("s3://") and not _is_glob(arg):
            _existing(arg)


def _expand_local(arg: str) -> list[SourceFile]:
    if _is_glob(arg):
        matches = sorted(Path(m) for m in glob.glob(arg, recursive=True))
        files = [m for m in matches if m.is_file() and _is_data_file(m)]
        if not matches:
            raise InputFileError(
                f"no files match {arg}", hint="check the pattern; quote it so the shell leaves it"
            )
        return [_local(f) for f in files]
    path = _existing(arg)
    if path.is_dir():
        return [
            _local(p)
            for p in sorted(path.rglob("*"))
            if p.is_file()
            and _is_data_file(p)
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        ]
    if not os.access(path, os.R_OK):
        raise InputFileError(f"{arg} is not readable", hint="check its permissions")
    return [_local(path)]


@dataclass(frozen=True)
class S3Object:
    uri: str
    bucket: str
    key: str
    size: int
    etag: str
    modified_at: datetime | None


def _s3_client(endpoint_url: str | None) -> Any:
    try:
        import boto3
    except ImportError:  # pragma: no cover - boto3 is a dependency
        raise InputFileError("s3:// paths need boto3, which is not installed") from None
    return boto3.client("s3", endpoint_url=endpoint_url) if endpoint_url else boto3.client("s3")


def _wrap_s3_error(exc: Exception, uri: str) -> InputFileError:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

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


def list_s3(uri: str, endpoint_url: str | None) -> tuple[Any, list[S3Object]]:
    without = uri[len("s3://") :]
    bucket, _, prefix = without.partition("/")
    if not bucket:
        raise InputFileError(f"{uri} names no bucket", hint="write s3://bucket/prefix")
    client = _s3_client(endpoint_url)
    objects: list[S3Object] = []
    try:
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"]
                if key.endswith("/"):
                    continue
                if prefix and key != prefix and not _is_data_file(Path(key)):
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
            raise _wrap_s3_error(exc, uri) from None
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
                raise _wrap_s3_error(exc, obj.uri) from None
            raise
        yield SourceFile(obj.uri, local, obj.size, obj.modified_at, s3_fingerprint(obj))


@dataclass
class ExpandedSources:
    files: list[SourceFile]
    #: (name, fingerprint) of S3 objects not downloaded because the ledger has them
    s3_pending: list[tuple[Any, S3Object]]
    tempdir: tempfile.TemporaryDirectory[str] | None = None

    def cleanup(self) -> None:
        if self.tempdir is not None:
            self.tempdir.cleanup()


def expand(paths: list[str], endpoint_url: str | None) -> ExpandedSources:
    """Local files now; S3 objects listed (downloaded later, only if needed)."""
    files: list[SourceFile] = []
    pending: list[tuple[Any, S3Object]] = []
    for arg in paths:
        if arg.startswith("s3://"):
            client, objects = list_s3(arg, endpoint_url)
            pending.extend((client, obj) for obj in objects)
        else:
            found = _expand_local(arg)
            if not found:
                raise InputFileError(
                    f"no log files found under {arg}",
                    hint=f"files must end in one of {', '.join(DATA_SUFFIXES)}",
                )
            files.extend(found)
    return ExpandedSources(files=files, s3_pending=pending)
