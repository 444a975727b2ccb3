"""A loop machine (the counter loop, or the JSONata loop) in moto 5.2.5's Step Functions
executor, timed end to end.

Prints one JSON line: {"status", "output", "transitions", "seconds", "error", "cause"}. The
transition count is the number of *StateEntered events in moto's history (moto does not
bill); `error` and `cause` are the failed execution's (moto 5.2.5 parses JSONata but its
evaluator is a stub, so the JSONata loop fails there).
"""
import json
import sys
import time

import boto3
from moto import mock_aws


def main(path: str) -> None:
    definition = open(path).read()
    started = time.perf_counter()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_state_machine(
            name="counter", definition=definition,
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
        while True:
            described = sfn.describe_execution(executionArn=execution)
            if described["status"] != "RUNNING":
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - started
        events = []
        token = None
        while True:
            kwargs = {"executionArn": execution, "maxResults": 1000}
            if token:
                kwargs["nextToken"] = token
            page = sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            token = page.get("nextToken")
            if not token:
                break
    transitions = sum(1 for e in events if e["type"].endswith("StateEntered"))
    print(json.dumps({
        "status": described["status"],
        "output": json.loads(described.get("output") or "null"),
        "transitions": transitions,
        "seconds": seconds,
        "error": described.get("error"),
        "cause": described.get("cause"),
    }))


if __name__ == "__main__":
    main(sys.argv[1])
