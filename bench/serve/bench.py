"""Executions per second and StartExecution -> SUCCEEDED latency for a short machine on
any Step Functions endpoint (sfn-gen serve, moto_server), with the same boto3 client.

    bench.py ENDPOINT LABEL EXECUTIONS CONCURRENCY [PID]

Each of CONCURRENCY threads starts an execution, polls DescribeExecution every 5 ms until
it is no longer RUNNING, and takes the next, until EXECUTIONS have finished. With PID, the
server's resident memory (VmRSS) is read before and after. Prints one JSON line.
"""
import json
import sys
import threading
import time
import uuid

import boto3
from botocore.config import Config

endpoint, label, total, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
pid = int(sys.argv[5]) if len(sys.argv) > 5 else None
config = Config(max_pool_connections=concurrency + 4, retries={"max_attempts": 0})
sfn = boto3.client("stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test", config=config)

SHORT = {"StartAt": "A", "States": {
    "A": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.a", "Next": "B"},
    "B": {"Type": "Choice", "Choices": [{"Variable": "$.a.n", "NumericEquals": 1, "Next": "C"}], "Default": "C"},
    "C": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a.n, 1)"}, "Next": "Done"},
    "Done": {"Type": "Succeed"}}}


def rss_kib():
    if pid is None:
        return None
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


name = f"short-{label}-{int(time.time() * 1000)}"
arn = sfn.create_state_machine(name=name, definition=json.dumps(SHORT),
                               roleArn="arn:aws:iam::123456789012:role/bench")["stateMachineArn"]
# Warm up (connections, first-call costs) outside the timed part.
for _ in range(5):
    e = sfn.start_execution(stateMachineArn=arn, name=str(uuid.uuid4()), input="{}")["executionArn"]
    while sfn.describe_execution(executionArn=e)["status"] == "RUNNING":
        time.sleep(0.005)

latencies, statuses, lock = [], {}, threading.Lock()
remaining = [total]


def worker():
    while True:
        with lock:
            if remaining[0] == 0:
                return
            remaining[0] -= 1
        t0 = time.perf_counter()
        # Named: moto 5.2.5 names every unnamed execution `None`.
        e = sfn.start_execution(stateMachineArn=arn, name=str(uuid.uuid4()), input='{"x": 1}')["executionArn"]
        while True:
            status = sfn.describe_execution(executionArn=e)["status"]
            if status != "RUNNING":
                break
            time.sleep(0.005)
        elapsed = time.perf_counter() - t0
        with lock:
            latencies.append(elapsed)
            statuses[status] = statuses.get(status, 0) + 1


rss_before = rss_kib()
began = time.perf_counter()
threads = [threading.Thread(target=worker) for _ in range(concurrency)]
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.perf_counter() - began
time.sleep(0.5)
rss_after = rss_kib()
latencies.sort()


def pct(p):
    return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000


out = {
    "label": label, "executions": total, "concurrency": concurrency,
    "statuses": statuses, "seconds": round(wall, 3),
    "executions_per_second": round(total / wall, 1),
    "p50_ms": round(pct(50), 1), "p99_ms": round(pct(99), 1),
}
if rss_before is not None:
    out["rss_before_mib"] = round(rss_before / 1024, 1)
    out["rss_after_mib"] = round(rss_after / 1024, 1)
    out["rss_growth_mib_per_1000"] = round((rss_after - rss_before) / 1024 * 1000 / total, 2)
print(json.dumps(out))
