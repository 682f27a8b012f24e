#!/usr/bin/env bash
# Builds the native addon with AddressSanitizer and UndefinedBehaviorSanitizer
# and runs the addon's fuzz, memory-safety and parity tests against it, so an
# out-of-bounds access, a use after free or undefined behaviour in the
# kernels fails the run even where the js-visible results look right.
#
#   bash scripts/sanitize.sh            the tests CI runs (fixed seeds)
#   bash scripts/sanitize.sh test/...   other test files
#
# The sanitized build goes into a scratch copy of the package (the checkout
# keeps its normal addon); KINDLING_ADDON_PATH makes the tests load it. Node
# itself is not instrumented, so the ASan runtime is preloaded; leak checking
# is off (V8 keeps memory to exit).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# KINDLING_SANITIZE_DIR keeps the scratch copy between runs (only changed files are rebuilt).
if [ -n "${KINDLING_SANITIZE_DIR:-}" ]; then
  work="$KINDLING_SANITIZE_DIR"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi

cp -rp "$root/src" "$root/test" "$root/package.json" "$root/tsconfig.json" "$root/vitest.config.ts" "$work/"
# Only the sources: the checkout's own native/build and native/prebuilds must not be picked up.
mkdir -p "$work/native"
cp -rp "$root/native/src" "$root/native/binding.gyp" "$work/native/"
ln -sfn "$root/node_modules" "$work/node_modules"

flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
prefix="$(dirname "$(command -v node)")/.."
nodedir=()
if [ -f "$prefix/include/node/node_api.h" ]; then nodedir=(--nodedir="$prefix"); fi
echo "== building the addon with $flags"
(cd "$work/native" && export CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined" &&
  { [ -f build/Makefile ] || "$root/node_modules/.bin/node-gyp" configure "${nodedir[@]}"; } &&
  "$root/node_modules/.bin/node-gyp" build) >"$work/build.log" 2>&1 || {
  tail -30 "$work/build.log" >&2
  exit 1
}

asan="$(${CXX:-g++} -print-file-name=libasan.so)"
if [ ! -f "$asan" ]; then
  echo "== FAIL: no libasan.so for ${CXX:-g++}" >&2
  exit 1
fi
if [ $# -eq 0 ]; then
  set -- test/backend/fuzz.test.ts test/backend/memory-safety.test.ts test/backend/parity.test.ts \
    test/backend/native.test.ts test/backend/norm-edges.test.ts
fi
echo "== running $* on the sanitized addon"
cd "$work"
LD_PRELOAD="$asan" \
  ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
  KINDLING_BACKEND=native KINDLING_ADDON_PATH="$work/native/build/Release/kindling.node" \
  node node_modules/vitest/vitest.mjs run --pool=threads --no-file-parallelism "$@"
