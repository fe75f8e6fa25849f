#!/usr/bin/env bash
# Installs what wangge needs on a fresh Debian machine, and nothing that is already there.
#   scripts/setup.sh run    build tools for the service (cmake builds the bundled PROJ), node + npm (map page)
#   scripts/setup.sh test   also GDAL (interoperability tests), Chromium, CJK fonts and poppler (browser tests),
#                           PostgreSQL 15 + PostGIS 3 (the PostgreSQL store's tests start their own cluster)
set -euo pipefail
what="${1:-run}"

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v cc >/dev/null || need+=(build-essential)
command -v npm >/dev/null || need+=(nodejs npm) # the map page's packages (web/package-lock.json)
if [ "$what" = "test" ]; then
  command -v ogrinfo >/dev/null || need+=(gdal-bin)
  command -v chromium >/dev/null || need+=(chromium)
  fc-list 2>/dev/null | grep -i "noto sans cjk" >/dev/null || need+=(fonts-noto-cjk)
  python3 -c "import venv, ensurepip" 2>/dev/null || need+=(python3-venv)
  ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || need+=(postgresql-15-postgis-3)
  command -v pdftoppm >/dev/null || need+=(poppler-utils) # the browser test renders the printed report
fi

if [ "${#need[@]}" -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "setup: cargo (Rust) is required: https://rustup.rs" >&2; exit 1; }

if [ "$what" = "test" ]; then
  # OGC API clients for tests/ogc_clients.rs, pinned, in a git-ignored virtual environment.
  venv="$(dirname "$0")/../.venv-interop"
  if ! "$venv/bin/python" -c "import owslib, schemathesis" 2>/dev/null; then
    echo "setup: installing OWSLib and schemathesis into .venv-interop"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q owslib==0.35.0 schemathesis==4.32.0
  fi
fi
