#!/usr/bin/env bash
# Re-record the conformance fixtures (tests/fixtures/conformance/<library>-<version>/):
# real client libraries, installed in a virtualenv of their own (never the project's
# .venv), talk to a fake provider on 127.0.0.1 that bills chosen usage; what each
# library logs or exports is written as the fixture, with a manifest of the versions
# and of what the server billed. The tests read only the fixtures.
#
#   conformance/record.sh                      # every library, pinned in requirements.lock
#   conformance/record.sh litellm botocore     # some of them
#   CONFORMANCE_REQUIREMENTS=conformance/requirements.txt conformance/record.sh
#                                              # the top-level pins only (to try newer deps)
#   CONFORMANCE_VENV=/tmp/cvenv conformance/record.sh
#
# A new library version writes a new <library>-<version>/ folder: delete the old one
# (or keep both, each is tested) and commit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv="${CONFORMANCE_VENV:-$here/.venv}"
requirements="${CONFORMANCE_REQUIREMENTS:-$here/requirements.lock}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
stamp="$venv/.installed-$(sha256sum "$requirements" | cut -c1-16)"
if [ ! -e "$stamp" ]; then
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -r "$requirements"
    touch "$stamp"
fi
exec "$venv/bin/python" "$here/record.py" "$@" --out "$root/tests/fixtures/conformance"
