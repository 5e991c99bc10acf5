#!/usr/bin/env python3
"""Calendar feeds checked by a real iCalendar parser: the PyPI `icalendar` package (6.1.0).

Sets up a chair and a nurse's working hours (admin token), books two IV ketamine sessions and
cancels one (front-desk token), makes a chair feed and a patient feed, fetches each `.ics`
without credentials and parses it with `icalendar.Calendar.from_ical`: the VEVENT count, the
UIDs (`{appointment id}@ketaclinic`), DTSTART before DTEND, the cancelled event's STATUS, and
no patient name in the chair feed. Finally revokes the chair feed and expects 404.

Environment: KETACLINIC_URL (http://127.0.0.1:PORT), E2E_ADMIN_TOKEN (an admin's API token),
E2E_HL7_PATIENT_TOKEN (a front-desk token).
"""

import datetime
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

from icalendar import Calendar

URL = os.environ["KETACLINIC_URL"]
ADMIN = os.environ["E2E_ADMIN_TOKEN"]
DESK = os.environ["E2E_HL7_PATIENT_TOKEN"]


def api(method, path, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(URL + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=20) as res:
        text = res.read()
        return json.loads(text) if text else None


def fetch(feed_url):
    """GETs a feed by its path on the server under test (the URL's host is the public URL)."""
    path = urllib.parse.urlsplit(feed_url).path
    with urllib.request.urlopen(URL + path, timeout=20) as res:
        assert res.headers["Content-Type"] == "text/calendar; charset=utf-8", res.headers["Content-Type"]
        return res.read()


def check(raw, expected):
    """Parses a feed and checks its events against {uid: status}."""
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n"), "CRLF line endings"
    cal = Calendar.from_ical(raw)
    assert str(cal["VERSION"]) == "2.0" and cal.get("PRODID"), "VERSION and PRODID"
    events = cal.walk("VEVENT")
    assert len(events) == len(expected), f"{len(events)} events, expected {len(expected)}"
    for event in events:
        uid = str(event["UID"])
        assert uid in expected, f"unexpected UID {uid}"
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start.tzinfo is not None and start < end, f"{uid}: {start} .. {end}"
        assert str(event["STATUS"]) == expected[uid], f"{uid}: {event['STATUS']}"
    return cal


def main():
    chair = api("POST", "/api/v1/schedule/spaces", ADMIN, {"name": "Feed chair (e2e)", "kind": "chair", "active": True, "reason": "e2e"})
    users = api("GET", "/api/v1/users", ADMIN)
    nurse = next(u for u in users if u["email"] == "nurse@e2e.example.org")["id"]
    week = [{"day": d, "open": "09:00", "close": "17:00"} for d in ("monday", "tuesday", "wednesday", "thursday", "friday")]
    api("PUT", f"/api/v1/schedule/staff/{nurse}", ADMIN, {"days": week, "presence": "on_site", "reason": "e2e"})
    patient = api("POST", "/api/v1/patients", DESK, {"given_name": "Icarus", "family_name": "Feedcheck", "birth_date": "1980-04-04", "sex": "unknown"})

    # Two sessions on a weekday next week, inside the default clinic hours (09:00-17:00 UTC).
    day = datetime.date.today() + datetime.timedelta(days=7)
    while day.weekday() > 4:
        day += datetime.timedelta(days=1)
    ids = []
    for start, end in (("09:00", "11:00"), ("13:00", "15:00")):
        slot = {"start": f"{day}T{start}:00Z", "end": f"{day}T{end}:00Z"}
        body = {"patient_id": patient["id"], "kind": "iv_ketamine_session", "slot": slot, "space_id": chair["id"], "nurse": nurse}
        ids.append(api("POST", "/api/v1/appointments", DESK, body)["appointment"]["id"])
    api("POST", f"/api/v1/appointments/{ids[1]}/cancel", DESK, {"reason": "e2e"})
    expected = {f"{ids[0]}@ketaclinic": "CONFIRMED", f"{ids[1]}@ketaclinic": "CANCELLED"}

    chair_feed = api("POST", "/api/v1/calendar-feeds", DESK, {"kind": "space", "target_id": chair["id"]})
    patient_feed = api("POST", "/api/v1/calendar-feeds", DESK, {"kind": "patient", "target_id": patient["id"]})
    raw = fetch(chair_feed["url"])
    check(raw, expected)
    assert b"Icarus" not in raw and b"Feedcheck" not in raw, "no patient name in a chair feed"
    cal = check(fetch(patient_feed["url"]), expected)
    assert all(str(e["SUMMARY"]).startswith("Clinic appointment: ") for e in cal.walk("VEVENT"))

    api("POST", f"/api/v1/calendar-feeds/{chair_feed['id']}/revoke", DESK)
    try:
        fetch(chair_feed["url"])
        raise AssertionError("a revoked feed still answers")
    except urllib.error.HTTPError as e:
        assert e.code == 404, e.code
    print("ical_check: chair and patient feeds parsed by icalendar; revoked feed answers 404")


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, urllib.error.HTTPError) as e:
        print(f"ical_check failed: {e}", file=sys.stderr)
        sys.exit(1)
