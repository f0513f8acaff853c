#!/usr/bin/env bash
# Runs the `streamanalytics` command after the idempotent set-up (eng/setup.sh) and a Release build.
#   bash eng/streamanalytics.sh demo
#   bash eng/streamanalytics.sh replay --input FILE --format otlp_json --out out/
#   bash eng/streamanalytics.sh bench [--spans N ...]   (the bench harness, bench/StreamAnalytics.Bench, not the product CLI)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/eng/setup.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if [ "${1:-}" = "bench" ]; then
  shift
  dotnet build "$root/bench/StreamAnalytics.Bench" -c Release -nologo -v q -clp:ErrorsOnly >&2
  exec dotnet "$root/bench/StreamAnalytics.Bench/bin/Release/net10.0/streamanalytics-bench.dll" "$@"
fi
dotnet build "$root/src/StreamAnalytics.Cli" -c Release -nologo -v q -clp:ErrorsOnly >&2
exec dotnet "$root/src/StreamAnalytics.Cli/bin/Release/net10.0/streamanalytics.dll" "$@"
