#!/usr/bin/env python3
"""FHIR load for bench/fhir.sh (issue 7). Standard library only.

  fhir_load.py seed   BASE DESK_TOKEN NURSE_TOKEN PATIENTS READINGS   -> prints "pid sid" lines
  fhir_load.py search BASE NURSE_TOKEN PIDS_FILE REQUESTS              -> a markdown table row
  fhir_load.py export BASE EXPORT_TOKEN                                -> a markdown table row

seed: PATIENTS patients, each with one open IV session holding READINGS readings (BP, HR,
SpO2 and RR each: four Observations per reading), posted 1,000 readings per request.
search: REQUESTS sequential first-page searches `Observation?patient=…&code=8867-4`, a random
seeded patient each time; reports p50/p95/p99 latency as the client saw it.
export: a system-level Bulk Data export from kick-off to manifest; reports resources/s.
"""

import datetime
import json
import random
import sys
import time
import urllib.request


def call(base, method, path, token, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=600) as res:
        return res.status, dict(res.headers), res.read()


def seed(base, desk, nurse, patients, readings):
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    for p in range(patients):
        body = {"given_name": f"Bench{p:05d}", "family_name": "Fhirload", "birth_date": "1970-01-01", "sex": "unknown"}
        pid = json.loads(call(base, "POST", "/api/v1/patients", desk, body)[2])["id"]
        sid = json.loads(call(base, "POST", "/api/v1/sessions", nurse, {"patient_id": pid, "modality": "iv_ketamine"})[2])["id"]
        for first in range(0, readings, 1000):
            batch = []
            for n in range(first, min(first + 1000, readings)):
                at = (start - datetime.timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
                batch.append({"at": at, "systolic": 110 + n % 30, "diastolic": 70 + n % 15, "heart_rate": 60 + n % 40,
                              "spo2": 95 + n % 5, "resp_rate": 12 + n % 6, "device_id": "bench"})
            call(base, "POST", f"/api/v1/sessions/{sid}/vitals", nurse, {"readings": batch})
        print(pid, sid, flush=True)


def search(base, nurse, pids_file, requests):
    pids = [line.split()[0] for line in open(pids_file) if line.strip()]
    rng = random.Random(7)
    times = []
    entries = 0
    for _ in range(requests):
        pid = rng.choice(pids)
        t0 = time.perf_counter()
        status, _, body = call(base, "GET", f"/fhir/Observation?patient={pid}&code=http://loinc.org%7C8867-4&_count=20", nurse)
        times.append((time.perf_counter() - t0) * 1000)
        assert status == 200
        entries += len(json.loads(body).get("entry", []))
    times.sort()
    pct = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"| first page, `_count=20`, {len(pids)} patients | {requests} | {pct(0.50):.2f} | {pct(0.95):.2f} | {pct(0.99):.2f} | {entries // requests} |")


def export(base, token):
    t0 = time.perf_counter()
    status, headers, _ = call(base, "GET", "/fhir/$export", token, headers={"Prefer": "respond-async", "Accept": "application/fhir+json"})
    assert status == 202, status
    location = {k.lower(): v for k, v in headers.items()}["content-location"]
    path = location[location.index("/fhir/"):]
    while True:
        status, _, body = call(base, "GET", path, token)
        if status == 200:
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - t0
    manifest = json.loads(body)
    total = sum(o["count"] for o in manifest["output"])
    per_type = ", ".join(f"{o['type']} {o['count']:,}" for o in manifest["output"])
    size = 0
    for o in manifest["output"]:
        size += len(call(base, "GET", o["url"][o["url"].index("/fhir/"):], token)[2])
    print(f"| {total:,} ({per_type}) | {elapsed:.1f} | {total / elapsed:,.0f} | {size / 1e6:,.0f} MB |")
    call(base, "DELETE", path, token)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "seed":
        seed(args[0], args[1], args[2], int(args[3]), int(args[4]))
    elif cmd == "search":
        search(args[0], args[1], args[2], int(args[3]))
    elif cmd == "export":
        export(args[0], args[1])
    else:
        sys.exit(f"unknown command {cmd}")
