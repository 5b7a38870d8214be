"""Python's own MCP client (PyPI `mcp`) against `lrat serve`: lists the tools, runs `search` for
each query and `get_document` for the first hit and for an unknown id, and prints what it got as
JSON for the Rust test to compare with `lrat search`.

usage: mcp_client.py (--stdio LRAT_BINARY ARG... | --http URL) --queries Q1 Q2 ...
"""
import argparse
import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client


async def session_run(read, write, queries):
    async with ClientSession(read, write) as session:
        await session.initialize()
        tools = await session.list_tools()
        out = {
            "tools": sorted(t.name for t in tools.tools),
            "descriptions": {t.name: t.description for t in tools.tools},
            "search": {},
        }
        first = None
        for q in queries:
            res = await session.call_tool("search", {"query": q})
            assert not res.is_error, res
            hits = json.loads(res.content[0].text)
            assert res.structured_content == {"result": hits}, res.structured_content
            for h in hits:
                assert set(h) == {"docid", "score", "snippet"}, h
            out["search"][q] = [h["docid"] for h in hits]
            first = first or (hits[0]["docid"] if hits else None)
        if "get_document" in out["tools"] and first:
            doc = await session.call_tool("get_document", {"docid": first})
            out["document"] = json.loads(doc.content[0].text)
            missing = await session.call_tool("get_document", {"docid": "no-such-document"})
            out["missing"] = json.loads(missing.content[0].text)
        return out


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--stdio", nargs=argparse.REMAINDER)
    p.add_argument("--http")
    p.add_argument("--queries", nargs="+")
    args, rest = p.parse_known_args()
    if args.stdio:
        # --stdio swallows the rest; split the queries back off.
        cmd = args.stdio
        i = cmd.index("--queries")
        cmd, queries = cmd[:i], cmd[i + 1 :]
        params = StdioServerParameters(command=cmd[0], args=cmd[1:])
        async with stdio_client(params) as (read, write):
            out = await session_run(read, write, queries)
    else:
        async with streamable_http_client(args.http) as (read, write, *_):
            out = await session_run(read, write, args.queries)
    json.dump(out, sys.stdout)


asyncio.run(main())
