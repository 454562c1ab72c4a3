#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real: `ping` (the PING check), openssl (test certificates),
# Chromium (the GraphiQL browser test), Prometheus (`promtool check metrics`, and a real server scraping /metrics),
# PostgreSQL 15 and Redis (the several-instances tests start their own servers on free ports).
# Run by `npm test` before vitest so a fresh machine needs no other set-up step.
set -euo pipefail

missing=()
command -v ping >/dev/null 2>&1 || missing+=(iputils-ping)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
{ command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; } || missing+=(prometheus)
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${missing[*]}; install them with your package manager (needs root)" >&2
  exit 1
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq -o DPkg::Lock::Timeout=300
apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}" >/dev/null
