#!/usr/bin/env bash
# Builds the addon (build/native/cnnkit.node) against libtorch; incremental, so a second run does nothing.
# It is also the package's npm install step and what `cnnkit setup` runs in a project where npm skipped that step.
# LIBTORCH=/path/to/libtorch or LIBTORCH_USE_PYTORCH=1 choose another libtorch (see native/CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/native
want="${LIBTORCH:-}|${LIBTORCH_USE_PYTORCH:-}"
# A change of libtorch needs a fresh configure.
if [ -f "$build/CMakeCache.txt" ] && [ "$(cat "$build/.libtorch-choice" 2>/dev/null)" != "$want" ]; then rm -rf "$build"; fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  mkdir -p "$build"
  cmake -S native -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DNODE_API_INCLUDE="$(node -p "require('path').resolve(require('node-api-headers').include_dir)")" \
    -DNODE_ADDON_API_INCLUDE="$(node -p "require('path').resolve(require('node-addon-api').include_dir)")" >"$build/configure.log" 2>&1 \
    || { grep -h "cnnkit:" "$build/configure.log" >&2 || cat "$build/configure.log" >&2; rm -f "$build/CMakeCache.txt"; exit 1; }
  echo "$want" >"$build/.libtorch-choice"
fi
cmake --build "$build" -j "$(nproc)"
test -f "$build/cnnkit.node"
# In a checkout, the TypeScript face of the addon follows its C++ signatures (src/torch/native-api.ts).
if [ -d src/torch ]; then node scripts/native-types.mjs; fi
