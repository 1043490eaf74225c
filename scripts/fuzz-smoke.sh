#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for a bounded number of inputs, starting from its
# seed corpus. With a nightly toolchain and cargo-fuzz it uses `cargo fuzz run`;
# on stable it builds the same libFuzzer targets with sanitizer-coverage flags (the
# recipe in fuzz/README.md). The seed corpora also run as plain tests in `cargo test`.
#
#   FUZZ_RUNS=N   inputs per target (default 300000)
#   FUZZ_SEED=N   libFuzzer's seed (default 1, so that runs are reproducible)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz"

RUNS="${FUZZ_RUNS:-300000}"
TARGETS=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^rvs-fuzz$')
TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"
WORK="$(mktemp -d /tmp/rvs-fuzz.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

if cargo +nightly fuzz --version >/dev/null 2>&1; then
    for t in $TARGETS; do
        mkdir -p "$WORK/$t" && cp corpus/"$t"/* "$WORK/$t"/
        cargo +nightly fuzz run "$t" "$WORK/$t" -- -runs="$RUNS"
    done
    exit 0
fi

export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module \
  -Cllvm-args=-sanitizer-coverage-level=4 \
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
  -Cllvm-args=-sanitizer-coverage-pc-table \
  -Cllvm-args=-sanitizer-coverage-trace-compares \
  -Cdebug-assertions -Coverflow-checks"
# --target keeps the coverage flags away from build scripts.
cargo build --release --target "$TRIPLE" $(for t in $TARGETS; do printf -- '--bin %s ' "$t"; done)
for t in $TARGETS; do
    mkdir -p "$WORK/$t" && cp corpus/"$t"/* "$WORK/$t"/
    echo "fuzz-smoke: $t, $RUNS runs"
    # A fixed seed makes a CI failure reproducible; crash files go to the temp dir and
    # the log shows the input.
    if ! "./target/$TRIPLE/release/$t" "$WORK/$t" -runs="$RUNS" -max_len=4096 \
        -seed="${FUZZ_SEED:-1}" -artifact_prefix="$WORK/" >"$WORK/$t.log" 2>&1; then
        tail -40 "$WORK/$t.log"
        for f in "$WORK"/crash-* "$WORK"/leak-* "$WORK"/timeout-*; do
            [ -e "$f" ] && { echo "input $(basename "$f"):"; od -An -tx1 "$f" | head -20; }
        done
        echo "fuzz-smoke: $t FAILED" >&2
        exit 1
    fi
    grep -E '^Done' "$WORK/$t.log" || true
done
