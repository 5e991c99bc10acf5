#!/usr/bin/env python3
"""A third-party FHIR client against a running ketaclinic: the PyPI `fhirclient` package
(4.4.0, SMART on FHIR's Python client, R4 models). Its models refuse JSON that does not fit
R4, so every resource read here is also a check of what the server emits.

It reads the CapabilityStatement, posts vital-sign Observations with the client's own model,
reads the Patient, searches Observations a page at a time following the server's `next`
links, and runs a Bulk Data export (kick-off, polling, manifest, NDJSON files), parsing every
exported line into the client's R4 model.

Environment: KETACLINIC_URL (http://127.0.0.1:PORT), E2E_HL7_TOKEN (a nurse's API token),
E2E_HL7_PATIENT_TOKEN (a front-desk token), E2E_FHIR_EXPORT_TOKEN (a prescriber's token).
"""

import datetime
import json
import sys
import time
import os
import urllib.request

import fhirclient
import requests
from fhirclient import server as fhir_server
from fhirclient.models.fhirelementfactory import FHIRElementFactory
from fhirclient.models.observation import Observation
from fhirclient.models.patient import Patient

URL = os.environ["KETACLINIC_URL"]
NURSE = os.environ["E2E_HL7_TOKEN"]
DESK = os.environ["E2E_HL7_PATIENT_TOKEN"]
EXPORTER = os.environ["E2E_FHIR_EXPORT_TOKEN"]


def api(method, path, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(URL + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=20) as res:
        return json.loads(res.read())


def server(token):
    srv = fhir_server.FHIRServer(None, base_uri=URL + "/fhir/")
    srv.session.headers["Authorization"] = "Bearer " + token
    return srv


def heart_rate(patient_id, bpm, at):
    return Observation({
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": at,
        "device": {"display": "py-fhir-gateway"},
        "valueQuantity": {"value": bpm, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
    })


def main():
    nurse = server(NURSE)
    capability = nurse.capabilityStatement
    assert capability.fhirVersion == "4.0.1", capability.fhirVersion
    types = [r.type for r in capability.rest[0].resource]
    assert "Patient" in types and "Observation" in types, types

    patient = api("POST", "/api/v1/patients", DESK,
                  {"given_name": "Fhira", "family_name": "Client", "birth_date": "1979-03-03", "sex": "unknown"})
    api("POST", "/api/v1/sessions", NURSE, {"patient_id": patient["id"], "modality": "iv_ketamine"})
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)
    for minute in range(5):
        at = (start + datetime.timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")
        reply = heart_rate(patient["id"], 70 + minute, at).create(nurse)
        assert reply is not None, "create answered nothing"

    read = Patient.read(patient["id"], nurse)
    assert read.name[0].family == "Client" and read.identifier[0].value == patient["mrn"], read.as_json()

    search = Observation.where(struct={"patient": patient["id"], "code": "http://loinc.org|8867-4", "_count": "2", "_sort": "date"})
    rates = [o.valueQuantity.value for o in search.perform_resources_iter(nurse)]
    assert rates == [70, 71, 72, 73, 74], f"paged search across three pages: {rates}"

    exporter = requests.Session()
    exporter.headers.update({"Authorization": "Bearer " + EXPORTER, "Accept": "application/fhir+json"})
    kick = exporter.get(URL + "/fhir/$export", headers={"Prefer": "respond-async"})
    assert kick.status_code == 202, kick.text
    status_url = kick.headers["Content-Location"]
    for _ in range(300):
        poll = exporter.get(status_url)
        if poll.status_code != 202:
            break
        assert "X-Progress" in poll.headers
        time.sleep(0.2)
    assert poll.status_code == 200, poll.text
    manifest = poll.json()
    assert manifest["requiresAccessToken"] is True
    counts = {}
    for output in manifest["output"]:
        lines = exporter.get(output["url"]).text.splitlines()
        assert len(lines) == output["count"], output
        for line in lines:
            resource = FHIRElementFactory.instantiate(output["type"], json.loads(line))
            assert resource.resource_type == output["type"]
        counts[output["type"]] = len(lines)
    assert counts.get("Patient", 0) >= 1 and counts.get("Observation", 0) >= 5, counts
    assert exporter.delete(status_url).status_code == 202
    print(f"fhir client (python fhirclient {fhirclient.__version__}): capability, create, read, "
          f"paged search and a bulk export of {sum(counts.values())} resources parsed into R4 models")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"fhir client check failed: {e}", file=sys.stderr)
        sys.exit(1)
