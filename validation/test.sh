#!/usr/bin/env bash
# The test command: installs the peers (CalculiX, VTK's Python reader), runs
# the quick validation report, then every test of the workspace in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
bash validation/setup.sh
# the validation report's CI subset (writes target/validation/REPORT.md;
# fails on any entry outside its tolerance), then every test
cargo run --release -p validation -- --quick
cargo test --release --workspace "$@"
