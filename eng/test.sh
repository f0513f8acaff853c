#!/usr/bin/env bash
# The whole test suite: set-up (idempotent), Release build with warnings as errors, every test project, and one
# closing line "N passed, N failed[, N skipped]" computed from the test results (TRX files).
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Formats").
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash eng/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! dotnet build StreamAnalytics.sln -c Release -p:TreatWarningsAsErrors=true -nologo -v q; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi

# Test projects run one after another: on 2 cores, parallel projects that each start brokers only contend.
status=0
for proj in tests/*/*.csproj; do
  name="$(basename "$proj" .csproj)"
  echo "== $name"
  dotnet test "$proj" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" --blame-hang-timeout 10m "$@" || status=1
done

passed=0; failed=0; skipped=0; found=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  found=1
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  p=$(get passed); f=$(get failed); t=$(get total); e=$(get executed); err=$(get error); to=$(get timeout); ab=$(get aborted)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${err:-0} + ${to:-0} + ${ab:-0}))
  skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if [ "$found" = 0 ]; then failed=$((failed + 1)); fi
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then failed=1; fi   # a crashed test host counts as a failure
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" = 0 ]
