#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo need, only when they are missing.
# Usage: scripts/ensure-deps.sh PACKAGE...   (no-op for packages already installed)
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}" >&2
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Finish any earlier installation that was interrupted, or apt refuses to install anything.
$SUDO dpkg --configure -a >/dev/null 2>&1 || true
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
