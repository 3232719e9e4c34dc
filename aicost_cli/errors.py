"""One error hierarchy for aicost, and the exit codes the CLI maps it to.

The core raises these; ``aicost_cli.cli`` turns them into one line on stderr and
an exit code. Anything that is not an :class:`AicostError` is a bug.
"""

from __future__ import annotations

import os
import re
from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes (copied into README.md; cron jobs depend on them)."""

    OK = 0
    INTERNAL = 1
    USAGE = 2  # bad command line or bad configuration
    INPUT = 3  # input file missing, unreadable or of the wrong format
    DATABASE = 4  # the DuckDB file cannot be opened, is locked or is corrupt
    QUARANTINED = 5  # finished, but some records were quarantined
    NOT_FOUND = 6  # nothing to report: no data matched (only where documented)
    INTERRUPTED = 130


class AicostError(Exception):
    """Base of every error a user can cause. ``message`` says what is wrong,
    ``hint`` how to fix it."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, hint: str | None = None) -> None:
        message = redact(message)
        hint = redact(hint) if hint is not None else None
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(AicostError):
    exit_code = ExitCode.USAGE


class UsageError(AicostError):
    exit_code = ExitCode.USAGE


class InputFileError(AicostError):
    exit_code = ExitCode.INPUT


class DatabaseError(AicostError):
    exit_code = ExitCode.DATABASE


#: what a server or library may echo back: credentials in a URL, AWS access
#: key ids, SigV4 credential scopes and signatures, session tokens
_SECRET_PATTERNS = (
    # scheme://user:password@host -> scheme://***@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@"), r"\1***@"),
    (re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{12,}\b"), "***"),
    (
        re.compile(
            r"(?i)((?:x-amz-)?(?:credential|signature|security-token|security_token)[\"']?\s*[=:]\s*[\"']?)[^\s,;&\"'<>]+"
        ),
        r"\1***",
    ),
    (
        re.compile(r"(?i)(aws_(?:secret_access_key|session_token|access_key_id)\s*[=:]\s*)\S+"),
        r"\1***",
    ),
    (re.compile(r"(?i)(authorization[\"']?\s*[=:]\s*[\"']?)[^\n\"'<>]+"), r"\1***"),
)
_SECRET_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with credentials replaced by ``***``: the values of the AWS
    credential variables (and ``secrets``) wherever they appear, and whatever
    looks like a credential (a URL's user:password, an access key id, a SigV4
    credential or signature, a session token, an Authorization header).
    Every AicostError message goes through it: an S3 endpoint may echo the
    request's headers back in its error."""
    # values shorter than 8 (real ones are 16 and more) would mangle ordinary words
    values = [v for v in (*secrets, *(os.environ.get(n, "") for n in _SECRET_ENV)) if len(v) >= 8]
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, "***")
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def exit_code_for(error: BaseException) -> ExitCode:
    if isinstance(error, AicostError):
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    return ExitCode.INTERNAL
