#!/usr/bin/env bash
# Regenerates the figures in bench/README.md: HTTP throughput and latency (wrk, loopback),
# durable creates, idle memory and start-up time, plus an fsync micro-benchmark of the disk.
# Usage: bench/run.sh [DURATION_SECONDS]   (needs: wrk, hyperfine, python3; builds --release)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-10}
cargo build --release --bin ketaclinic >/dev/null
bin=$root/target/release/ketaclinic
data=$(mktemp -d)
port=18181
base="http://127.0.0.1:$port"
cleanup() { [ -n "${server:-}" ] && kill "$server" 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT

echo "## Machine"
echo "- $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
echo "- CPU: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "- $(rustc --version), release profile (thin LTO)"
echo "- disk: $(python3 - "$data" <<'PY'
import os, sys, time
path = os.path.join(sys.argv[1], "fsync.bin")
fd = os.open(path, os.O_WRONLY | os.O_CREAT)
n = 200
start = time.perf_counter()
for _ in range(n):
    os.write(fd, b"x" * 4096)
    os.fsync(fd)
elapsed = time.perf_counter() - start
os.close(fd)
print(f"fsync of a 4 KiB append: {elapsed / n * 1e6:.0f} µs mean over {n} appends ({n / elapsed:.0f} fsync/s)")
PY
)"
echo

echo "## Start-up (process start to /readyz answering, SQLite, fresh data dir)"
"$bin" --data-dir "$data" migrate >/dev/null
hyperfine --warmup 2 --runs 10 --export-markdown "$data/startup.md" \
  "bash -c '$bin --data-dir $data serve --listen 127.0.0.1:$port >/dev/null 2>&1 & p=\$!; until curl -sf $base/readyz >/dev/null; do sleep 0.005; done; kill \$p; wait \$p 2>/dev/null || true'" >/dev/null
sed 's/`bash -c .*`/start → ready → stop/' "$data/startup.md"
echo

echo "bench password 1234" | "$bin" --data-dir "$data" user add --email bench@bench.example --name "Bench Desk" --role front_desk --password-stdin >/dev/null
export KC_TOKEN=$("$bin" --data-dir "$data" token create --email bench@bench.example --name bench)
KETACLINIC_LOG=warn "$bin" --data-dir "$data" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
until curl -sf "$base/readyz" >/dev/null; do sleep 0.05; done
sleep 1
echo "## Idle memory"
echo "- RSS after start, before any request: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$server/status)"
id=$(curl -sf -H "Authorization: Bearer $KC_TOKEN" -H 'Content-Type: application/json' \
  -d '{"given_name":"Ada","family_name":"Bench","birth_date":"1980-02-29","sex":"female"}' "$base/api/v1/patients" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
echo

summarise() { # label, wrk output file
  python3 - "$1" "$2" <<'PY'
import re, sys
label, path = sys.argv[1], sys.argv[2]
text = open(path).read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
def pct(p):
    m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", text)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: (.*)", text)
print(f"| {label} | {float(rps):,.0f} | {pct(50):.2f} | {pct(99):.2f} | {errors.group(1) if errors else 0} | {sock.group(1) if sock else 'none'} |")
PY
}

echo "## HTTP (wrk, ${secs} s each, 2 threads, loopback, SQLite, every request authenticated by bearer token)"
echo
echo "| Scenario | req/s | p50 ms | p99 ms | non-2xx | socket errors |"
echo "| --- | ---: | ---: | ---: | ---: | --- |"
for c in 1 16 64; do
  threads=$(( c < 2 ? 1 : 2 ))
  wrk -t"$threads" -c"$c" -d"${secs}s" --latency -s bench/get_patient.lua "$base/api/v1/patients/$id" > "$data/get$c.txt"
  summarise "GET /api/v1/patients/{id}, $c connections" "$data/get$c.txt"
done
wrk -t2 -c16 -d"${secs}s" --latency -s bench/post_patient.lua "$base/api/v1/patients" > "$data/post16.txt"
summarise "POST /api/v1/patients (durable create), 16 connections" "$data/post16.txt"
echo
echo "- audit rows written during the run: $("$bin" --data-dir "$data" audit verify | sed 's/; head.*//')"
echo "- RSS after the run: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$server/status)"
