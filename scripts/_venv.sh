# Sourced by the scripts with the extras they need (scripts/test: test,dev; scripts/run: postgres):
# make .venv exist and hold the locked versions of what pyproject.toml asks for. For each extra,
# requirements/<extra>.txt (exported from uv.lock by scripts/lock) is installed with every file's
# hash checked, then the bot itself, editable, with --no-deps: nothing comes from outside the lock.
# Idempotent: it reinstalls only when pyproject.toml or one of those files changed since the last
# install.
set -eu
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
EXTRAS="${1:-postgres}"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)." >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
LOCKED=()  # the files
INSTALL=()  # pip's arguments: -r FILE for each
for extra in ${EXTRAS//,/ }; do
  if [ ! -f "$ROOT/requirements/$extra.txt" ]; then
    echo "requirements/$extra.txt is missing: is '$extra' an extra in pyproject.toml? (./scripts/lock)" >&2
    exit 1
  fi
  LOCKED+=("$ROOT/requirements/$extra.txt")
  INSTALL+=(-r "$ROOT/requirements/$extra.txt")
done
STAMP="$VENV/.installed-$EXTRAS"
WANT="$("$VENV/bin/python" -c 'import hashlib,sys; print(hashlib.sha256(b"".join(open(f,"rb").read() for f in sys.argv[1:])).hexdigest())' "$ROOT/pyproject.toml" "${LOCKED[@]}")"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  # Hashes are required: a file whose sha256 is not in the lock, or a package the lock lacks, fails.
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes \
    "${INSTALL[@]}"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e "$ROOT"
  echo "$WANT" > "$STAMP"
fi
