#!/bin/sh
# Cross-checks the conformance kit against an independent OpenID provider:
# installs oidc-provider from node/package-lock.json, starts it on
# 127.0.0.1, runs the kit's oidc profile against it, and compares the failed
# checks with conformance/testdata/oidc-provider-expected.json. It exits 0
# only when exactly the expected checks fail.
#
# Needs Go and Node 20 or later with npm. Usage: scripts/crosscheck-oidc-provider.sh
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
provider_pid=""
cleanup() {
	if [ -n "$provider_pid" ]; then
		kill "$provider_pid" 2>/dev/null || true
		wait "$provider_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "crosscheck: installing oidc-provider with npm ci"
(cd "$root/node" && npm ci --no-audit --no-fund --loglevel=error)

echo "crosscheck: building smartmate-conformance"
(cd "$root" && go build -o "$work/smartmate-conformance" ./cmd/smartmate-conformance)

# A free loopback port on which the kit receives back-channel logout tokens.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
backchannel="http://127.0.0.1:$port/backchannel"

BACKCHANNEL_LOGOUT_URI="$backchannel" node "$root/node/provider.mjs" >"$work/provider.out" 2>"$work/provider.err" &
provider_pid=$!

issuer=""
for _ in $(seq 1 100); do
	issuer=$(sed -n 's/^{"issuer":"\(.*\)"}$/\1/p' "$work/provider.out" | head -n 1)
	[ -n "$issuer" ] && break
	if ! kill -0 "$provider_pid" 2>/dev/null; then
		echo "crosscheck: oidc-provider exited early:" >&2
		cat "$work/provider.err" >&2
		exit 2
	fi
	sleep 0.1
done
if [ -z "$issuer" ]; then
	echo "crosscheck: oidc-provider did not report its issuer within 10 s" >&2
	exit 2
fi
echo "crosscheck: oidc-provider is at $issuer"

status=0
"$work/smartmate-conformance" \
	--issuer "$issuer" \
	--client-id conf-web --redirect-uri http://127.0.0.1/callback \
	--confidential-client-id conf-backend --confidential-client-secret conf-backend-secret \
	--second-client-id conf-second \
	--username alice --password any-password \
	--backchannel-logout-url "$backchannel" \
	--profile oidc \
	--format json --output "$work/report.json" \
	--expected-failures "$root/conformance/testdata/oidc-provider-expected.json" || status=$?

if [ "$status" -ne 0 ]; then
	echo "crosscheck: the failed checks differ from conformance/testdata/oidc-provider-expected.json (exit $status)" >&2
	grep -v WARNING "$work/provider.err" >&2 || true
fi
exit "$status"
