#!/usr/bin/env bash
# Builds the container image and checks it end to end. The first container
# has a realm file mounted where Keycloak's image reads realm files. It must
# pass Docker's HEALTHCHECK, a client-credentials round trip with curl and a
# GraphQL query with the token. A second container without realm files must
# start too, and one with a broken realm file must exit with status 2. When
# the tree has cmd/smartmate-conformance, the conformance kit runs against
# the container as well.
#
# It installs Docker when dockerd is missing and starts dockerd when no
# daemon responds, and it stops the containers and the daemon it started
# when it exits. Ports are published on 127.0.0.1 only.
#
# Environment:
#   DOCKER_TEST_PORT          host port for the container (default 18080)
#   DOCKER_TEST_CONFORMANCE   "strict" (default): any failed check fails
#                             the test; "report": failures are printed and
#                             only an unreachable provider fails the test;
#                             "off": skip the kit
#   IMAGE                     image name (default smartmate-mock:latest)
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"

PORT="${DOCKER_TEST_PORT:-18080}"
IMAGE="${IMAGE:-smartmate-mock:latest}"
CONFORMANCE="${DOCKER_TEST_CONFORMANCE:-strict}"
NAME="smartmate-mock-test-$$"
BARE_NAME="smartmate-mock-bare-$$"
BASE="http://127.0.0.1:${PORT}"

started_dockerd=""
workdir="$(mktemp -d)"

log() { echo "docker-test: $*"; }
fail() {
	echo "docker-test: FAIL: $*" >&2
	exit 1
}

cleanup() {
	status=$?
	if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
		if [ "$status" -ne 0 ] && docker inspect "$NAME" >/dev/null 2>&1; then
			echo "docker-test: logs of $NAME:" >&2
			docker logs "$NAME" >&2 2>&1 || true
		fi
		docker rm -f "$NAME" "$BARE_NAME" >/dev/null 2>&1 || true
	fi
	if [ -n "$started_dockerd" ]; then
		log "stopping the dockerd it started (pid $started_dockerd)"
		kill "$started_dockerd" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$started_dockerd" 2>/dev/null || break
			sleep 0.2
		done
	fi
	rm -rf "$workdir"
	exit "$status"
}
trap cleanup EXIT

# wait_for runs a command until it succeeds, at most $1 seconds.
wait_for() {
	local seconds=$1
	shift
	local deadline=$((SECONDS + seconds))
	until "$@" >/dev/null 2>&1; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			return 1
		fi
		sleep 0.5
	done
}

# json_field prints the value of the last string or number member named $1
# in the JSON text $2. It uses sed, because the build machine may have no
# jq, and that is enough for token responses and JWT payloads.
json_field() {
	sed -n "s/.*\"$1\":\(\"\([^\"]*\)\"\|\([0-9]*\)\).*/\2\3/p" <<<"$2"
}

# jwt_payload decodes the payload of a compact JWS without verifying it.
jwt_payload() {
	local part
	part="$(cut -d. -f2 <<<"$1" | tr '_-' '/+')"
	while [ $((${#part} % 4)) -ne 0 ]; do part="${part}="; done
	base64 -d <<<"$part"
}

expect_equal() {
	if [ "$2" != "$3" ]; then
		fail "$1 = \"$2\", want \"$3\""
	fi
}

# 1. Docker: install it when missing, and start the daemon when docker info
# fails.
scripts/install-docker.sh
# The checks below talk to the container with curl.
if ! command -v curl >/dev/null 2>&1; then
	log "installing curl"
	apt-get update -qq && apt-get install -y -qq curl >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
	log "starting dockerd"
	dockerd >"$workdir/dockerd.log" 2>&1 &
	started_dockerd=$!
	if ! wait_for 30 docker info; then
		cat "$workdir/dockerd.log" >&2
		fail "dockerd did not respond to docker info within 30 s"
	fi
fi
if ! docker buildx version >/dev/null 2>&1; then
	# Without the buildx plugin, newer Docker CLIs reject BuildKit builds,
	# and the legacy builder handles this Dockerfile.
	export DOCKER_BUILDKIT=0
fi

# 2. The image.
build_start=$SECONDS
make image IMAGE="$IMAGE"
log "image built in $((SECONDS - build_start)) s"
expect_equal "image user" "$(docker image inspect -f '{{.Config.User}}' "$IMAGE")" "65532:65532"

# 3. A realm file in Keycloak's import folder, without keys, so the
# container generates them and reports ready only afterwards.
cat >"$workdir/acme-realm.json" <<'JSON'
{
  "realm": "acme",
  "enabled": true,
  "roles": {"client": {"smartmate-api": [{"name": "apps:read"}, {"name": "apps:write"}]}},
  "clients": [
    {"clientId": "smartmate-api", "bearerOnly": true},
    {"clientId": "acme-worker", "secret": "acme-worker-secret", "standardFlowEnabled": false,
     "serviceAccountsEnabled": true}
  ],
  "users": [
    {"username": "service-account-acme-worker", "serviceAccountClientId": "acme-worker",
     "clientRoles": {"smartmate-api": ["apps:read"]}}
  ]
}
JSON
chmod 0644 "$workdir/acme-realm.json"

# The command is the one compose files pass to Keycloak's image.
run_start=$SECONDS
docker run -d --name "$NAME" \
	-p "127.0.0.1:${PORT}:8080" \
	-e "KC_HOSTNAME=${BASE}" \
	-v "$workdir/acme-realm.json:/opt/keycloak/data/import/acme-realm.json:ro" \
	"$IMAGE" start-dev --import-realm >/dev/null
ready() { curl -fsS -o /dev/null "$BASE/health/ready"; }
wait_for 60 ready || fail "$BASE/health/ready did not return 200 within 60 s"
log "container ready $((SECONDS - run_start)) s after docker run (keys of the realm file generated)"
health() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$1")" = healthy ]; }
wait_for 60 health "$NAME" || fail "container $NAME did not become healthy within 60 s"
log "container healthy $((SECONDS - run_start)) s after docker run"

# 4. Discovery and a client-credentials round trip.
discovery="$(curl -fsS "$BASE/realms/acme/.well-known/openid-configuration")"
expect_equal "discovery issuer" "$(json_field issuer "$discovery")" "$BASE/realms/acme"
expect_equal "discovery token_endpoint" "$(json_field token_endpoint "$discovery")" "$BASE/realms/acme/protocol/openid-connect/token"

response="$(curl -fsS -u acme-worker:acme-worker-secret -d grant_type=client_credentials \
	"$BASE/realms/acme/protocol/openid-connect/token")"
expect_equal "token_type" "$(json_field token_type "$response")" "Bearer"
expect_equal "expires_in" "$(json_field expires_in "$response")" "300"
access="$(json_field access_token "$response")"
[ -n "$access" ] || fail "token response has no access_token: $response"
payload="$(jwt_payload "$access")"
expect_equal "access token iss" "$(json_field iss "$payload")" "$BASE/realms/acme"
expect_equal "access token azp" "$(json_field azp "$payload")" "acme-worker"
expect_equal "access token typ" "$(json_field typ "$payload")" "Bearer"
grep -q '"smartmate-api":{"roles":\["apps:read"\]}' <<<"$payload" ||
	fail "access token lacks resource_access.smartmate-api.roles [apps:read]: $payload"
log "client credentials round trip passed"

status="$(curl -s -o /dev/null -w '%{http_code}' -u acme-worker:wrong -d grant_type=client_credentials \
	"$BASE/realms/acme/protocol/openid-connect/token")"
expect_equal "status for a wrong client secret" "$status" "401"

# 5. The API in the same container accepts the token.
apps="$(curl -fsS -H "Authorization: Bearer $access" -H 'Content-Type: application/json' \
	-d '{"query":"{ apps { name } }"}' "$BASE/workspaces/acme/graphql")"
expect_equal "GraphQL response" "$apps" '{"data":{"apps":[]}}'
log "GraphQL query with the token passed"

# 6. Without a realm file, the image's default command still starts, with
# the demo realm only.
docker run -d --name "$BARE_NAME" "$IMAGE" >/dev/null
wait_for 60 health "$BARE_NAME" || fail "container $BARE_NAME without realm files did not become healthy within 60 s"
# The logs go to a variable first: grep -q would stop reading early, and
# under pipefail the SIGPIPE of docker logs would fail the check.
bare_log="$(docker logs "$BARE_NAME" 2>&1)"
grep -q 'realm import folder not found' <<<"$bare_log" ||
	fail "container $BARE_NAME did not log the skipped import folder"
log "container without realm files healthy"

# 7. A realm file that cannot be loaded stops the container with status 2.
printf '{"realm": "broken", "clients": [{"clientId": "svc"}]}' >"$workdir/broken-realm.json"
chmod 0644 "$workdir/broken-realm.json"
set +e
broken_log="$(docker run --rm -v "$workdir/broken-realm.json:/opt/keycloak/data/import/broken-realm.json:ro" "$IMAGE" 2>&1)"
code=$?
set -e
expect_equal "exit status with a broken realm file" "$code" "2"
grep -q 'clients\[0\].secret' <<<"$broken_log" ||
	fail "the log of a broken realm file does not name the JSON path: $broken_log"
log "broken realm file rejected with exit status 2"

# 8. The conformance kit, when this tree has it.
if [ -d cmd/smartmate-conformance ] && [ "$CONFORMANCE" != off ]; then
	set +e
	go run ./cmd/smartmate-conformance --issuer "$BASE/realms/demo" \
		--expected-failures conformance/testdata/container-expected.json
	code=$?
	set -e
	case "$code" in
	0) log "conformance kit passed" ;;
	1)
		if [ "$CONFORMANCE" = strict ]; then
			fail "conformance kit reported failed checks"
		fi
		log "conformance kit reported failed checks (DOCKER_TEST_CONFORMANCE=strict makes this fatal)"
		;;
	*) fail "conformance kit exited with $code: the provider is unreachable or the options are wrong" ;;
	esac
fi

size="$(docker image inspect -f '{{.Size}}' "$IMAGE")"
log "image $IMAGE size: $size bytes ($((size / 1024)) KiB)"
log "PASS in $SECONDS s"
