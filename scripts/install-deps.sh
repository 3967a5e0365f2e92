#!/usr/bin/env bash
# Installs every Debian package keyward needs to build, test, run and benchmark.
# Idempotent: packages already present are skipped; apt-get runs only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev
  libssl-dev openssl
  libsqlite3-dev sqlite3
  libcli11-dev libtomlplusplus-dev libargon2-dev
  # the HTTP/1.1 request parser of the server
  libhttp-parser-dev
  # expiry alerts: SMTP and webhook delivery; the SMTP sink the tests run
  libcurl4-openssl-dev python3-aiosmtpd
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  curl ca-certificates
  # make bench: HTTP load generator, the nginx peers, charts, the orchestration script, profiling
  wrk nginx-light gnuplot-nox python3 linux-perf
  # make lint / make format: .clang-format is tuned for Debian 12's clang-format 14
  clang-format cppcheck
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet; refresh when empty or when an install fails.
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
  $SUDO apt-get update -qq
fi
if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
