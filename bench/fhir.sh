#!/usr/bin/env bash
# FHIR benchmarks (issue 7) on a fresh release server with SQLite: 1,000,000 Observations
# (PATIENTS patients × READINGS readings × 4 vital signs), then
#   - first-page Observation search latency (sequential, client-side p50/p95/p99),
#   - POST /fhir/Observation throughput (wrk, 16 connections),
#   - a system-level Bulk Data $export from kick-off to manifest.
# Usage: bench/fhir.sh [PATIENTS=500] [READINGS=500] [SEARCHES=1000] [WRK_SECONDS=10]
# Needs python3, curl, wrk. KC_BENCH_BIN=/path/to/ketaclinic skips the build.
set -Eeuo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
patients=${1:-500}
readings=${2:-500}
searches=${3:-1000}
secs=${4:-10}
if [ -n "${KC_BENCH_BIN:-}" ]; then bin=$KC_BENCH_BIN; else cargo build --release --bin ketaclinic >/dev/null; bin=$root/target/release/ketaclinic; fi
data=$(mktemp -d)
port=${KC_BENCH_PORT:-18382}
base="http://127.0.0.1:$port"
trap '[ -n "${server:-}" ] && kill "$server" 2>/dev/null; rm -rf "$data"' EXIT
"$bin" --data-dir "$data" migrate >/dev/null
for who in nurse:nurse desk:front_desk lead:prescriber; do
  echo "bench password 1234" | "$bin" --data-dir "$data" user add --email "${who%%:*}@bench.example" --name "Bench ${who%%:*}" --role "${who##*:}" --password-stdin >/dev/null
done
nurse=$("$bin" --data-dir "$data" token create --email nurse@bench.example --name bench)
desk=$("$bin" --data-dir "$data" token create --email desk@bench.example --name bench)
lead=$("$bin" --data-dir "$data" token create --email lead@bench.example --name bench)
KETACLINIC_LOG=warn KETACLINIC_FHIR__EXPORT_DIR="$data/exports" "$bin" --data-dir "$data" serve --listen "127.0.0.1:$port" >"$data/server.log" 2>&1 &
server=$!
until curl -sf "$base/readyz" >/dev/null; do sleep 0.05; done

echo "- $(nproc) cores, $(uname -sr), $(rustc --version), release profile; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s)
python3 bench/fhir_load.py seed "$base" "$desk" "$nurse" "$patients" "$readings" >"$data/pids"
echo "- seeded $((patients * readings)) readings = $((patients * readings * 4)) vital-sign Observations over $patients patients in $(( $(date +%s) - t0 )) s over HTTP"
echo
echo "| Observation search | requests | p50 ms | p95 ms | p99 ms | entries per page |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
python3 bench/fhir_load.py search "$base" "$nurse" "$data/pids" "$searches"
echo
echo "| POST /fhir/Observation | requests | Observations/s | p50 ms | p99 ms | non-2xx |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
first=$(head -1 "$data/pids" | cut -d' ' -f1)
read -r n us rate p50 p99 errs < <(KC_TOKEN=$nurse KC_PATIENT=$first wrk -t2 -c16 -d"${secs}s" -s bench/post_fhir_observation.lua "$base" | tail -1)
echo "| one heart rate per request, 16 connections, ${secs} s | $n | $rate | $p50 | $p99 | $errs |"
echo
echo "| \$export resources | seconds (kick-off to manifest) | resources/s | NDJSON size |"
echo "| --- | ---: | ---: | ---: |"
python3 bench/fhir_load.py export "$base" "$lead"
echo
echo "- RSS after the run: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$server/status); peak: $(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' /proc/$server/status)"
echo "- audit: $("$bin" --data-dir "$data" audit verify 2>&1 | tail -1)"
