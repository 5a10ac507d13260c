#!/usr/bin/env bash
# Builds the npm-ready packages of abjuan-wasm-forms on a fresh machine:
#   wasm-forms/pkg-web   (wasm-bindgen --target web: ES module, `await init()` first)
#   wasm-forms/pkg-node  (wasm-bindgen --target nodejs: CommonJS, ready on require)
# each with package.json, .js, .d.ts and an optimised .wasm (wasm-opt from npm's binaryen).
#
# Usage: scripts/build-wasm-forms.sh [--validator] [--speed]
#   --validator  also builds wasm-forms/pkg-validator-web and pkg-validator-node: the crate
#                without its `doc` feature (no automerge), for pages that only validate.
#   --speed      the full package with the validation path at opt-level 3 instead of "s":
#                validation ~1.2x faster again, the .wasm ~40 KB larger gzipped (over the
#                700 KB target: for apps that ship it once and validate a lot).
#
# The wasm32 toolchain comes from scripts/wasm-env.sh (rustup's target, else Debian's
# rustc-web with -Zbuild-std; ABJUAN_WASM_ROUTE=debian forces the latter). The wasm-bindgen
# CLI is installed with `cargo install` only when the installed one is not exactly the
# version in Cargo.lock; it compiles in the background while the crate builds for wasm32 (it
# is needed only afterwards) and stays in ~/.cargo/bin.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
validator=0
speed=0
for arg in "$@"; do
  case $arg in
    --validator) validator=1 ;;
    --speed) speed=1 ;;
    *) echo "usage: $0 [--validator] [--speed]" >&2; exit 2 ;;
  esac
done
log() { echo "build-wasm-forms: $*" >&2; }

# 1. The wasm-bindgen CLI, exactly the version of the wasm-bindgen crate in Cargo.lock, started
#    in the background when missing; `need_bindgen` waits for it.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$want" ] || { log "wasm-bindgen not found in Cargo.lock"; exit 1; }
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$HOME/.cargo/bin:$PATH"
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
installer=
install_log=$root/target/wasm-bindgen-cli-install.log
if [ "$have" != "$want" ]; then
  mkdir -p "$root/target"
  log "installing wasm-bindgen-cli $want in the background (found: ${have:-none}; log: $install_log)"
  # The host toolchain, whatever route the wasm32 build takes. No --locked: its own lock file
  # pins crates some toolchains cannot build. Only the `wasm-bindgen` binary, without the TLS
  # stack (ring, rustls) that only its test runner's downloads use, and unoptimised
  # (opt-level 0, still without debug assertions): 66 CPU-seconds instead of a default
  # install's 224 (measured), and it writes byte-identical glue for our .wasm in 1.0 s
  # instead of 0.3 s.
  env -u RUSTC -u RUSTDOC -u RUSTFLAGS -u CARGO_TARGET_DIR CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
    cargo install wasm-bindgen-cli --version "$want" --no-default-features --bin wasm-bindgen \
    >"$install_log" 2>&1 &
  installer=$!
  trap 'kill "$installer" 2>/dev/null || true' EXIT
fi
need_bindgen() {
  [ -n "$installer" ] || return 0
  if ! wait "$installer"; then
    log "installing wasm-bindgen-cli failed; the end of $install_log:"
    tail -n 40 "$install_log" >&2
    exit 1
  fi
  installer=
  trap - EXIT
  log "installed $(wasm-bindgen --version)"
}

# 2. wasm-opt (and the benchmark's ajv, the interop test's @automerge/automerge) from npm, at
#    the versions of package-lock.json.
bash scripts/npm-tools.sh
wasm_opt=$root/wasm-forms/node_modules/.bin/wasm-opt

# 3. The crate for wasm32, in the wasm target dir, with the size-tuned `wasm` profile of the
#    workspace (fat LTO, one codegen unit, panic=abort) plus per-crate optimisation levels:
#    automerge and everything else at "z" (smallest); the validation path (the model's parser
#    and rules: abjuan-shared, this crate, serde_json, serde_core) at "s", which makes
#    validation ~1.4x faster than "z" for ~25 KB gzipped. The --speed puts the whole path at
#    3 for the full package. Each variant is a profile of its own, so their artefacts do not displace each
#    other (or those of the `wasm` profile).
eval "$(bash scripts/wasm-env.sh)"
export CARGO_TARGET_DIR=${ABJUAN_WASM_TARGET_DIR:-$root/target/wasm}
validation_path=(abjuan-shared abjuan-wasm-forms)
json_path=(serde_json serde_core)
# use_profile <name> <opt-level of the validation path> [<opt-level of the JSON parser>, the
# same by default]: sets $profile and $wasm.
use_profile() {
  local name=$1 level=$2 json_level=${3:-$2}
  profile=(--config "profile.$name.inherits=\"wasm\"" --config "profile.$name.opt-level=\"z\"")
  for pkg in "${validation_path[@]}"; do
    profile+=(--config "profile.$name.package.$pkg.opt-level=$level")
  done
  for pkg in "${json_path[@]}"; do
    profile+=(--config "profile.$name.package.$pkg.opt-level=$json_level")
  done
  profile+=(--profile "$name")
  wasm=$CARGO_TARGET_DIR/wasm32-unknown-unknown/$name/abjuan_wasm_forms.wasm
}
version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)

# Features rustc enables by default for wasm32 (1.82+); wasm-opt must accept them.
opt_features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue)

# bindgen <dir> <target>: the JS glue and the .wasm for one target.
bindgen() {
  rm -rf "$1"
  wasm-bindgen --target "$2" --out-dir "$1" --out-name abjuan_wasm_forms "$wasm"
}

# optimise <dir> [<dir>...]: wasm-opt once; the targets' .wasm files are identical before
# optimising (only the JS glue differs), so the result is copied to the others.
optimise() {
  local first=$1/abjuan_wasm_forms_bg.wasm
  "$wasm_opt" -Oz "${opt_features[@]}" "$first" -o "$first.opt"
  for dir in "${@:2}"; do
    if cmp -s "$first" "$dir/abjuan_wasm_forms_bg.wasm"; then
      cp "$first.opt" "$dir/abjuan_wasm_forms_bg.wasm"
    else
      "$wasm_opt" -Oz "${opt_features[@]}" "$dir/abjuan_wasm_forms_bg.wasm" -o "$dir/abjuan_wasm_forms_bg.wasm"
    fi
  done
  mv "$first.opt" "$first"
}

# manifest <dir> <target> <name> <description>: package.json, and the size in the log.
manifest() {
  local dir=$1 target=$2 name=$3 description=$4
  local type_field=""
  [ "$target" = web ] && type_field='"type": "module",'
  cat > "$dir/package.json" <<JSON
{
  "name": "$name",
  "version": "$version",
  "description": "$description",
  "license": "Apache-2.0",
  $type_field
  "main": "abjuan_wasm_forms.js",
  "types": "abjuan_wasm_forms.d.ts",
  "files": ["abjuan_wasm_forms.js", "abjuan_wasm_forms.d.ts", "abjuan_wasm_forms_bg.wasm", "abjuan_wasm_forms_bg.wasm.d.ts"],
  "sideEffects": false
}
JSON
  local raw gz
  raw=$(stat -c %s "$dir/abjuan_wasm_forms_bg.wasm")
  gz=$(gzip -9 -c "$dir/abjuan_wasm_forms_bg.wasm" | wc -c)
  log "$dir: .wasm $raw bytes raw, $gz bytes gzipped"
}

# packages <prefix> <name> <description>: pkg-web and pkg-node variants of the built .wasm.
packages() {
  local prefix=$1 name=$2 description=$3
  need_bindgen
  bindgen "wasm-forms/$prefix-web" web
  bindgen "wasm-forms/$prefix-node" nodejs
  optimise "wasm-forms/$prefix-web" "wasm-forms/$prefix-node"
  manifest "wasm-forms/$prefix-web" web "$name" "$description (browser, ES module)"
  manifest "wasm-forms/$prefix-node" nodejs "$name-node" "$description (Node, CommonJS)"
}

# build <cargo feature args...>
build() {
  # shellcheck disable=SC2086
  $ABJUAN_WASM_CARGO build --locked "${profile[@]}" --target wasm32-unknown-unknown \
    $ABJUAN_WASM_BUILD_STD -p abjuan-wasm-forms "$@" >&2
}

if [ "$validator" = 1 ]; then
  # First, so that the full build below leaves the full .wasm in place.
  log "building the validator-only variant (no automerge)"
  # At "s" like the full package: with the attachment checks, opt-level 3 took it past its
  # 200 KB budget (201 KB; 182 KB at "s", validation from JSON text 1.66x ajv instead of 1.26x).
  use_profile wasm-forms-validator '"s"'
  build --no-default-features
  packages pkg-validator @abjuan/wasm-forms-validator "Validate and grade AB dossiers (WASM, no editing)"
fi
log "building abjuan-wasm-forms for wasm32"
if [ "$speed" = 1 ]; then use_profile wasm-forms-speed 3; else use_profile wasm-forms '"s"'; fi
build
packages pkg @abjuan/wasm-forms "Validate, grade, edit and sync AB dossiers (WASM)"
echo "$root/wasm-forms/pkg-web $root/wasm-forms/pkg-node"
