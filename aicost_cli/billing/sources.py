"""The files of ``aicost ingest billing PATH...``, grouped into deliveries.

PATH is a file, a folder (searched recursively), a glob, or
``s3://bucket/prefix`` (listed with boto3; objects are downloaded only when
the run reads them). A **delivery** is a set of files that replace their
billing period together:

* AWS Data Exports (CUR 2.0) deliver a period into
  ``<prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/`` and describe the current
  delivery in ``<prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json``
  (``dataFiles``: the S3 URIs of its files). With a manifest, the delivery is
  exactly the files it lists (files of older deliveries in the folder are
  ignored and counted; a listed file that is missing holds the period back);
  without one, every file in the folder.
* Legacy CUR keeps each delivery in ``<report>/<yyyymmdd-yyyymmdd>/<assemblyId>/``
  and names the current one in ``<report>/<yyyymmdd-yyyymmdd>/<report>-Manifest.json``
  (``reportKeys``): read the same way.
* Any other file is a delivery of its own.

The same layout is recognised in a local copy (``aws s3 sync``). Manifest
files are never read as data.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aicost_cli.errors import InputFileError
from aicost_cli.ingest import sources

#: what a folder or prefix is searched for (an explicitly named file is always read)
BILLING_SUFFIXES = (".parquet", ".csv", ".gz", ".json", ".jsonl", ".ndjson")
_CUR2_MANIFEST = re.compile(
    r"^(?P<root>.*)/metadata/(?P<part>BILLING_PERIOD=\d{4}-\d{2})/[^/]*manifest\.json$",
    re.IGNORECASE,
)
_CUR_MANIFEST = re.compile(r"^(?P<scope>.*/\d{8}-\d{8})/[^/]*-manifest\.json$", re.IGNORECASE)
_CUR2_DATA = re.compile(r"^(?P<scope>.*/data/BILLING_PERIOD=\d{4}-\d{2}/)")
#: manifests are at most a few MB (one line per column and per file)
_MAX_MANIFEST_BYTES = 64 << 20


@dataclass
class Candidate:
    """One data file or object. ``local`` is where it can be read (an S3
    object gets one when it is downloaded)."""

    name: str
    fingerprint: str
    size: int
    modified_at: datetime | None
    local: Path | None = None
    obj: sources.S3Object | None = None
    client: Any = None


@dataclass
class Delivery:
    """Files that replace their billing period(s) together."""

    scope: str
    files: list[Candidate]
    #: the manifest that named the files (then the delivery is authoritative)
    manifest: str | None = None
    #: why the delivery cannot be landed (a listed file is missing, an unreadable manifest)
    problem: str | None = None


@dataclass
class BillingSources:
    deliveries: list[Delivery]
    #: files of older deliveries in a manifest's folder, not read
    ignored: list[str] = field(default_factory=list)
    #: (name, reason) of files and sub-folders found but not readable
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    tempdir: tempfile.TemporaryDirectory[str] | None = None

    def cleanup(self) -> None:
        if self.tempdir is not None:
            self.tempdir.cleanup()

    def download(self, files: list[Candidate]) -> None:
        """Give every S3 candidate among ``files`` a local copy."""
        pending = [f for f in files if f.local is None and f.obj is not None]
        if not pending:
            return
        if self.tempdir is None:
            self.tempdir = tempfile.TemporaryDirectory(prefix="aicost-s3-")
        into = Path(self.tempdir.name)
        by_uri = {f.name: f for f in pending}
        for client in {id(f.client): f.client for f in pending}.values():
            objs = [f.obj for f in pending if f.client is client and f.obj is not None]
            for got in sources.download_s3(client, objs, into):
                by_uri[got.name].local = got.local


def is_manifest(name: str) -> bool:
    return name.lower().endswith("manifest.json")


def _read_manifest(manifest: Candidate) -> dict[str, Any]:
    if manifest.obj is not None:
        try:
            body = manifest.client.get_object(Bucket=manifest.obj.bucket, Key=manifest.obj.key)
            raw = body["Body"].read(_MAX_MANIFEST_BYTES)
        except Exception as exc:  # boto errors only
            if type(exc).__module__.startswith(("botocore", "boto3")):
                raise sources._wrap_s3_error(exc, manifest.name, manifest.client) from None
            raise
    else:
        assert manifest.local is not None
        raw = manifest.local.read_bytes()[:_MAX_MANIFEST_BYTES]
    document = json.loads(raw)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    return document


def _listed(document: dict[str, Any], marker: str) -> list[str]:
    """The manifest's files, as paths relative to the delivery folder
    (the part after ``/<marker>/``: ``BILLING_PERIOD=YYYY-MM`` or ``yyyymmdd-yyyymmdd``)."""
    entries = document.get("dataFiles")
    if entries is None:
        entries = document.get("reportKeys")
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise ValueError("it has no list of files (dataFiles or reportKeys)")
    out = []
    for entry in entries:
        _, found, rest = entry.partition(f"/{marker}/")
        if not found:
            raise ValueError(f"its file {entry} is not under {marker}/")
        out.append(rest)
    return out


def group(candidates: list[Candidate]) -> BillingSources:
    """Deliveries from the listed files (see the module doc)."""
    manifests = [c for c in candidates if is_manifest(c.name)]
    data = [c for c in candidates if not is_manifest(c.name)]
    result = BillingSources(deliveries=[])
    claimed: set[str] = set()
    for manifest in sorted(manifests, key=lambda m: m.name):
        if match := _CUR2_MANIFEST.match(manifest.name):
            scope = f"{match.group('root')}/data/{match.group('part')}/"
            marker = match.group("part")
        elif match := _CUR_MANIFEST.match(manifest.name):
            scope = match.group("scope") + "/"
            marker = scope.rstrip("/").rsplit("/", 1)[-1]
        else:
            continue  # an assembly's own manifest, or another JSON file named so
        in_scope = {c.name[len(scope) :]: c for c in data if c.name.startswith(scope)}
        if not in_scope and not any(c.name.startswith(scope) for c in data):
            continue  # the manifest of a folder the PATHs did not include
        delivery = Delivery(scope=scope, files=[], manifest=manifest.name)
        try:
            listed = _listed(_read_manifest(manifest), marker)
        except (ValueError, OSError) as exc:
            delivery.problem = f"its manifest {manifest.name} cannot be read: {exc}"
            delivery.files = list(in_scope.values())
        else:
            missing = [rel for rel in listed if rel not in in_scope]
            delivery.files = [in_scope[rel] for rel in listed if rel in in_scope]
            result.ignored.extend(
                c.name for rel, c in sorted(in_scope.items()) if rel not in set(listed)
            )
            if missing:
                delivery.problem = (
                    f"its manifest {manifest.name} lists {len(missing)} file(s) that are "
                    f"missing (first: {scope}{missing[0]})"
                )
        claimed.update(c.name for c in in_scope.values())
        result.deliveries.append(delivery)
    folders: dict[str, list[Candidate]] = {}
    for c in data:
        if c.name in claimed:
            continue
        if match := _CUR2_DATA.match(c.name):
            folders.setdefault(match.group("scope"), []).append(c)
        else:
            result.deliveries.append(Delivery(scope=c.name, files=[c]))
    for scope, files in sorted(folders.items()):
        result.deliveries.append(Delivery(scope=scope, files=files))
    return result


def expand(paths: list[str], endpoint_url: str | None) -> BillingSources:
    """List the PATHs' files (S3 objects are not downloaded yet) and group
    them into deliveries."""
    candidates: list[Candidate] = []
    unreadable: list[tuple[str, str]] = []
    for arg in paths:
        if arg.startswith("s3://"):
            client, objects = sources.list_s3(arg, endpoint_url, BILLING_SUFFIXES)
            candidates.extend(
                Candidate(
                    name=o.uri,
                    fingerprint=sources.s3_fingerprint(o),
                    size=o.size,
                    modified_at=o.modified_at,
                    obj=o,
                    client=client,
                )
                for o in objects
            )
            continue
        before = len(unreadable)
        found = sources._expand_local(arg, unreadable, BILLING_SUFFIXES)
        if not found and len(unreadable) == before:
            raise InputFileError(
                f"no billing files found under {arg}",
                hint=f"files must end in one of {', '.join(BILLING_SUFFIXES)}",
            )
        candidates.extend(
            Candidate(
                name=f.name,
                fingerprint=f.fingerprint,
                size=f.size,
                modified_at=f.modified_at,
                local=f.local,
            )
            for f in found
        )
    unique: dict[str, Candidate] = {}
    for c in candidates:  # arguments that name the same file twice
        unique.setdefault(c.name, c)
    result = group(list(unique.values()))
    result.unreadable = unreadable
    if not result.deliveries and not unreadable:
        raise InputFileError(
            f"no billing files found under {' '.join(paths)} (only manifests)",
            hint="give the export's data files or its folder",
        )
    return result
