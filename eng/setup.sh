#!/usr/bin/env bash
# Prepares a machine to build and test StreamAnalytics. Idempotent: every step checks before it acts,
# so a second run takes a few seconds.
#
#  1. Debian packages: the compilers and headers the native librdkafka build needs, and Prometheus/promtool
#     for the metrics tests (skipped when not root or not on a Debian-like system).
#  2. librdkafka.redist: Confluent.Kafka 2.15.1 depends on the NuGet package librdkafka.redist 2.15.1.
#     If the configured NuGet feeds have it (a normal machine), nothing else happens and the real package wins.
#     If they do not (a partial mirror), eng/librdkafka/build.sh builds librdkafka 2.15.1 from source and packs it
#     as a librdkafka.redist 2.15.1 package into eng/local-feed/, which Directory.Build.props adds as a restore
#     source only when that folder exists.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { echo "[setup] $*" >&2; }

need_pkgs=()
for p in gcc make libssl-dev zlib1g-dev libzstd-dev liblz4-dev prometheus; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    log "installing Debian packages: ${need_pkgs[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  else
    log "warning: missing packages ${need_pkgs[*]} and cannot apt-get install them"
  fi
fi

bash "$root/eng/librdkafka/ensure.sh"
