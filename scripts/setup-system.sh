#!/usr/bin/env bash
# System packages channelcast needs on Debian 12 (bookworm), as root. Used by the Dockerfile and .ci/run;
# safe to run again: whatever is already installed is left alone and nothing is fetched then.
#
#   chromium                 headless browser for whatsapp-web.js (found at /usr/bin/chromium)
#   fonts-noto-core          Arabic script incl. Noto Nastaliq Urdu and Naskh, Devanagari, … (Urdu posts)
#   fonts-noto-color-emoji   emoji
#   fonts-liberation         metric-compatible Arial/Times/Courier for Latin text
#   ca-certificates          HTTPS feeds, images and WhatsApp Web
#   dumb-init                PID 1 in the container: forwards SIGTERM, reaps Chromium's zombies
#
# Usage: scripts/setup-system.sh [--slim] [--dry-run]
#   --slim     remove apt's package lists and caches afterwards (for image layers)
#   --dry-run  only print what is missing and what would run
set -euo pipefail

PACKAGES=(chromium fonts-noto-core fonts-noto-color-emoji fonts-liberation ca-certificates dumb-init)
slim=0
dry_run=0
for arg in "$@"; do
  case "$arg" in
    --slim) slim=1 ;;
    --dry-run) dry_run=1 ;;
    -h | --help)
      sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup-system: unknown option $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

say() { echo "[setup-system] $*" >&2; }

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  say "this script needs Debian/Ubuntu (apt-get, dpkg-query); install by hand: ${PACKAGES[*]}"
  exit 1
fi

installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }

missing=()
for pkg in "${PACKAGES[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done

run() {
  if [ "$dry_run" = 1 ]; then
    say "would run: $*"
  else
    "$@"
  fi
}

if [ "${#missing[@]}" -eq 0 ]; then
  say "all present: ${PACKAGES[*]}"
else
  say "missing: ${missing[*]}"
  if [ "$(id -u)" != 0 ] && [ "$dry_run" = 0 ]; then
    say "not root: run  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Always refresh the lists before installing: a fresh image has none, and stale ones 404 on mirrors.
  run apt-get update -qq
  run apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# For image layers only: on a workstation or CI host this throws away apt's lists and downloaded .debs.
if [ "$slim" = 1 ]; then
  if [ "$dry_run" = 1 ]; then
    say "would run: apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/cache/debconf/*-old"
  elif [ "$(id -u)" = 0 ]; then
    apt-get clean
    rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/cache/debconf/*-old
  else
    say "--slim needs root: apt lists left as they are"
  fi
fi

if [ "$dry_run" = 0 ]; then
  chromium_bin="$(command -v chromium || true)"
  if [ -z "$chromium_bin" ]; then
    say "chromium is installed but not on PATH"
    exit 1
  fi
  say "ok: $("$chromium_bin" --version 2>/dev/null || echo "$chromium_bin"), dumb-init $(dumb-init --version 2>&1 | head -n1 | awk '{print $2}')"
fi
