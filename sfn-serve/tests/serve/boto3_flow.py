"""boto3 against sfn-serve: create, start, poll, history, list, stop, task tokens,
StartSyncExecution and Lambda Invoke. Prints one JSON object of what it saw."""
import json
import sys
import time

import boto3
from botocore.config import Config

endpoint = sys.argv[1]
kw = dict(endpoint_url=endpoint, region_name="us-east-1",
          aws_access_key_id="test", aws_secret_access_key="test")
# StartSyncExecution's `sync-` host prefix cannot resolve on loopback.
sfn = boto3.client("stepfunctions", config=Config(inject_host_prefix=False), **kw)
lam = boto3.client("lambda", **kw)
role = "arn:aws:iam::123456789012:role/test"
seen = {}


def wait(arn):
    for _ in range(500):
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.02)
    raise SystemExit(f"{arn} still running")


greet = {"StartAt": "Greet", "States": {
    "Greet": {"Type": "Pass", "Parameters": {"hello.$": "$.who"}, "Next": "Echo"},
    "Echo": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo", "End": True}}}
arn = sfn.create_state_machine(name="py", definition=json.dumps(greet), roleArn=role)["stateMachineArn"]
ex = sfn.start_execution(stateMachineArn=arn, name="py-1", input='{"who": "boto3"}')["executionArn"]
done = wait(ex)
seen["status"] = done["status"]
seen["output"] = json.loads(done["output"])
events = sfn.get_execution_history(executionArn=ex)["events"]
seen["first_event"] = events[0]["type"]
seen["last_event"] = events[-1]["type"]
pages = sfn.get_paginator("get_execution_history").paginate(executionArn=ex, PaginationConfig={"PageSize": 2})
seen["paged_events"] = sum(len(p["events"]) for p in pages)
seen["events"] = len(events)
seen["listed"] = [e["name"] for e in sfn.list_executions(stateMachineArn=arn, statusFilter="SUCCEEDED")["executions"]]

try:
    sfn.start_execution(stateMachineArn=arn, name="py-1", input='{"who": "again"}')
    seen["reused_name"] = "accepted"
except sfn.exceptions.ExecutionAlreadyExists:
    seen["reused_name"] = "ExecutionAlreadyExists"
try:
    sfn.describe_state_machine(stateMachineArn=arn + "-missing")
except sfn.exceptions.StateMachineDoesNotExist:
    seen["missing_machine"] = "StateMachineDoesNotExist"

nap = {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "End": True}}}
nap_arn = sfn.create_state_machine(name="py-nap", definition=json.dumps(nap), roleArn=role)["stateMachineArn"]
sleeping = sfn.start_execution(stateMachineArn=nap_arn)["executionArn"]
sfn.stop_execution(executionArn=sleeping, error="Py", cause="stopped by boto3")
seen["stopped"] = sfn.describe_execution(executionArn=sleeping)["status"]

token_machine = {"StartAt": "Ask", "States": {"Ask": {
    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token"}}, "End": True}}}
t_arn = sfn.create_state_machine(name="py-token", definition=json.dumps(token_machine), roleArn=role)["stateMachineArn"]
waiting = sfn.start_execution(stateMachineArn=t_arn)["executionArn"]
token = None
for _ in range(500):
    for e in sfn.get_execution_history(executionArn=waiting)["events"]:
        if e["type"] == "TaskScheduled":
            token = json.loads(e["taskScheduledEventDetails"]["parameters"])["Payload"]["token"]
    if token:
        break
    time.sleep(0.02)
sfn.send_task_heartbeat(taskToken=token)
sfn.send_task_success(taskToken=token, output='{"ok": true}')
seen["token_flow"] = wait(waiting)["status"]

quick = sfn.create_state_machine(name="py-quick", definition=json.dumps(greet), roleArn=role, type="EXPRESS")["stateMachineArn"]
sync = sfn.start_sync_execution(stateMachineArn=quick, input='{"who": "sync"}')
seen["sync"] = [sync["status"], json.loads(sync["output"])]

seen["validate"] = sfn.validate_state_machine_definition(definition='{"StartAt": "X", "States": {}}')["result"]

invoked = lam.invoke(FunctionName="echo", Payload=b'{"n": 7}')
seen["invoke"] = [invoked["StatusCode"], json.loads(invoked["Payload"].read())]
failed = lam.invoke(FunctionName="boom", Payload=b"{}")
seen["invoke_error"] = failed.get("FunctionError")
print(json.dumps(seen))
