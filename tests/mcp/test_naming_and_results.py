"""Function names for MCP tools, and tool results as the text the model reads."""

from __future__ import annotations

import base64
import json
import re

from mcp.types import (
    AudioContent,
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    ResourceLink,
    TextContent,
    TextResourceContents,
)

from desktop.mcp.naming import MAX_NAME, assign_names
from desktop.mcp.results import MAX_OUTPUT_CHARS, error_text, result_text

VALID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def test_names_are_prefixed_cleaned_and_unique() -> None:
    names = assign_names(
        [
            ("files", "read_file"),
            ("my files!", "read.file"),
            ("my files?", "read.file"),  # cleans up to the same name as the one above
            ("files", "read file"),
            ("日本", "検索"),
        ],
        reserved=["files__read file"],
    )
    assert names[0] == "files__read_file"
    assert names[1] == "my_files___read_file"
    assert names[2].startswith("my_files___read_file_") and names[2] != names[1]
    assert names[3].startswith("files__read_file_") and names[3] != names[0]
    assert names[4] == "mcp__tool"
    assert len(set(names)) == len(names)
    assert all(VALID.match(name) for name in names)


def test_long_names_are_cut_with_a_stable_hash() -> None:
    server, tool = "a-very-long-server-name-indeed", "and_an_even_longer_tool_name_" * 3
    first = assign_names([(server, tool)])[0]
    assert len(first) == MAX_NAME and VALID.match(first)
    assert first == assign_names([(server, tool)])[0]  # the same from one run to the next
    other = assign_names([(server, tool + "x")])[0]
    assert other != first and other[:50] == first[:50]


def test_text_is_passed_as_is_and_other_content_is_summarised() -> None:
    png = base64.b64encode(b"\x89PNG" + bytes(2044)).decode()
    result = CallToolResult(
        content=[
            TextContent(text="line one"),
            AudioContent(data=png, mime_type="audio/wav"),
            ResourceLink(name="notes", uri="file:///notes.md", mime_type="text/markdown"),
            EmbeddedResource(
                resource=TextResourceContents(uri="mem://a", mime_type="text/plain", text="hi")
            ),
            EmbeddedResource(resource=BlobResourceContents(uri="mem://b", blob=png)),
        ]
    )
    assert result_text(result).splitlines() == [
        "line one",
        "[audio: audio/wav, 2 KB]",
        "[a link to the resource notes at file:///notes.md, text/markdown]",
        "[the resource mem://a (text/plain):]",
        "hi",
        "[the resource mem://b: binary, 2 KB]",
    ]


def test_structured_only_empty_and_huge_results() -> None:
    structured = CallToolResult(content=[], structured_content={"temperature": 21})
    assert json.loads(result_text(structured)) == {"temperature": 21}
    assert result_text(CallToolResult(content=[])) == "The tool finished and returned nothing."
    huge = result_text(CallToolResult(content=[TextContent(text="x" * (MAX_OUTPUT_CHARS + 10))]))
    assert huge.endswith("[... 10 more characters left out]")
    error = CallToolResult(content=[TextContent(text=" disk full ")], is_error=True)
    assert error_text(error) == "disk full"
