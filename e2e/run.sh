#!/usr/bin/env bash
# Runs the browser journeys against a fresh server with a throwaway SQLite database.
# Needs: /usr/bin/chromium (Debian package `chromium`), node + npm, a built `ketaclinic` binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${KETACLINIC_BIN:-$root/target/debug/ketaclinic}
data=$(mktemp -d)
port=${E2E_PORT:-18080}
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT

export E2E_FRONTDESK_EMAIL=desk@e2e.example.org E2E_FRONTDESK_PASSWORD='front desk e2e password'
export E2E_AUDITOR_EMAIL=audit@e2e.example.org E2E_AUDITOR_PASSWORD='auditor e2e password'
export E2E_PRESCRIBER_EMAIL=prescriber@e2e.example.org E2E_PRESCRIBER_PASSWORD='prescriber e2e password'
export E2E_NURSE_EMAIL=nurse@e2e.example.org E2E_NURSE_PASSWORD='nurse e2e password'
echo "$E2E_FRONTDESK_PASSWORD" | "$bin" --data-dir "$data" user add --email "$E2E_FRONTDESK_EMAIL" --name "Fran Desk" --role front_desk --password-stdin
echo "$E2E_AUDITOR_PASSWORD" | "$bin" --data-dir "$data" user add --email "$E2E_AUDITOR_EMAIL" --name "Audra Review" --role auditor --password-stdin
echo "$E2E_PRESCRIBER_PASSWORD" | "$bin" --data-dir "$data" user add --email "$E2E_PRESCRIBER_EMAIL" --name "Pat Prescriber" --role prescriber --password-stdin
echo "$E2E_NURSE_PASSWORD" | "$bin" --data-dir "$data" user add --email "$E2E_NURSE_EMAIL" --name "Nell Nurse" --role nurse --password-stdin
# HL7 v2 monitor feed: the account the MLLP listener records as, and API tokens for the client's setup.
hl7_port=${E2E_HL7_PORT:-$((port + 1))}
echo "monitor gateway e2e password" | "$bin" --data-dir "$data" user add --email monitor-gateway@e2e.example.org --name "Monitor Gateway" --role nurse --password-stdin
export KETACLINIC_HL7__ACCOUNT=monitor-gateway@e2e.example.org
E2E_HL7_TOKEN=$("$bin" --data-dir "$data" token create --email "$E2E_NURSE_EMAIL" --name "e2e hl7 client")
E2E_HL7_PATIENT_TOKEN=$("$bin" --data-dir "$data" token create --email "$E2E_FRONTDESK_EMAIL" --name "e2e hl7 client")
E2E_FHIR_EXPORT_TOKEN=$("$bin" --data-dir "$data" token create --email "$E2E_PRESCRIBER_EMAIL" --name "e2e fhir bulk export")
# An admin for the calendar feed check's chair and staff hours.
echo "admin e2e password" | "$bin" --data-dir "$data" user add --email admin@e2e.example.org --name "Ada Admin" --role admin --password-stdin
E2E_ADMIN_TOKEN=$("$bin" --data-dir "$data" token create --email admin@e2e.example.org --name "e2e calendar feeds")
export E2E_HL7_TOKEN E2E_HL7_PATIENT_TOKEN E2E_FHIR_EXPORT_TOKEN E2E_ADMIN_TOKEN
# The certified setting as the SPRAVATO REMS monitoring form asks for it (fictional).
export KETACLINIC_CLINIC__NAME="Riverside Ketamine Clinic (e2e)" KETACLINIC_CLINIC__ADDRESS_1="100 Example Street" KETACLINIC_CLINIC__CITY="Springfield" \
  KETACLINIC_CLINIC__STATE="IL" KETACLINIC_CLINIC__ZIP="62701" KETACLINIC_CLINIC__PHONE="+1 217 555 0100"
"$bin" --data-dir "$data" serve --listen "127.0.0.1:$port" --hl7-listen "127.0.0.1:$hl7_port" &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done

cd "$here"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
KETACLINIC_URL="http://127.0.0.1:$port" KETACLINIC_SCREENSHOTS="$root/target/e2e" node journey.mjs
KETACLINIC_URL="http://127.0.0.1:$port" KETACLINIC_SCREENSHOTS="$root/target/e2e" node eligibility_journey.mjs
KETACLINIC_URL="http://127.0.0.1:$port" KETACLINIC_SCREENSHOTS="$root/target/e2e" node self_report_journey.mjs
KETACLINIC_URL="http://127.0.0.1:$port" KETACLINIC_SCREENSHOTS="$root/target/e2e" node session_journey.mjs
KETACLINIC_URL="http://127.0.0.1:$port" KETACLINIC_SCREENSHOTS="$root/target/e2e" node rems_journey.mjs
KETACLINIC_URL="http://127.0.0.1:$port" KETACLINIC_SCREENSHOTS="$root/target/e2e" node register_journey.mjs
# A third-party HL7 client (PyPI hl7 0.4.5, its asyncio MLLP client) against the MLLP listener.
KETACLINIC_URL="http://127.0.0.1:$port" KETACLINIC_HL7="127.0.0.1:$hl7_port" python3 hl7_client.py
# A third-party FHIR client (PyPI fhirclient 4.4.0, strict R4 models): search paging and a bulk export.
KETACLINIC_URL="http://127.0.0.1:$port" python3 fhir_client.py
# Calendar feeds parsed by a real iCalendar parser (PyPI icalendar 6.1.0).
KETACLINIC_URL="http://127.0.0.1:$port" python3 ical_check.py
"$bin" --data-dir "$data" audit verify
