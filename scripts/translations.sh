#!/usr/bin/env bash
# Re-extract translatable messages and bring the es/fr/pt catalogues up to date, then compile.
# Used by `make translations`; run from anywhere: `bash scripts/translations.sh`.
# New or changed messages appear untranslated in the .po files (no fuzzy guesses): translate
# them, then run this again (tests/core/test_translations.py fails until every one is done).
set -euo pipefail
cd "$(dirname "$0")/.."

PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
PYTHON="${PYTHON:-.venv/bin/python}"
DIR=src/vigil/translations
POT="$DIR/messages.pot"
VERSION="$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"

NEW_POT="$(mktemp)"
trap 'rm -f "$NEW_POT"' EXIT
"$PYBABEL" -q extract -F babel.cfg -k N_ --no-location --sort-output \
  --project=Vigil --version="$VERSION" -o "$NEW_POT" .

# Keep the files untouched when only the POT-Creation-Date would change (small diffs).
without_date() { grep -v '^"POT-Creation-Date: ' "$1" || true; }
if [ -f "$POT" ] && cmp -s <(without_date "$POT") <(without_date "$NEW_POT"); then
  echo "messages unchanged"
else
  cp "$NEW_POT" "$POT"
  changed=1
fi

for locale in es fr pt; do
  if [ ! -f "$DIR/$locale/LC_MESSAGES/messages.po" ]; then
    "$PYBABEL" -q init -i "$POT" -d "$DIR" -l "$locale"
  fi
done

if [ "${changed:-0}" = 1 ]; then
  "$PYBABEL" -q update -i "$POT" -d "$DIR" --no-fuzzy-matching --ignore-obsolete
fi
"$PYBABEL" compile -d "$DIR" --statistics
