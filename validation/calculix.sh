#!/usr/bin/env bash
# CalculiX side by side: installs calculix-ccx (Debian) when missing, then
# runs ccx and pkgstress on the same multi-step decks (C3D8, C3D8I, C3D20,
# C3D20R, C3D10) and compares nodal displacements and integration-point
# stresses (validation/tests/calculix.rs states the tolerances).
set -euo pipefail
cd "$(dirname "$0")/.."
bash validation/setup.sh
CI="${CI:-true}" cargo test --release -p validation --test calculix -- --nocapture "$@"
