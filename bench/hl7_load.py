#!/usr/bin/env python3
"""HL7 v2 ingest over MLLP (issue 7): CONNECTIONS monitors send ORU^R01 messages to a running
server as fast as their ACKs come back (one message in flight per connection, as MLLP
senders work), each message a new reading (BP, HR, SpO2, RR) for one open session.
Prints messages/s and ACK latency percentiles.

Usage: bench/hl7_load.py HOST:PORT MRN [CONNECTIONS=10] [SECONDS=10]
(bench/hl7.sh starts a server, makes the patient and session, and runs this.)
"""

import asyncio
import datetime
import sys
import time

HOSTPORT, MRN = sys.argv[1], sys.argv[2]
CONNECTIONS = int(sys.argv[3]) if len(sys.argv) > 3 else 10
SECONDS = float(sys.argv[4]) if len(sys.argv) > 4 else 10.0
HOST, PORT = HOSTPORT.rsplit(":", 1)
BASE = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)


def message(conn, i):
    # A distinct (device, time) per message: every message is a new reading.
    at = (BASE + datetime.timedelta(milliseconds=i)).strftime("%Y%m%d%H%M%S.%f")[:-2] + "+0000"
    return (
        f"MSH|^~\\&|BENCH|BAY{conn}|KETACLINIC|CLINIC|{at}||ORU^R01^ORU_R01|B{conn}-{i}|P|2.6\r"
        f"PID|1||{MRN}^^^CLINIC^MR\r"
        f"OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC||{110 + i % 20}|266016^MDC_DIM_MMHG^MDC|||||F|||{at}\r"
        f"OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC||75|266016^MDC_DIM_MMHG^MDC|||||F|||{at}\r"
        f"OBX|3|NM|8867-4^Heart rate^LN||{60 + i % 30}|/min|||||F|||{at}\r"
        f"OBX|4|NM|59408-5^SpO2^LN||97|%|||||F|||{at}\r"
        f"OBX|5|NM|9279-1^Respiratory rate^LN||14|/min|||||F|||{at}\r"
    ).encode()


async def monitor(conn, deadline, latencies, codes):
    reader, writer = await asyncio.open_connection(HOST, int(PORT))
    i = 0
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        writer.write(b"\x0b" + message(conn, i) + b"\x1c\x0d")
        await writer.drain()
        ack = await reader.readuntil(b"\x1c\x0d")
        latencies.append(time.perf_counter() - start)
        msa = ack.split(b"\rMSA|", 1)[1][:2].decode()
        codes[msa] = codes.get(msa, 0) + 1
        i += 1
    writer.close()
    await writer.wait_closed()


async def main():
    latencies, codes = [], {}
    start = time.perf_counter()
    deadline = start + SECONDS
    await asyncio.gather(*(monitor(c, deadline, latencies, codes) for c in range(CONNECTIONS)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    print(f"| {CONNECTIONS} | {len(latencies) / elapsed:,.0f} | {pct(0.5):.2f} | {pct(0.99):.2f} | {codes} |")


asyncio.run(main())
