#!/bin/sh
# Runs the conformance kit's CLI against the smartmate-mock binary: builds
# both, starts the emulator on a free loopback port with its default realm,
# runs every check and stops the emulator. It exits with the kit's status:
# 0 when no check failed.
#
# Usage: scripts/conformance-binary.sh [extra smartmate-conformance flags]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

cd "$root"
go build -o "$work/smartmate-mock" ./cmd/smartmate-mock
go build -o "$work/smartmate-conformance" ./cmd/smartmate-conformance

# Port 0 lets the kernel pick a free port; the issuer follows the port
# that the listener got, which the start-up log line names.
"$work/smartmate-mock" --http-host 127.0.0.1 --http-port 0 --log-level info --log-format json >"$work/emulator.log" 2>&1 &
pid=$!

port=""
tries=0
while [ -z "$port" ]; do
	tries=$((tries + 1))
	if [ "$tries" -gt 100 ]; then
		echo "conformance-binary: the emulator did not start; its log:" >&2
		cat "$work/emulator.log" >&2
		exit 2
	fi
	sleep 0.1
	port=$(sed -n 's/.*"msg":"smartmate-mock started","address":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$work/emulator.log")
done
"$work/smartmate-mock" healthcheck --url "http://127.0.0.1:$port/health/ready"

status=0
"$work/smartmate-conformance" --issuer "http://127.0.0.1:$port/realms/demo" "$@" || status=$?
echo "conformance-binary: smartmate-conformance exited with $status"
exit "$status"
