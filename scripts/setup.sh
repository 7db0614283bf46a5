#!/usr/bin/env bash
# Idempotent set-up for Debian/Ubuntu: the system packages the connector and its tests use, then the
# npm dependencies. Safe to run before every `npm test` / `npm run demo`: when everything is present it
# only checks and prints the GStreamer version.
# --system-only: only the system packages (the Greengrass Install step, where node_modules ships in the zip).
set -euo pipefail
cd "$(dirname "$0")/.."
SYSTEM_ONLY=false
[[ "${1:-}" == "--system-only" ]] && SYSTEM_ONLY=true

PACKAGES=(
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 python3-gi
  mkvtoolnix ffmpeg
  # headless browser for the local console test (test/player/console.test.ts)
  chromium
)
MIN_GST="1.18"

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
  done
else
  echo "setup: dpkg-query not found; this script installs packages on Debian/Ubuntu only." >&2
fi

if ((${#missing[@]} > 0)); then
  apt_cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
  if [[ $(id -u) -eq 0 ]]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
  else
    echo "setup: missing system packages: ${missing[*]}" >&2
    echo "setup: install them with:  sudo apt-get update && sudo ${apt_cmd[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  if ! "${sudo[@]}" "${apt_cmd[@]}" -qq >/tmp/kvs-edge-setup-apt.log 2>&1; then
    tail -20 /tmp/kvs-edge-setup-apt.log >&2
    echo "setup: apt-get failed; run it yourself:  sudo apt-get update && sudo ${apt_cmd[*]}" >&2
    exit 1
  fi
fi

if ! command -v gst-launch-1.0 >/dev/null 2>&1; then
  echo "setup: gst-launch-1.0 not found after installing gstreamer1.0-tools" >&2
  exit 1
fi
gst_version=$(gst-launch-1.0 --version | sed -n 's/^gst-launch-1.0 version \([0-9.]*\).*/\1/p')
if [[ -z "$gst_version" ]] || [[ "$(printf '%s\n%s\n' "$MIN_GST" "$gst_version" | sort -V | head -1)" != "$MIN_GST" ]]; then
  echo "setup: GStreamer ${gst_version:-unknown} found; kvs-edge-connector needs ${MIN_GST} or newer." >&2
  exit 1
fi
echo "setup: GStreamer ${gst_version}"

$SYSTEM_ONLY && exit 0

# npm ci when node_modules is missing or older than the lock file (a pull changed dependencies).
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
