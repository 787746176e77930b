#!/usr/bin/env bash
# Provides the Temporal servers the project runs against, built from source into a git-ignored
# tools folder (.tools/). Idempotent: a second run finds them and returns at once.
#   - Temporal CLI (dev server + Web UI), built with Go.
#   - The time-skipping test server (Java, from Maven Central), behind a wrapper script.
# Where Go or Java is missing, the SDK downloads the servers itself on first use instead.
# TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH, when set, are used as they are.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${JUKINET_TOOLS_DIR:-$ROOT/.tools}"
CLI_VERSION="v1.5.1"          # later tags carry a `replace` line in go.mod and cannot be `go install`ed
TEST_SERVER_VERSION="1.31.0"  # io.temporal:temporal-test-server

say() { printf '[provision] %s\n' "$*"; }

# Prints a line every 15 s while a long step runs, so a first build does not look stuck.
with_progress() {
  local label="$1"; shift
  local start=$SECONDS
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 15 &
    wait $! || true
    kill -0 "$pid" 2>/dev/null && say "$label… $((SECONDS - start)) s"
  done
  wait "$pid"
}

provision_cli() {
  if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then say "Temporal CLI: using TEMPORAL_CLI_PATH"; return; fi
  local bin="$TOOLS/bin/temporal" stamp="$TOOLS/bin/.temporal-$CLI_VERSION"
  if [[ -x "$bin" && -f "$stamp" ]]; then say "Temporal CLI $CLI_VERSION: ready ($bin)"; return; fi
  if ! command -v go >/dev/null 2>&1; then
    say "Go not found: the Temporal SDK will download the CLI on first use instead."
    return
  fi
  say "Building Temporal CLI $CLI_VERSION with $(go version | cut -d' ' -f3) (first time: about 3 minutes)…"
  mkdir -p "$TOOLS/bin"
  with_progress "still building the Temporal CLI" \
    env GOBIN="$TOOLS/bin" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$CLI_VERSION"
  touch "$stamp"
  say "Temporal CLI: $("$bin" --version)"
}

provision_test_server() {
  if [[ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ]]; then say "Test server: using TEMPORAL_TEST_SERVER_PATH"; return; fi
  local dir="$TOOLS/test-server" wrapper="$TOOLS/bin/temporal-test-server"
  local stamp="$dir/.version-$TEST_SERVER_VERSION"
  if [[ -x "$wrapper" && -f "$stamp" ]]; then say "Time-skipping test server $TEST_SERVER_VERSION: ready ($wrapper)"; return; fi
  if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
    say "Java or Maven not found: the Temporal SDK will download the time-skipping test server on first use instead."
    return
  fi
  say "Resolving io.temporal:temporal-test-server:$TEST_SERVER_VERSION from Maven Central…"
  mkdir -p "$dir" "$TOOLS/bin"
  cat >"$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>jukinet-ops</groupId>
  <artifactId>temporal-test-server-classpath</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$TEST_SERVER_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
  if ! with_progress "still resolving the test server" \
    mvn -q -B -f "$dir/pom.xml" dependency:build-classpath -Dmdep.outputFile="$dir/classpath.txt" >"$dir/mvn.log" 2>&1; then
    cat "$dir/mvn.log"
    exit 1
  fi
  cat >"$wrapper" <<WRAP
#!/usr/bin/env bash
# Started by @temporalio/testing as an 'existing-path' executable; first argument: the port.
exec java -cp "\$(cat '$dir/classpath.txt')" io.temporal.testserver.TestServer "\$@"
WRAP
  chmod +x "$wrapper"
  touch "$stamp"
  say "Time-skipping test server $TEST_SERVER_VERSION: ready ($wrapper)"
}

provision_cli
provision_test_server
