"""``python -m tests.corpus``: run every kind and print the corpus totals."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.corpus import all_kinds
from tests.corpus.run import run


def main() -> int:
    kinds = all_kinds()
    wanted = set(sys.argv[1:])
    good = kept = bad = quarantined = tracebacks = failing = 0
    for kind in kinds:
        if wanted and kind.name not in wanted:
            continue
        with tempfile.TemporaryDirectory(prefix="aicost-corpus-") as work:
            outcome = run(kind, Path(work))
        good += len(kind.good) + kind.hashed
        kept += outcome.good_kept
        bad += len(kind.bad)
        quarantined += outcome.bad_quarantined
        tracebacks += outcome.traceback is not None
        problems = outcome.problems()
        failing += bool(problems)
        print(f"{'FAIL' if problems else 'ok  '} {kind.name}: {'; '.join(problems)}", flush=True)
    print(
        f"inputs {len(kinds) if not wanted else len(wanted)}, failing {failing}; "
        f"good kept {kept}/{good}; bad quarantined {quarantined}/{bad}; tracebacks {tracebacks}"
    )
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
