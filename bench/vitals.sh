#!/usr/bin/env bash
# Vital-sign ingest (issue 5): durable batched and single readings over loopback with wrk, and
# the chair board's CPU cost with 30 open sessions each sending one reading every 5 s while
# SSE clients listen on GET /api/v1/board/stream. Prints markdown for bench/README.md.
# Usage: bench/vitals.sh [WRK_SECONDS] [BOARD_SECONDS]   (needs: wrk, python3, curl; builds --release)
# KC_BENCH_BIN=/path/to/ketaclinic skips the build and benchmarks that binary instead;
# KC_BOARD_HISTORY (default 1440: two hours at one reading per 5 s) readings per board session.
set -Eeuo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-10}
board_secs=${2:-60}
if [ -n "${KC_BENCH_BIN:-}" ]; then
  bin=$KC_BENCH_BIN
else
  cargo build --release --bin ketaclinic >/dev/null
  bin=$root/target/release/ketaclinic
fi
data=$(mktemp -d)
port=${KC_BENCH_PORT:-18182}
base="http://127.0.0.1:$port"
sse_pids=()
cleanup() {
  for p in "${sse_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT
trap 'echo "bench/vitals.sh: failed at line $LINENO" >&2' ERR

echo "### Machine"
echo "- $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
echo "- CPU: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "- $(rustc --version), release profile (thin LTO), $( (wrk --version 2>&1 || true) | head -1 | cut -d' ' -f1-2)"
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
echo "- load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

"$bin" --data-dir "$data" migrate >/dev/null
echo "bench password 1234" | "$bin" --data-dir "$data" user add --email nurse@bench.example --name "Bench Nurse" --role nurse --password-stdin >/dev/null
export KC_TOKEN=$("$bin" --data-dir "$data" token create --email nurse@bench.example --name vitals-bench)
KETACLINIC_LOG=warn "$bin" --data-dir "$data" serve --listen "127.0.0.1:$port" >"$data/server.log" 2>&1 &
server=$!
until curl -sf "$base/readyz" >/dev/null; do sleep 0.05; done

api() { # METHOD PATH [JSON] -> body on stdout, fails on a non-2xx
  curl -sS --fail-with-body -X "$1" -H "Authorization: Bearer $KC_TOKEN" -H 'Content-Type: application/json' ${3:+-d "$3"} "$base$2"
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
new_session() { # CHAIR -> session id
  local patient
  patient=$(api POST /api/v1/patients '{"given_name":"Vitals","family_name":"Bench","birth_date":"1975-05-05","sex":"unknown"}' | field id)
  api POST /api/v1/sessions "{\"patient_id\":\"$patient\",\"modality\":\"iv_ketamine\",\"chair\":\"$1\"}" | field id
}
db_readings() { # rows in session_vitals (read beside the running server; WAL)
  python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM session_vitals').fetchone()[0])" "$1"
}
db=$data/ketaclinic.db

# Throughput sessions: readings spread over 8 sessions.
load_sessions=()
for i in $(seq 1 8); do load_sessions+=("$(new_session "Load $i")"); done
export KC_SESSIONS=$(IFS=,; echo "${load_sessions[*]}")

summarise() { # label, batch, wrk output file, rows inserted during the run
  python3 - "$1" "$2" "$3" "$4" <<'PY'
import re, sys
label, batch, path, rows = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
text = open(path).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
done = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", text)
requests = int(done.group(1))
secs = float(done.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[done.group(3)]
def pct(p):
    m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", text)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: (.*)", text)
# Readings per second from the answered requests; the row count checks they were all inserts
# (it may exceed requests × batch by the requests still in flight when wrk stopped).
check = "n/a" if rows < 0 else "yes" if rows >= requests * batch else f"NO: {rows} rows for {requests * batch} readings"
readings = "—" if rows < 0 else f"{rps * batch:,.0f}"
print(f"| {label} | {readings} | {rps:,.0f} | {pct(50):.2f} | {pct(99):.2f} | {errors.group(1) if errors else 0} | {sock.group(1) if sock else 'none'} | {check} |")
PY
}

echo "### HTTP ingest (wrk, ${secs} s each, 2 threads, loopback, SQLite synchronous=FULL, bearer token; every answer after its commit)"
echo
echo "| Scenario | readings/s | req/s | p50 ms | p99 ms | non-2xx | socket errors | all new rows |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"
run() { # label, batch, connections, tag
  local threads=$(( $3 < 2 ? 1 : 2 )) before after
  before=$(db_readings "$db")
  wrk -t"$threads" -c"$3" -d"${secs}s" --latency -s bench/post_vitals.lua "$base" -- "$2" "$4" > "$data/$4.txt"
  after=$(db_readings "$db")
  summarise "$1" "$2" "$data/$4.txt" $(( after - before ))
}
run "1 reading per request, 1 connection" 1 1 single1
run "1 reading per request, 16 connections" 1 16 single16
run "1 reading per request, 64 connections" 1 64 single64
# Control: bench/run.sh's durable patient create on the same server, so a slow disk or a busy
# machine shows up as such rather than as a slow ingest path.
wrk -t2 -c16 -d"${secs}s" --latency -s bench/post_patient.lua "$base/api/v1/patients" > "$data/control.txt"
summarise "control: POST /api/v1/patients (bench/run.sh's durable create), 16 connections" 1 "$data/control.txt" -1
run "100 readings per request, 16 connections" 100 16 batch100
run "500 readings per request, 4 connections" 500 4 batch500c4
run "500 readings per request, 16 connections" 500 16 batch500
echo
echo "- readings stored after the HTTP runs: $(db_readings "$db") over ${#load_sessions[@]} sessions"
echo "- RSS after the HTTP runs: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$server/status)"
echo

# The chair board: the load sessions end, 30 new ones are checked in (open, on the board). Going
# further needs the pre-checks (POST /api/v1/sessions/{id}/prechecks: consent, REMS, escort …),
# which this benchmark does not set up; a row costs the same to recompute in any open state.
for id in "${load_sessions[@]}"; do
  api POST "/api/v1/sessions/$id/events" '{"type":"stopped_early","reason":"benchmark load session"}' >/dev/null
done
board_sessions=()
for i in $(seq 1 30); do
  id=$(new_session "Chair $i")
  api POST "/api/v1/sessions/$id/events" '{"type":"checked_in"}' >/dev/null
  board_sessions+=("$id")
done
# Each chair already has a monitor's history: one reading every 5 s for the last two hours
# (KC_BOARD_HISTORY readings), so the rows the board recomputes are those of a busy afternoon.
history=${KC_BOARD_HISTORY:-1440}
python3 - "$base" "$KC_TOKEN" "$history" "${board_sessions[@]}" <<'PY'
import datetime, http.client, json, sys
base, token, n, sessions = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
conn = http.client.HTTPConnection(base.split("//")[1])
now = datetime.datetime.now(datetime.timezone.utc)
for s in sessions:
    times = [now - datetime.timedelta(seconds=5 * (k + 1)) for k in range(n)]
    for i in range(0, n, 500):
        readings = [{"at": t.isoformat(timespec="microseconds").replace("+00:00", "Z"), "systolic": 120 + k % 20, "diastolic": 75 + k % 10,
                     "heart_rate": 70 + k % 25, "spo2": 96 + k % 4, "resp_rate": 14 + k % 3, "device_id": "monitor"} for k, t in enumerate(times[i:i + 500], i)]
        conn.request("POST", f"/api/v1/sessions/{s}/vitals", json.dumps({"readings": readings}),
                     {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        reply = conn.getresponse()
        assert reply.status == 200, reply.read()
        assert json.loads(reply.read())["accepted"] == len(readings)
PY

clients=3
stream_status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H "Authorization: Bearer $KC_TOKEN" "$base/api/v1/board/stream" || true)
stream_status=${stream_status:-000}
if [ "$stream_status" = 200 ]; then
  for i in $(seq 1 $clients); do
    curl -sN -H "Authorization: Bearer $KC_TOKEN" -H 'Accept: text/event-stream' "$base/api/v1/board/stream" > "$data/sse$i.txt" 2>/dev/null &
    sse_pids+=($!)
  done
  streams="$clients SSE clients (\`curl -N\`) on GET /api/v1/board/stream"
else
  streams="no stream: GET /api/v1/board/stream answered $stream_status, so this measures the ingest alone"
fi
sleep 2

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
measure() { # command... -> "cpu% of one core"
  local t0 c0 t1 c1
  t0=$(date +%s.%N); c0=$(cpu_ticks "$server")
  "$@"
  t1=$(date +%s.%N); c1=$(cpu_ticks "$server")
  python3 -c "import sys; c0,c1,t0,t1,hz=map(float,sys.argv[1:]); print(f'{(c1-c0)/hz/(t1-t0)*100:.2f} % of one core ({(c1-c0)/hz*1000:.0f} ms CPU in {t1-t0:.1f} s)')" "$c0" "$c1" "$t0" "$t1" "$hz"
}
idle_secs=$(( board_secs / 3 ))
idle=$(measure sleep "$idle_secs")
drive() { # 30 sessions, one reading every 5 s each, staggered evenly; keep-alive connection
  python3 - "$base" "$KC_TOKEN" "$board_secs" "${board_sessions[@]}" > "$data/driver.txt" <<'PY'
import datetime, http.client, json, sys, time
base, token, secs, sessions = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]
host = base.split("//")[1]
conn = http.client.HTTPConnection(host)
period = 5.0 / len(sessions)
start = time.monotonic()
sent = failed = 0
lat = []
while True:
    due = start + sent * period
    if due - start >= secs:
        break
    time.sleep(max(0.0, due - time.monotonic()))
    at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
    body = json.dumps({"readings": [{"at": at, "systolic": 128, "diastolic": 78, "heart_rate": 84, "spo2": 98, "resp_rate": 14, "device_id": "monitor"}]})
    t = time.monotonic()
    conn.request("POST", f"/api/v1/sessions/{sessions[sent % len(sessions)]}/vitals", body,
                 {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    reply = conn.getresponse()
    reply.read()
    lat.append((time.monotonic() - t) * 1000)
    failed += reply.status != 200
    sent += 1
lat.sort()
print(f"{sent} readings posted, {failed} failed, median {lat[len(lat) // 2]:.1f} ms, max {lat[-1]:.1f} ms")
PY
}
busy=$(measure drive)

echo "### Chair board: 30 open (checked-in) sessions, one reading every 5 s each (${board_secs} s)"
echo
echo "- listening: $streams (the \`/board\` page's only traffic after loading is this stream; its 15 s timer redraws in the browser)"
echo "- history: $history readings per session before the measurement ($(( history * 30 )) in all)"
echo "- driver: $(cat "$data/driver.txt")"
if [ "$stream_status" = 200 ]; then
  echo "- SSE bytes / lines starting \`data:\` received per client: $(for i in $(seq 1 $clients); do printf '%s/%s ' "$(wc -c < "$data/sse$i.txt")" "$(grep -c '^data:' "$data/sse$i.txt" || true)"; done)"
fi
echo "- server CPU (utime+stime from /proc/<pid>/stat), listeners as above but no readings, ${idle_secs} s: $idle"
echo "- **server CPU with the readings arriving: $busy**"
echo "- audit chain after the run: $("$bin" --data-dir "$data" audit verify | sed 's/; head.*//')"
