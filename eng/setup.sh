#!/usr/bin/env bash
# Prepares a machine to build and test StreamAnalytics. Idempotent: every step checks before it acts, so a second
# run takes well under a second.
#
# The only thing outside NuGet the project needs is Prometheus and promtool (Debian package `prometheus`), for the
# tests that scrape /metrics with a real Prometheus and unit-test the alerting rules. Everything else, including the
# native librdkafka (the public NuGet package librdkafka.redist, which Confluent.Kafka depends on), comes from the
# NuGet restore of the build. Skipped with a warning when not root or not on a Debian-like system.
set -euo pipefail
log() { echo "[setup] $*" >&2; }

need_pkgs=()
for p in prometheus; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    log "installing Debian packages: ${need_pkgs[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    log "warning: missing packages ${need_pkgs[*]} and cannot apt-get install them; the Prometheus tests will fail"
  fi
fi
