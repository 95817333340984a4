#!/usr/bin/env bash
# bench/seal.sh: time and peak memory of `gsign seal` against poppler's
# `pdfsig -add-signature` on two ~50 MB PDFs (image-heavy; ~80,000 objects),
# both tools signing with the same RSA-3072 key and SHA-256.
#
#   bash bench/seal.sh                 # RUNS=5 timed runs per tool and file
#   RUNS=9 bash bench/seal.sh
#   GSIGN_BIN=/path/to/gsign bash bench/seal.sh   # skip the build
#
# Every run is a whole process, timed from outside: elapsed wall time (from
# bash's EPOCHREALTIME around /usr/bin/time) and peak RSS (/usr/bin/time %M).
# One warm-up run per tool and file comes first and is not counted, so both
# tools read their input from the page cache. Every output, the warm-ups'
# included, is checked with pdfsig and qpdf --check after the timed runs.
# Results are printed as a table (the raw runs are kept in
# bench/.cache/seal-results.tsv); docs/benchmarks.md records three runs.
set -euo pipefail

RUNS=${RUNS:-5}
BIN=${GSIGN_BIN:-}
# gsign runs with its defaults whatever the caller's environment holds: the
# built-in TSA (no network in the timings) and the default seal level, B-T.
for v in $(compgen -e | grep '^GSIGN_' || true); do unset "$v"; done
SIZE=${SIZE:-50MB}
OBJECTS=${OBJECTS:-80000}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=$ROOT/bench/.cache
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gsign-seal-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
RESULTS=$WORK/results.tsv # file tool run ms rss_kb self_ms
MEMORY=$WORK/memory.tsv   # file tool run hwm_kb anon_kb file_kb

die() { echo "seal.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

# need_tools installs what is missing (as root, with apt-get) or says what to install.
need_tools() {
	local missing=() pkgs=()
	command -v go >/dev/null || die "go is required"
	local tool pkg
	for pair in pdfsig:poppler-utils qpdf:qpdf certutil:libnss3-tools pk12util:libnss3-tools openssl:openssl /usr/bin/time:time; do
		tool=${pair%%:*} pkg=${pair##*:}
		command -v "$tool" >/dev/null || { missing+=("$tool"); pkgs+=("$pkg"); }
	done
	[ ${#missing[@]} -eq 0 ] && return
	[ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}; install: sudo apt-get install -y ${pkgs[*]}"
	log "installing ${pkgs[*]}"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
}

build_peakmem() {
	(cd "$ROOT" && go build -o "$WORK/peakmem" ./bench/peakmem)
}

# memory_runs FILE PATH TOOL...: RUNS more runs of each tool under peakmem,
# which splits the peak RSS into anonymous and file-backed memory. They are
# separate from the timed runs so that its polling does not slow them.
memory_runs() {
	local name=$1 in=$2 run tool out
	shift 2
	local tools=("$@") cmd
	log "measuring memory of ${tools[*]}: $RUNS runs each under peakmem"
	for run in $(seq "$RUNS"); do
		for tool in "${tools[@]}"; do
			out=$WORK/mem-$name-$tool.pdf
			case $tool in
			gsign) cmd=("$GSIGN" seal --data "$DATA" --in "$in" --out "$out") ;;
			pdfsig) cmd=(pdfsig -add-signature -nssdir "sql:$NSS" -nick "$NICK" -digest SHA256 -reason "Sealed by pdfsig" "$in" "$out") ;;
			esac
			printf '%s\t%s\t%s\t%s\n' "$name" "$tool" "$run" "$("$WORK/peakmem" -- "${cmd[@]}" 2>/dev/null | tr ' ' '\t')" >>"$MEMORY"
			rm -f "$out"
		done
	done
}

# mem_of FILE TOOL COLUMN: the median of a memory column, in MiB.
mem_of() {
	awk -F'\t' -v f="$1" -v t="$2" -v c="$3" '$1==f && $2==t {print $c}' "$MEMORY" | median | awk '{printf "%.1f", $1/1024}'
}

build_gsign() {
	if [ -n "$BIN" ]; then
		GSIGN=$BIN
	else
		log "building gsign"
		(cd "$ROOT" && go build -o "$WORK/gsign" ./cmd/gsign)
		GSIGN=$WORK/gsign
	fi
	"$GSIGN" help | grep '^  seal ' >/dev/null ||
		die "$GSIGN has no 'seal' command (runSeal is not in the command table of internal/cli/cli.go)"
}

# generate KIND NAME ARGS...: the input PDF, cached until the generator changes.
generate() {
	local kind=$1 name=$2
	shift 2
	local stamp
	stamp=$(cat "$ROOT"/bench/genpdf/*.go | sha256sum | cut -c1-12)
	local path=$CACHE/$name-$stamp.pdf
	if [ ! -f "$path" ]; then
		log "generating $name"
		mkdir -p "$CACHE"
		rm -f "$CACHE/$name"-*.pdf
		(cd "$ROOT" && go run ./bench/genpdf -kind "$kind" "$@" -out "$path.tmp") && mv "$path.tmp" "$path"
		qpdf --check "$path" >/dev/null || die "qpdf --check fails on the generated $path"
	fi
	echo "$path"
}

# setup_keys makes one RSA-3072 seal key and certificate, imports it into
# a fresh gsign data folder and into an NSS database for pdfsig.
setup_keys() {
	log "creating the seal key, the gsign data folder and the NSS database"
	DATA=$WORK/data NSS=$WORK/nss NICK=benchseal
	"$GSIGN" migrate --data "$DATA" >/dev/null 2>&1 || die "gsign migrate failed"
	openssl req -x509 -newkey rsa:3072 -sha256 -days 7 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
		-subj "/CN=GSign benchmark seal/O=GSign benchmark" \
		-addext "keyUsage=critical,digitalSignature,nonRepudiation" -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null
	openssl pkcs12 -export -inkey "$WORK/key.pem" -in "$WORK/cert.pem" -name "$NICK" -passout pass:bench -out "$WORK/seal.p12"
	GSIGN_BENCH_P12=bench "$GSIGN" pki import-p12 --data "$DATA" --file "$WORK/seal.p12" --password-env GSIGN_BENCH_P12 >/dev/null
	mkdir -p "$NSS"
	certutil -N -d "sql:$NSS" --empty-password
	pk12util -i "$WORK/seal.p12" -d "sql:$NSS" -W bench >/dev/null
}

# timed FILE TOOL RUN CMD...: runs CMD once and appends a line to RESULTS.
timed() {
	local file=$1 tool=$2 run=$3
	shift 3
	local t0 t1 rss self=-
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%M' -o "$WORK/rss" "$@" >"$WORK/stdout" 2>"$WORK/stderr" ||
		{ cat "$WORK/stderr" >&2; die "$tool failed on $file"; }
	t1=$EPOCHREALTIME
	rss=$(tail -n1 "$WORK/rss")
	if [ "$tool" = gsign ]; then
		self=$(sed -n 's/.* in \([0-9]*\) ms$/\1/p' "$WORK/stdout")
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$file" "$tool" "$run" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%d", (b - a) * 1000}')" "$rss" "${self:--}" >>"$RESULTS"
}

# bench_file NAME PATH TOOL...: a warm-up (run 0) and RUNS timed runs of
# each tool, rotating which goes first.
bench_file() {
	local name=$1 in=$2 run i
	shift 2
	local tools=("$@")
	log "sealing $name ($(stat -c %s "$in") bytes): 1 warm-up + $RUNS runs of ${tools[*]}"
	for run in $(seq 0 "$RUNS"); do
		for i in "${!tools[@]}"; do
			run_tool "$name" "$in" "${tools[$(((i + run) % ${#tools[@]}))]}" "$run"
		done
	done
}

run_tool() {
	local name=$1 in=$2 tool=$3 run=$4
	local out=$WORK/out/$name-$tool-$run.pdf
	case $tool in
	gsign) timed "$name" gsign "$run" "$GSIGN" seal --data "$DATA" --in "$in" --out "$out" ;;
	pdfsig) timed "$name" pdfsig "$run" pdfsig -add-signature -nssdir "sql:$NSS" -nick "$NICK" -digest SHA256 \
		-reason "Sealed by pdfsig" "$in" "$out" ;;
	gsign-open) timed "$name" gsign-open "$run" "$GSIGN" pki export-root --data "$DATA" --out /dev/null ;;
	gsign-version) timed "$name" gsign-version "$run" "$GSIGN" version ;;
	dd) timed "$name" dd "$run" dd if="$in" of="$WORK/out/$name-dd-$run.copy" bs=1M status=none ;;
	esac
}

# verify_one PDF: a signature over the whole file that pdfsig calls valid,
# and a file qpdf finds sound.
verify_one() {
	local report
	report=$(pdfsig -nocert -no-ocsp "$1" 2>/dev/null || true)
	grep -q 'Signature is Valid.' <<<"$report" && grep -q 'Total document signed' <<<"$report" ||
		{ echo "NOT VALID: $1"; echo "$report"; return 1; }
	qpdf --check "$1" >/dev/null 2>&1 || { echo "qpdf --check FAILS: $1"; return 1; }
}
export -f verify_one

verify_all() {
	log "verifying $(ls "$WORK"/out/*.pdf | wc -l) outputs with pdfsig and qpdf --check (2 at a time)"
	ls "$WORK"/out/*.pdf | xargs -P 2 -I{} bash -c 'verify_one "$1"' _ {} || die "an output failed verification"
}

# median COLUMN: the median of numbers on standard input.
median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# stat_of FILE TOOL COLUMN FUNC: the median, min or max of a column over
# the timed runs (run 0 is the warm-up).
stat_of() {
	awk -F'\t' -v f="$1" -v t="$2" -v c="$3" '$1==f && $2==t && $3>0 {print $c}' "$RESULTS" |
		case $4 in
		min) sort -n | head -n1 ;;
		max) sort -n | tail -n1 ;;
		*) median ;;
		esac
}

report() {
	echo
	echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(uname -r)"
	echo "tools:   $("$GSIGN" version) ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')), $(pdfsig -v 2>&1 | head -n1), $(qpdf --version | head -n1), $(go version | cut -d' ' -f3)"
	echo "runs:    $RUNS timed runs per tool and file after one warm-up; each run is a whole process"
	echo
	printf '%-8s %-13s %9s %9s %9s %11s %9s %9s\n' file tool "median s" "min s" "max s" "median MiB" "seal ms" speedup
	local f t
	for f in tiny images objects; do
		for t in gsign pdfsig gsign-open gsign-version dd; do
			if [ -n "$(stat_of "$f" "$t" 4 median)" ]; then row "$f" "$t"; fi
		done
	done
	cat <<'EOT'

gsign      = gsign seal: process start, open the blob store and the PKI, PAdES B-T seal with an
             RFC 3161 timestamp from the built-in TSA, write to a temporary file, rename.
seal ms    = gsign's own clock from the app opened to the file renamed (median).
pdfsig     = pdfsig -add-signature: adbe.pkcs7.detached, no timestamp (poppler 22.12's -add-signature
             has no TSA configured here and does not support -etsi).
gsign-open = gsign pki export-root: process start and opening of the app (database included), no seal.
gsign-version = gsign version: the process start alone (runtime and package initialisation).
dd         = dd bs=1M: reading and writing the file through the page cache, the floor for any
             tool that copies the original into its output.
speedup    = pdfsig median / gsign median.
EOT
	init_report
	memory_report
	echo
	verdict
}

# memory_report prints where each tool's peak RSS is.
memory_report() {
	echo
	printf '%-8s %-7s %10s %10s %10s   (peakmem, median of %d runs)\n' file tool "RSS MiB" "anon MiB" "file MiB" "$RUNS"
	local f t
	for f in tiny images objects; do
		for t in gsign pdfsig; do
			printf '%-8s %-7s %10s %10s %10s\n' "$f" "$t" "$(mem_of "$f" "$t" 4)" "$(mem_of "$f" "$t" 5)" "$(mem_of "$f" "$t" 6)"
		done
	done
	cat <<'EOT'
anon MiB = the largest RssAnon seen: memory the process allocated (heap, stacks, buffers).
file MiB = the largest RssFile seen: clean pages mapped from the executable and shared libraries.
EOT
}

# row FILE TOOL prints one line of the table.
row() {
	local f=$1 t=$2 speed="" self=""
	[ "$t" = pdfsig ] && speed=$(awk -v p="$(stat_of "$f" pdfsig 4 median)" -v g="$(stat_of "$f" gsign 4 median)" 'BEGIN {printf "%.1fx", p/g}')
	[ "$t" = gsign ] && self=$(stat_of "$f" gsign 6 median)
	printf '%-8s %-13s %9.3f %9.3f %9.3f %11.1f %9s %9s\n' "$f" "$t" \
		"$(stat_of "$f" "$t" 4 median | awk '{print $1/1000}')" "$(stat_of "$f" "$t" 4 min | awk '{print $1/1000}')" \
		"$(stat_of "$f" "$t" 4 max | awk '{print $1/1000}')" "$(stat_of "$f" "$t" 5 median | awk '{print $1/1024}')" "$self" "$speed"
}

# init_report: where gsign's start-up goes, from Go's own init trace.
init_report() {
	local i
	for i in $(seq "$RUNS"); do
		GODEBUG=inittrace=1 "$GSIGN" version 2>&1 >/dev/null | awk '/^init / {
			for (j = 1; j < NF; j++) if ($(j+1) == "ms" && $(j+2) == "clock,") { all += $j; if ($j > top) { top = $j; name = $2 } } }
			END { printf "%.1f %s %.1f\n", all, name, top }'
	done | sort -n | awk '{a[NR]=$0} END {split(a[int((NR+1)/2)], m, " ");
		printf "\npackage initialisation (GODEBUG=inittrace=1 gsign version, median of %d): %.1f ms, the largest %s with %.1f ms\n", NR, m[1], m[2], m[3]}'
}

# verdict checks the issue's targets: at least 4x faster, no more memory.
verdict() {
	for f in images objects; do
		awk -v f="$f" -v gs="$(stat_of "$f" gsign 4 median)" -v ps="$(stat_of "$f" pdfsig 4 median)" \
			-v gm="$(stat_of "$f" gsign 5 median)" -v pm="$(stat_of "$f" pdfsig 5 median)" \
			-v ga="$(mem_of "$f" gsign 5)" -v pa="$(mem_of "$f" pdfsig 5)" 'BEGIN {
			printf "target %-7s speed >= 4x: %s (%.1fx)   peak RSS <= pdfsig: %s (%.1f vs %.1f MiB)   allocated <= pdfsig: %s (%.1f vs %.1f MiB)\n", f,
				(ps/gs >= 4 ? "MET" : "NOT MET"), ps/gs, (gm <= pm ? "MET" : "NOT MET"), gm/1024, pm/1024,
				(ga <= pa ? "MET" : "NOT MET"), ga, pa }'
	done
}

main() {
	[ "$RUNS" -ge 1 ] 2>/dev/null || die "RUNS must be a number of at least 1"
	need_tools
	build_gsign
	local tiny images objects
	tiny=$(generate images tiny-1page -size 16KB -pages 1)
	images=$(generate images "images-$SIZE" -size "$SIZE" -pages 40)
	objects=$(generate objects "objects-$OBJECTS-$SIZE" -size "$SIZE" -objects "$OBJECTS")
	setup_keys
	mkdir -p "$WORK/out"
	bench_file tiny "$tiny" gsign pdfsig gsign-open gsign-version
	bench_file images "$images" gsign pdfsig dd
	bench_file objects "$objects" gsign pdfsig dd
	build_peakmem
	memory_runs tiny "$tiny" gsign pdfsig
	memory_runs images "$images" gsign pdfsig
	memory_runs objects "$objects" gsign pdfsig
	verify_all
	cp "$RESULTS" "$CACHE/seal-results.tsv"
	report
}

main "$@"
