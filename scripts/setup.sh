#!/usr/bin/env bash
# Sets cnnkit up on this machine: system packages (on Debian/Ubuntu, as root), npm packages, the addon, the TypeScript.
# Idempotent: a second run installs and rebuilds nothing.
# LIBTORCH=/path/to/libtorch or LIBTORCH_USE_PYTORCH=1 build against another libtorch (>= 1.13) instead of Debian's.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "setup: $*" >&2; }

# System packages: libtorch (unless another is chosen), Gloo's headers (for libtorch's distributed ones), libjpeg-turbo (and its tools, for the tests' restart-marker
# file), the toolchain, PyTorch for the reference tests and benchmarks, and onnx for checking exported models.
packages=(cmake g++ make libturbojpeg0-dev libpng-dev libgloo-dev libjpeg-turbo-progs python3-torch python3-torchvision python3-onnx chromium fonts-dejavu-core)
if [ -z "${LIBTORCH:-}" ] && [ "${LIBTORCH_USE_PYTORCH:-}" != 1 ]; then packages+=(libtorch-dev); fi
missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing system packages: ${missing[*]}; install them (sudo apt-get install ${missing[*]}) or set LIBTORCH=/path/to/libtorch"
  fi
fi

# npm packages, when package-lock.json changed since the last install.
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.cnnkit-lock 2>/dev/null)" != "$lock_sum" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" >node_modules/.cnnkit-lock
fi

bash scripts/build-native.sh
npx tsc -p .
chmod +x dist/src/cli/bin.js  # the `cnnkit` bin
