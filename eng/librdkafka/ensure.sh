#!/usr/bin/env bash
# Makes sure librdkafka.redist 2.15.1 can be restored.
#
# Decision (cached in $cache/public-feed-has-redist): does a restore from the configured feeds alone find
# librdkafka.redist 2.15.1? If yes, use it (the real package, with its prebuilt natives for every platform).
# If no, build the native library from the librdkafka 2.15.1 sources that the npm package
# @confluentinc/kafka-javascript@1.10.1 ships in deps/librdkafka, and pack it as eng/local-feed/librdkafka.redist.2.15.1.nupkg
# (linux-x64 only). The compiled library is cached under $cache, so a fresh clone on the same machine only repacks.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
version=2.15.1
npm_pkg=@confluentinc/kafka-javascript@1.10.1
cache="${STREAMANALYTICS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/streamanalytics}"
feed="$root/eng/local-feed"
log() { echo "[librdkafka] $*" >&2; }
mkdir -p "$cache"

if [ -f "$feed/librdkafka.redist.$version.nupkg" ]; then exit 0; fi

decision="$cache/public-feed-has-redist-$version"
if [ ! -f "$decision" ]; then
  log "probing the configured NuGet feeds for librdkafka.redist $version"
  probe="$(mktemp -d)"
  cat > "$probe/probe.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageReference Include="librdkafka.redist" Version="$version" /></ItemGroup>
</Project>
XML
  if (cd "$probe" && dotnet restore --packages "$probe/pkgs" >"$probe/log" 2>&1); then echo yes >"$decision"
  elif grep -q NU1101 "$probe/log" || grep -q NU1102 "$probe/log"; then echo no >"$decision"
  else cat "$probe/log" >&2; log "restore probe failed for another reason; not deciding"; rm -rf "$probe"; exit 1
  fi
  rm -rf "$probe"
fi
if [ "$(cat "$decision")" = yes ]; then log "public feed has librdkafka.redist $version: using it"; exit 0; fi

so="$cache/librdkafka-$version/librdkafka.so"
if [ ! -f "$so" ]; then
  log "building librdkafka $version from source (about a minute)"
  work="$(mktemp -d)"
  (cd "$work" && npm pack --silent "$npm_pkg" >/dev/null && tar xzf ./*.tgz)
  src="$work/package/deps/librdkafka"
  grep -q "RD_KAFKA_VERSION  *0x020f01ff" "$src/src/rdkafka.h" || { log "unexpected librdkafka version in $npm_pkg"; exit 1; }
  (cd "$src" && ./configure --disable-gssapi --disable-curl >"$work/configure.log" 2>&1 \
     || { cat "$work/configure.log" >&2; exit 1; })
  (cd "$src" && make -j"$(nproc)" libs >"$work/make.log" 2>&1 || { tail -50 "$work/make.log" >&2; exit 1; })
  mkdir -p "$(dirname "$so")"
  cp "$src/src/librdkafka.so.1" "$so.tmp" && mv "$so.tmp" "$so"
  rm -rf "$work"
fi

log "packing $so into $feed"
mkdir -p "$feed"
stage="$(mktemp -d)"
mkdir -p "$stage/runtimes/linux-x64/native"
cp "$so" "$stage/runtimes/linux-x64/native/librdkafka.so"
cat > "$stage/librdkafka.redist.nuspec" <<XML
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>librdkafka.redist</id>
    <version>$version</version>
    <authors>StreamAnalytics local build</authors>
    <description>librdkafka $version built from source by eng/librdkafka/ensure.sh (linux-x64 only). Stands in for the public package on machines whose NuGet feed lacks it.</description>
  </metadata>
</package>
XML
cat > "$stage/[Content_Types].xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="nuspec" ContentType="application/octet" /><Default Extension="so" ContentType="application/octet" /></Types>
XML
(cd "$stage" && zip -q -r "$feed/librdkafka.redist.$version.nupkg.tmp" . )
mv "$feed/librdkafka.redist.$version.nupkg.tmp" "$feed/librdkafka.redist.$version.nupkg"
rm -rf "$stage"
# A package restored earlier from a different local build would shadow this one.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/librdkafka.redist/$version"
