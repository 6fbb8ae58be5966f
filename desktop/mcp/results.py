"""A tool's result as the ``function_call_output`` text the model reads.

Text content is passed as is. Other content is summarised with its type (an image,
audio, a resource), because the Realtime conversation has nowhere to put the bytes.
The words of a failed call come from :func:`error_text`; calls.py shapes the output.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from mcp.types import (
    AudioContent,
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    ResourceLink,
    TextContent,
    TextResourceContents,
)

#: Beyond this the output is cut: a realtime model's whole context is ~32k tokens.
MAX_OUTPUT_CHARS = 16000


def result_text(result: CallToolResult) -> str:
    """The output text of a successful call (``result.is_error`` is handled by the caller)."""
    parts = [_block_text(block) for block in result.content]
    text = "\n".join(part for part in parts if part)
    if not text and result.structured_content is not None:
        text = json.dumps(result.structured_content, ensure_ascii=False)
    if not text:
        text = "The tool finished and returned nothing."
    return clip(text)


def error_text(result: CallToolResult) -> str:
    """What a tool said about its own failure, as one line."""
    text = " ".join(
        block.text.strip() for block in result.content if isinstance(block, TextContent)
    )
    return clip(text or "the tool reported an error without saying why", 2000)


def clip(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n[... {len(text) - limit} more characters left out]"


def _block_text(block: Any) -> str:
    if isinstance(block, TextContent):
        return block.text
    if isinstance(block, ImageContent):
        return f"[an image: {block.mime_type}, {_size(block.data)}]"
    if isinstance(block, AudioContent):
        return f"[audio: {block.mime_type}, {_size(block.data)}]"
    if isinstance(block, ResourceLink):
        kind = f", {block.mime_type}" if block.mime_type else ""
        return f"[a link to the resource {block.name} at {block.uri}{kind}]"
    if isinstance(block, EmbeddedResource):
        resource = block.resource
        kind = f" ({resource.mime_type})" if resource.mime_type else ""
        if isinstance(resource, TextResourceContents):
            return f"[the resource {resource.uri}{kind}:]\n{resource.text}"
        if isinstance(resource, BlobResourceContents):
            return f"[the resource {resource.uri}{kind}: binary, {_size(resource.blob)}]"
    kind = getattr(block, "type", type(block).__name__)
    return f"[content of type {kind}]"


def _size(data: str) -> str:
    try:
        size = len(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError):
        size = len(data) * 3 // 4
    if size < 1024:
        return f"{size} bytes"
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"
