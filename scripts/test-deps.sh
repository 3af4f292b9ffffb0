#!/usr/bin/env bash
# The Debian packages the tests start as real servers or tools: redis-server
# (quotas), PostgreSQL 15 (audit), the openssl CLI (mTLS certificates).
# Run before `npm test`: installs what is missing when it can (root + apt),
# otherwise says exactly what to install.
set -euo pipefail

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v openssl >/dev/null || missing+=(openssl)
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing test dependencies: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "the tests need these Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
