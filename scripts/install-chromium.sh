#!/bin/sh
# Install Debian's Chromium for the browser tests (chromedp). Does nothing
# when /usr/bin/chromium exists, so CI can run it on every build.
set -eu

if [ -x /usr/bin/chromium ]; then
	echo "install-chromium: /usr/bin/chromium is already installed"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-chromium: run as root (apt-get needs it)" >&2
	exit 1
fi

apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver
echo "install-chromium: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
