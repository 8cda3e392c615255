#!/usr/bin/env bash
# Installs Debian's Chromium, which the browser tests drive headless
# through chromedp. It does nothing when /usr/bin/chromium exists. Needs
# root and Debian's package mirror.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium
