#!/usr/bin/env bash
# Regenerate the single initial Alembic revision from the models (allowed only until the first
# real deployment: see README "Migrations"). Autogenerates against an empty SQLite database, so
# the result depends on the models alone; several people may run it, the last run wins and is
# complete because it reads every model in the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=src/vigil/migrations/versions
target=$versions/0001_initial_schema.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mv "$target" "$tmp/previous.py"
if ! VIGIL_DATABASE_URL="sqlite:///$tmp/empty.db" VIGIL_DATA_DIR="$tmp" .venv/bin/alembic -c alembic.ini \
    revision --autogenerate --rev-id 0001 \
    -m "initial schema" >"$tmp/log" 2>&1; then
  mv "$tmp/previous.py" "$target"; cat "$tmp/log" >&2; exit 1
fi
generated=$(ls "$versions"/0001_*.py)
[ "$generated" = "$target" ] || mv "$generated" "$target"
# A fixed date keeps the file stable between regenerations.
sed -i 's/^Create Date: .*/Create Date: 2026-11-26 00:00:00/' "$target"
# TypeDecorators render as their implementation type (the models add the UTC handling).
sed -i 's/vigil\.core\.db\.UTCDateTime(/sa.DateTime(/g' "$target"
echo "regenerated $target"
