#!/usr/bin/env bash
# Installs the peer programs pkgstress's tests compare against, from Debian:
#   calculix-ccx  - CalculiX, run on the same decks as pkgstress
#   python3-vtk9  - VTK's own reader, which opens the .vtu/.pvd files we write
set -euo pipefail
need=()
command -v ccx >/dev/null 2>&1 || need+=(calculix-ccx)
/usr/bin/python3 -c "import vtkmodules.vtkIOXML" >/dev/null 2>&1 || need+=(python3-vtk9)
if ((${#need[@]})); then
  echo "validation/setup.sh: installing ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v ccx >/dev/null && echo "validation/setup.sh: ccx at $(command -v ccx)"
/usr/bin/python3 -c "import vtkmodules; print('validation/setup.sh: VTK', vtkmodules.__version__ if hasattr(vtkmodules,'__version__') else '')"
