"""Drives the gateway with the official MCP Python SDK (`mcp` on PyPI) and prints one JSON
report on stdout for the Rust test to check. Usage: python_client.py URL MODE PLAN_FILE,
MODE being `legacy` (initialize, 2025-11-25) or `2026-07-28` (stateless, server/discover).
"""

import asyncio
import json
import sys

from mcp.client.client import Client
from mcp.shared.exceptions import MCPError


def result_json(result):
    return result.model_dump(mode="json", by_alias=True, exclude_none=True)


async def main(url, mode, plan_file):
    report = {}
    async with Client(url, mode=mode, read_timeout_seconds=120) as client:
        report["protocolVersion"] = client.protocol_version
        tools = await client.list_tools()
        report["tools"] = [t.name for t in tools.tools]
        report["calculator"] = result_json(await client.call_tool("calculator", {"expression": "6 * 7"}))
        report["toolError"] = result_json(await client.call_tool("calculator", {"expression": "1 / 0"}))
        report["schemaError"] = result_json(await client.call_tool("calculator", {"expression": 42}))
        try:
            await client.call_tool("no-such-tool", {})
            report["unknownTool"] = {"raised": False}
        except MCPError as e:
            report["unknownTool"] = {"raised": True, "code": e.error.code, "message": e.error.message}
        with open(plan_file) as f:
            start = json.load(f)
        report["runAgent"] = result_json(await client.call_tool("run_agent", start))
    print(json.dumps(report))


asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
