# Sourced by scripts/serve and scripts/test: a virtualenv in .venv with the project installed
# from the lock file requirements-$1.txt (exact versions with hashes; scripts/lock refreshes it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
lock=requirements-$1.txt
stamp=.venv/.installed-$1
if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing Python packages from $lock…"
  # --require-hashes: the exact files the lock names, whatever was released today.
  # (grep hides pip's notes about local index folders that this machine's pip.conf names and that may not exist)
  .venv/bin/python -m pip install --quiet --require-hashes --no-deps -r "$lock" 2> >(grep -v "is ignored: it is neither" >&2)
  .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
  touch "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
