#!/usr/bin/env bash
# Installs fluxo's build and test dependencies from Debian 12 packages.
# Idempotent and fast: apt is only called when a package is actually missing.
# Usage: scripts/install-deps.sh   (as root, or with sudo available)
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang libssl-dev openssl
  libcaf-dev libspdlog-dev libfmt-dev libmsgpack-cxx-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libzstd-dev liblz4-dev libsnappy-dev
  libcli11-dev nlohmann-json3-dev libcpp-httplib-dev
  kcat librdkafka-dev python3-confluent-kafka python3-kafka python3-prometheus-client
  chromium curl etcd-server etcd-client
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

install_npm_tools() {
  # The console's browser test drives Debian's chromium with playwright-core (from npm, pinned
  # in tests/console/package-lock.json; never a downloaded browser).
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/console"
  if [[ -f "$dir/package-lock.json" && ! -d "$dir/node_modules/playwright-core" ]] && command -v npm >/dev/null; then
    echo "install-deps: npm ci in tests/console"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

if ((${#missing[@]} == 0)); then
  install_npm_tools
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only if they are missing or older than a day.
if [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]]; then
  $sudo apt-get update -qq
fi
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
install_npm_tools
