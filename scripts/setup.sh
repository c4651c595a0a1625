#!/usr/bin/env bash
# Installs the Debian 12 packages Tender needs to build and test, when they
# are missing. Run as root (or with sudo available). Safe to run again.
set -euo pipefail

packages=(
  meson ninja-build pkg-config gcc g++ binutils
  libglib2.0-dev libjson-glib-dev libsqlite3-dev libgtest-dev libssl-dev
  libcurl4-openssl-dev libsoup-3.0-dev
  python3 valgrind clang libclang-rt-14-dev
  libqrencode-dev chromium chromium-driver python3-selenium
  fonts-wqy-zenhei
  libpq-dev postgresql
  libseccomp-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
