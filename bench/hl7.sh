#!/usr/bin/env bash
# HL7 v2 ingest over MLLP (issue 7): bench/hl7_load.py against a fresh release server with one
# patient and one open session. Prints a markdown table row per connection count.
# Usage: bench/hl7.sh [SECONDS=10] [CONNECTIONS...=1 10]   (needs python3, curl; builds --release)
# KC_BENCH_BIN=/path/to/ketaclinic skips the build.
set -Eeuo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-10}
shift || true
conns=("${@:-1 10}")
if [ -n "${KC_BENCH_BIN:-}" ]; then bin=$KC_BENCH_BIN; else cargo build --release --bin ketaclinic >/dev/null; bin=$root/target/release/ketaclinic; fi
data=$(mktemp -d)
port=${KC_BENCH_PORT:-18282}
hl7=$((port + 1))
trap '[ -n "${server:-}" ] && kill "$server" 2>/dev/null; rm -rf "$data"' EXIT
"$bin" --data-dir "$data" migrate >/dev/null
for who in nurse gateway; do
  echo "bench password 1234" | "$bin" --data-dir "$data" user add --email "$who@bench.example" --name "Bench $who" --role nurse --password-stdin >/dev/null
done
echo "bench password 1234" | "$bin" --data-dir "$data" user add --email desk@bench.example --name "Bench Desk" --role front_desk --password-stdin >/dev/null
nurse=$("$bin" --data-dir "$data" token create --email nurse@bench.example --name bench)
desk=$("$bin" --data-dir "$data" token create --email desk@bench.example --name bench)
KETACLINIC_LOG=warn KETACLINIC_HL7__ACCOUNT=gateway@bench.example "$bin" --data-dir "$data" serve --listen "127.0.0.1:$port" --hl7-listen "127.0.0.1:$hl7" >"$data/server.log" 2>&1 &
server=$!
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.05; done
api() { curl -sS --fail-with-body -X POST -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d "$3" "http://127.0.0.1:$port$2"; }
pid=$(api "$desk" /api/v1/patients '{"given_name":"Bench","family_name":"Monitor","birth_date":"1970-01-01","sex":"unknown","mrn":"BENCH-1"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
api "$nurse" /api/v1/sessions "{\"patient_id\":\"$pid\",\"modality\":\"iv_ketamine\"}" >/dev/null
echo "| connections | messages/s | p50 ms | p99 ms | ACKs |"
echo "| ---: | ---: | ---: | ---: | --- |"
for c in ${conns[*]}; do python3 bench/hl7_load.py "127.0.0.1:$hl7" BENCH-1 "$c" "$secs"; done
echo
echo "- audit: $("$bin" --data-dir "$data" audit verify 2>&1 | tail -1)"
