"""An agent as the MCP Python SDK makes one: starts `onence mcp` on stdio,
lists its tools, makes the calls it is given, checks every successful
result against the tool's outputSchema (the SDK's own validation), and
prints one JSON document of what it saw.

usage: mcp_agent.py ONENCE_BINARY ARGS_JSON CALLS_JSON
  ARGS_JSON   the arguments of onence, e.g. ["mcp", "--read-only"]
  CALLS_JSON  [[tool, {arguments}], ...]
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def dump(model):
    return None if model is None else model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def main() -> None:
    binary, args, calls = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
    server = StdioServerParameters(command=binary, args=args, env=dict(os.environ))
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            listed = await session.list_tools()
            seen = {
                "tools": [dump(tool) for tool in listed.tools],
                "calls": [],
            }
            for name, arguments in calls:
                result = await session.call_tool(name, arguments)
                checked = None
                if not result.is_error:
                    try:
                        await session.validate_tool_result(name, result)
                        checked = "valid"
                    except RuntimeError as e:
                        checked = str(e)
                seen["calls"].append(
                    {
                        "tool": name,
                        "is_error": bool(result.is_error),
                        "structured": result.structured_content,
                        "schema_check": checked,
                    }
                )
            print(json.dumps(seen))


asyncio.run(main())
