#!/usr/bin/env python3
"""A third-party HL7 v2 client against a running ketaclinic: the PyPI `hl7` package (0.4.5),
its asyncio MLLP client `hl7.mllp.open_hl7_connection`, sends ORU^R01 vitals for a patient
with an open session and checks the ACKs (AA for the reading, AE for an unknown patient,
AR for an unsupported message type), then reads the session over HTTP to see the reading.

Environment: KETACLINIC_URL (http://127.0.0.1:PORT), KETACLINIC_HL7 (127.0.0.1:PORT),
E2E_HL7_TOKEN (an API token of a nurse), E2E_HL7_PATIENT_TOKEN (a front-desk token).
"""

import asyncio
import datetime
import json
import os
import sys
import urllib.request

import hl7
import hl7.mllp

URL = os.environ["KETACLINIC_URL"]
HOST, PORT = os.environ["KETACLINIC_HL7"].rsplit(":", 1)
NURSE = os.environ["E2E_HL7_TOKEN"]
DESK = os.environ["E2E_HL7_PATIENT_TOKEN"]
MRN = "E2E-HL7-1"


def api(method, path, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(URL + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=20) as res:
        return json.loads(res.read())


def oru(control_id, mrn, sbp, kind="ORU^R01^ORU_R01"):
    at = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=2)).strftime("%Y%m%d%H%M%S+0000")
    segments = [
        f"MSH|^~\\&|PYMON|BAY9|KETACLINIC|CLINIC|{at}||{kind}|{control_id}|P|2.6",
        f"PID|1||{mrn}^^^CLINIC^MR||Client^Python",
        f"OBR|1|||85354-9^Blood pressure panel^LN|||{at}",
        f"OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC||{sbp}|266016^MDC_DIM_MMHG^MDC|||||F|||{at}",
        f"OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC||79|266016^MDC_DIM_MMHG^MDC|||||F|||{at}",
        f"OBX|3|NM|8867-4^Heart rate^LN||66|/min|||||F|||{at}",
        f"OBX|4|NM|59408-5^SpO2^LN||98|%|||||F|||{at}",
    ]
    return hl7.parse("\r".join(segments))


async def exchange(reader, writer, message):
    writer.writemessage(message)
    await writer.drain()
    ack = await asyncio.wait_for(reader.readmessage(), timeout=20)
    msa = ack.segment("MSA")
    return str(msa[1]), str(msa[2]), ack


async def main():
    patient = api("POST", "/api/v1/patients", DESK,
                  {"given_name": "Py", "family_name": "Client", "birth_date": "1980-05-05", "sex": "unknown", "mrn": MRN})
    session = api("POST", "/api/v1/sessions", NURSE, {"patient_id": patient["id"], "modality": "iv_ketamine"})
    reader, writer = await hl7.mllp.open_hl7_connection(HOST, int(PORT), encoding="utf-8")
    try:
        code, control, ack = await exchange(reader, writer, oru("PY-1", MRN, 124))
        assert (code, control) == ("AA", "PY-1"), str(ack)
        assert str(ack.segment("MSH")[3]) == "KETACLINIC", str(ack)
        code, control, ack = await exchange(reader, writer, oru("PY-2", "NO-SUCH-MRN", 124))
        assert (code, control) == ("AE", "PY-2"), str(ack)
        assert "no patient" in str(ack.segment("ERR")[8]), str(ack)
        code, control, ack = await exchange(reader, writer, oru("PY-3", MRN, 124, kind="ADT^A01"))
        assert (code, control) == ("AR", "PY-3"), str(ack)
    finally:
        writer.close()
        await writer.wait_closed()
    view = api("GET", f"/api/v1/sessions/{session['id']}", NURSE)
    readings = [v for v in view["vitals"] if v["device_id"] == "PYMON/BAY9"]
    assert len(readings) == 1 and readings[0]["systolic"] == 124 and readings[0]["spo2"] == 98, view["vitals"]
    print(f"hl7 client (python hl7 {hl7.__version__}): AA, AE and AR as expected; the reading is on the session")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except AssertionError as e:
        print(f"hl7 client check failed: {e}", file=sys.stderr)
        sys.exit(1)
