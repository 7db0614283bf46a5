#!/usr/bin/env bash
# Idempotent set-up for Debian/Ubuntu. Safe to run again: when everything is present it only checks
# and prints the GStreamer version.
#   (no option)  development machine: runtime and development packages, then the npm dependencies
#                (before every `npm test` / `npm run demo`).
#   --device     a device (the Greengrass Install step, the systemd install): the runtime packages only.
#                The bundle and its Node come in the component artifacts; nothing is fetched from npm.
set -euo pipefail
MODE=dev
case "${1:-}" in
  --device | --system-only) MODE=device ;;
  '') ;;
  *)
    echo "setup: unknown option $1 (use --device on a device, nothing on a development machine)" >&2
    exit 2
    ;;
esac

# What the connector runs with: gst-launch (tools), rtspsrc and the RTP depayloaders (good), h265parse
# (bad), the Matroska muxer (good), codecs some cameras need (ugly, libav), and the python3-gi runner.
RUNTIME_PACKAGES=(
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav python3-gi gir1.2-gstreamer-1.0
)
# Only the tests and the demo use these: the RTSP test camera (gst-rtsp-server), ffprobe and mkvinfo.
DEV_PACKAGES=(gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 mkvtoolnix ffmpeg)
MIN_GST="1.18"

if [[ $MODE == device ]]; then
  case "$(uname -m)" in
    x86_64 | aarch64) ;;
    armv6l | armv7l | armv8l | arm*)
      echo "setup: kvs-edge-connector does not run on 32-bit ARM ($(uname -m)): aws-crt ships no native library for it; install a 64-bit (aarch64) OS." >&2
      exit 1
      ;;
    *)
      echo "setup: kvs-edge-connector runs on x86_64 and aarch64 Linux, not on $(uname -m)." >&2
      exit 1
      ;;
  esac
  PACKAGES=("${RUNTIME_PACKAGES[@]}")
else
  cd "$(dirname "$0")/.."
  PACKAGES=("${RUNTIME_PACKAGES[@]}" "${DEV_PACKAGES[@]}")
fi

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

[[ $MODE == device ]] && exit 0

# npm ci when node_modules is missing or older than the lock file (a pull changed dependencies).
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
