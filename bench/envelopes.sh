#!/usr/bin/env bash
# bench/envelopes.sh: end-to-end envelope throughput of `gsign serve`, on
# SQLite and on PostgreSQL. Each envelope is created, given a one-page PDF,
# three signers at routing order 1 with a signature field each, sent, signed
# by the three signers in parallel over embedded signing URLs, and waited
# for until its sealed result is ready (bench/load does the driving).
#
#   bash bench/envelopes.sh                         # N=1000 C=32 on both engines
#   ENGINES=sqlite N=300 bash bench/envelopes.sh
#   GSIGN_BIN=/path/to/gsign bash bench/envelopes.sh   # skip the build
#   SERVER_ENV='GSIGN_JOB_CONCURRENCY=8 GOGC=400' bash bench/envelopes.sh
#   PG_URL=postgres://postgres@db.example:5432 bash bench/envelopes.sh
#   PG_URL=postgres://postgres@ PG_PARAMS=host=/var/run/postgresql bash bench/envelopes.sh   # over the Unix socket
#   RATE_LIMITS=api=600 bash bench/envelopes.sh    # default: off
#   LOAD_FLAGS=-embedded bash bench/envelopes.sh   # embedded signers: no emails to them
#   LOAD_FLAGS='-flow compact' bash bench/envelopes.sh   # one request to create and send, one per signer, waits instead of polls
#   LOAD_FLAGS='-flow compact -embedded' bash bench/envelopes.sh   # ... and the create request answers the signing URLs
#   GSIGN_BIN=/tmp/old LOAD_FLAGS='-flow compact -embedded -compose-urls=false' bash bench/envelopes.sh   # a gsign without signing_urls
#
# For each engine: a fresh `gsign serve` on a free port with a fresh data
# folder (PostgreSQL: a fresh database, created with psql and dropped
# after), a warm-up of WARMUP=50 envelopes, then the measured run of N
# envelopes with C concurrent flows. The server's CPU time during the
# measured run is read from /proc, the load generator's from /usr/bin/time.
# Then the server is stopped (it must stop cleanly) and `gsign fsck` must
# find the data clean. A server that does not start on a postgres:// URL
# (an older gsign without PostgreSQL support) is skipped with a message.
# docs/benchmarks.md ("Envelope throughput") records a run.
set -euo pipefail

N=${N:-1000}
C=${C:-32}
WARMUP=${WARMUP:-50}
ENGINES=${ENGINES:-sqlite postgres}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
# PG_PARAMS: connection parameters appended to every PostgreSQL URL, such as
# sslmode=disable, or host=/var/run/postgresql with PG_URL=postgres://postgres@
# for the server's Unix socket.
PG_PARAMS=${PG_PARAMS:-}
# RATE_LIMITS becomes GSIGN_RATE_LIMITS: off by default, since one account
# drives the whole load and the default 600 requests a minute per user
# would measure the limiter, not the server.
RATE_LIMITS=${RATE_LIMITS:-off}
# SERVER_ENV: settings for gsign serve (and gsign fsck) only, as GSIGN_*=VALUE
# or Go runtime (GOGC=400, GOMAXPROCS=2, ...) words.
SERVER_ENV=${SERVER_ENV:-}
# LOAD_FLAGS: extra flags for bench/load, such as -embedded.
LOAD_FLAGS=${LOAD_FLAGS:-}
BIN=${GSIGN_BIN:-}
# gsign runs with its defaults plus SERVER_ENV, whatever the caller's
# environment holds: no stray database, blob store, queue or roles.
for v in $(compgen -e | grep '^GSIGN_' || true); do unset "$v"; done
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=$ROOT/bench/.cache
# The data folders live under bench/.cache (BENCH_DIR), not /tmp: on a
# filesystem without a journal, ext4 skips inodes freed in the last minutes
# when it allocates new ones, so creating a file in a block group where
# builds and tests have just deleted thousands (as they do in /tmp) costs
# hundreds of microseconds (docs/benchmarks.md).
BENCH_DIR=${BENCH_DIR:-$ROOT/bench/.cache}
mkdir -p "$BENCH_DIR"
WORK=$(mktemp -d "$BENCH_DIR/envelopes.XXXXXX")
SERVER_PID='' PG_DB='' FAILED=''
SUMMARY=$WORK/summary.tsv # engine eps rps p50 p99 lag50 lag99 server_ms db_ms client_ms load

die() { echo "envelopes.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

cleanup() {
	stop_server || true
	drop_db || true
	rm -rf "$WORK"
}
trap cleanup EXIT

need_tools() {
	command -v go >/dev/null || die "go is required"
	command -v curl >/dev/null || die "curl is required"
	[ -x /usr/bin/time ] || die "/usr/bin/time is required (apt-get install time)"
	[ "$N" -ge 1 ] 2>/dev/null && [ "$C" -ge 1 ] 2>/dev/null && [ "$WARMUP" -ge 0 ] 2>/dev/null ||
		die "N and C must be numbers of at least 1, WARMUP at least 0"
	for v in $SERVER_ENV; do [[ $v == GSIGN_*=* || $v == GO*=* ]] || die "SERVER_ENV takes GSIGN_*=VALUE or GO*=VALUE words, not '$v'"; done
	for e in $ENGINES; do [[ $e == sqlite || $e == postgres ]] || die "unknown engine '$e' (want sqlite or postgres)"; done
}

build() {
	if [ -n "$BIN" ]; then
		GSIGN=$BIN
	else
		log "building gsign"
		(cd "$ROOT" && go build -o "$WORK/gsign" ./cmd/gsign)
		GSIGN=$WORK/gsign
	fi
	log "building bench/load"
	(cd "$ROOT" && go build -o "$WORK/load" ./bench/load)
	LOAD=$WORK/load
}

# free_port prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	die "no free port found"
}

# BENCH_MASTER_KEY is this run's master key: with PostgreSQL, gsign refuses
# to start without one that every process shares (docs/security.md).
BENCH_MASTER_KEY=$(head -c 32 /dev/urandom | base64)

# db_env ENGINE prints the database settings of ENGINE, if any.
db_env() {
	case $1 in
	postgres) echo "GSIGN_DATABASE_URL=$(pg_url "$PG_DB") GSIGN_MASTER_KEY=$BENCH_MASTER_KEY" ;;
	esac
}

# pg_url DB prints the URL of database DB on the bench's server.
pg_url() {
	echo "$PG_URL/$1${PG_PARAMS:+?$PG_PARAMS}"
}

create_db() {
	command -v psql >/dev/null || return 1
	PG_DB=gsign_bench_$(date +%s)_$$
	psql "$(pg_url postgres)" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE $PG_DB" >/dev/null
}

drop_db() {
	[ -n "$PG_DB" ] || return 0
	psql "$(pg_url postgres)" -qAt -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
	PG_DB=''
}

# start_server ENGINE DATA: gsign serve in the background; 1 if it never
# became ready (its log is in $WORK/ENGINE-serve.log).
start_server() {
	local engine=$1 data=$2 port rc
	port=$(free_port)
	URL=http://127.0.0.1:$port
	# shellcheck disable=SC2046 # SERVER_ENV and db_env are NAME=VALUE words
	env GSIGN_RATE_LIMITS="$RATE_LIMITS" $SERVER_ENV $(db_env "$engine") "$GSIGN" serve --addr "127.0.0.1:$port" --data "$data" \
		>"$WORK/$engine-serve.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 600); do
		curl -sf "$URL/readyz" >/dev/null && return 0
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			wait "$SERVER_PID" && rc=0 || rc=$?
			echo "gsign serve exited with status $rc before it was ready" >>"$WORK/$engine-serve.log"
			SERVER_PID=''
			return 1
		fi
		sleep 0.1
	done
	die "gsign serve on $engine was not ready after 60 s; log: $(tail -n 5 "$WORK/$engine-serve.log")"
}

# stop_server stops the server with SIGINT; it must exit with status 0.
stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	local pid=$SERVER_PID
	SERVER_PID=''
	kill -INT "$pid"
	wait "$pid"
}

# server_cpu prints the server's user+system CPU time so far, in ms.
server_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000 / hz}' "/proc/$SERVER_PID/stat"
}

# db_cpu prints "PID MS" for each PostgreSQL backend serving the bench
# database (their process titles name it), with its CPU time so far.
db_cpu() {
	[ -n "$PG_DB" ] || return 0
	local hz p
	hz=$(getconf CLK_TCK)
	for p in $(pgrep -f "postgres: .* $PG_DB " || true); do
		awk -v p="$p" -v hz="$hz" '{print p, ($14 + $15) * 1000 / hz}' "/proc/$p/stat" 2>/dev/null || true
	done
}

# db_cpu_since BEFORE prints the backends' CPU time in ms since the
# snapshot BEFORE (a file of db_cpu lines); backends that exited in
# between are not counted.
db_cpu_since() {
	db_cpu | awk 'FILENAME == ARGV[1] {before[$1] = $2; next} {sum += $2 - before[$1]} END {print sum + 0}' "$1" -
}

# bench_engine ENGINE: start, warm up, measure, stop, fsck.
bench_engine() {
	local engine=$1 data=$WORK/$engine-data out=$WORK/$engine.txt cpu0 cpu1 dbms load0 rss rc=0
	if [ "$engine" = postgres ] && ! create_db; then
		log "skipping postgres: cannot create a database with psql at $PG_URL"
		return
	fi
	log "$engine: starting gsign serve ${SERVER_ENV:+with $SERVER_ENV}"
	if ! start_server "$engine" "$data"; then
		[ "$engine" = postgres ] || { tail -n 5 "$WORK/$engine-serve.log" >&2; die "gsign serve did not start on SQLite"; }
		tail -n 2 "$WORK/$engine-serve.log" >&2
		log "skipping postgres: this gsign did not start on a postgres:// URL (its log is above)"
		drop_db
		return
	fi
	if [ "$WARMUP" -gt 0 ]; then
		log "$engine: warm-up, $WARMUP envelopes"
		"$LOAD" -url "$URL" -n "$WARMUP" -c "$C" $LOAD_FLAGS >"$WORK/$engine-warmup.txt" ||
			{ cat "$WORK/$engine-warmup.txt"; die "$engine: the warm-up failed"; }
	fi
	log "$engine: measuring, $N envelopes with $C concurrent flows"
	load0=$(cut -d' ' -f1 /proc/loadavg) cpu0=$(server_cpu)
	db_cpu >"$WORK/db-cpu0"
	/usr/bin/time -f '%U %S' -o "$WORK/$engine-client-cpu" "$LOAD" -url "$URL" -n "$N" -c "$C" $LOAD_FLAGS >"$out" || rc=$?
	cpu1=$(server_cpu) dbms=$(db_cpu_since "$WORK/db-cpu0") rss=$(server_peak_rss)
	cat "$out"
	[ "$rc" -eq 0 ] || { FAILED="$FAILED $engine"; log "$engine: the load run failed (exit $rc)"; }
	summarize "$engine" "$out" "$cpu0" "$cpu1" "$load0" "$dbms" "$rss"
	log "$engine: stopping the server and checking the data with gsign fsck"
	stop_server || die "$engine: gsign serve did not stop cleanly: $(tail -n 5 "$WORK/$engine-serve.log")"
	# shellcheck disable=SC2046
	env $SERVER_ENV $(db_env "$engine") "$GSIGN" fsck --data "$data" >"$WORK/$engine-fsck.txt" 2>&1 ||
		{ cat "$WORK/$engine-fsck.txt"; die "$engine: gsign fsck found problems"; }
	drop_db
	mkdir -p "$CACHE" && cp "$out" "$CACHE/envelopes-$engine.txt"
}

# server_peak_rss prints gsign serve's peak resident memory so far, in MiB.
server_peak_rss() {
	awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER_PID/status"
}

# summarize ENGINE OUT CPU0 CPU1 LOAD0 DB_MS RSS appends a line to SUMMARY
# from the load generator's table, the CPU times and the peak memory.
summarize() {
	local engine=$1 out=$2 client
	client=$(awk '{print ($1 + $2) * 1000}' "$WORK/$engine-client-cpu" 2>/dev/null || echo 0)
	awk -v e="$engine" -v c0="$3" -v c1="$4" -v cl="$client" -v l0="$5" -v db="$6" -v rss="$7" -v l1="$(cut -d' ' -f1 /proc/loadavg)" '
		/^envelopes / {sealed = $3; sub(/\(/, "", sealed)}
		/^throughput / {eps = $2; rps = $5}
		/^all / {p50 = $3; p99 = $5}
		/^sealing lag +[0-9]/ {lag50 = $4; lag99 = $6}
		END {n = sealed > 0 ? sealed : 1
			printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f\t%s\t%.0f\t%s-%s\t%s\n", e, eps, rps, p50, p99, lag50, lag99,
				(c1 - c0) / n, (e == "postgres" ? sprintf("%.0f", db / n) : "-"), cl / n, l0, l1, rss}' \
		"$out" >>"$SUMMARY"
}

# built_from says which source the gsign binary came from.
built_from() {
	if [ -n "$BIN" ]; then
		echo "GSIGN_BIN=$BIN"
	else
		echo "built from $(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo '?')"
	fi
}

report() {
	echo
	echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(uname -r)"
	echo "gsign:   $("$GSIGN" version), $(built_from), $(go version | cut -d' ' -f3)"
	echo "run:     N=$N C=$C WARMUP=$WARMUP RATE_LIMITS=$RATE_LIMITS ${SERVER_ENV:+SERVER_ENV='$SERVER_ENV'}"
	echo
	printf '%-9s %7s %7s %8s %8s %9s %9s %10s %6s %10s %10s %9s\n' engine "env/s" "req/s" "p50 ms" "p99 ms" "lag p50" "lag p99" "server ms" "db ms" "client ms" "load avg" "peak MiB"
	[ -s "$SUMMARY" ] && awk -F'\t' '{printf "%-9s %7s %7s %8s %8s %9s %9s %10s %6s %10s %10s %9s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12}' "$SUMMARY"
	cat <<'EOT'

env/s     = envelopes completed and sealed per second: N / (first request to last envelope seen sealed).
req/s     = API requests per second over the same run, polls included.
p50, p99  = latency over all requests (exact, from every sample); per kind in the tables above.
lag       = from the last signer's completion to the first poll that saw the sealed result (ms).
server ms = gsign serve's CPU time (user + system) during the measured run, per envelope.
db ms     = PostgreSQL: the CPU time of the backends serving the bench database, per envelope
            (not counted: the shared WAL writer and checkpointer, backends that exited mid-run).
client ms = the load generator's CPU time per envelope (it shares the machine).
peak MiB  = gsign serve's peak resident memory (VmHWM) at the end of the measured run.
load avg  = the 1-minute load average before and after the measured run.
EOT
	awk -F'\t' '{printf "target %-8s >= 100 envelopes/s: %s (%s)\n", $1, ($2 >= 100 ? "MET" : "NOT MET"), $2}' "$SUMMARY"
}

main() {
	need_tools
	build
	: >"$SUMMARY"
	local engine
	for engine in $ENGINES; do
		bench_engine "$engine"
	done
	report
	[ -z "$FAILED" ] || die "envelopes failed on:$FAILED"
}

main "$@"
