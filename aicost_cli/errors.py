"""One error hierarchy for aicost, and the exit codes the CLI maps it to.

The core raises these; ``aicost_cli.cli`` turns them into one line on stderr and
an exit code. Anything that is not an :class:`AicostError` is a bug.
"""

from __future__ import annotations

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


def exit_code_for(error: BaseException) -> ExitCode:
    if isinstance(error, AicostError):
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    return ExitCode.INTERNAL
