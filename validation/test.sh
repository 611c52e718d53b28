#!/usr/bin/env bash
# The test command: installs the peers (CalculiX, VTK's Python reader), then
# runs every test of the workspace in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
bash validation/setup.sh
cargo test --release --workspace "$@"
