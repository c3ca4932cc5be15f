"""Reading what the bot showed: Block Kit and Web API payloads as the Slack stand-in got them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block


def all_text(value: Any) -> str:
    """Everything a payload would show, flattened, for "nothing unescaped anywhere" checks."""
    return json.dumps(value, ensure_ascii=False)


def walk(value: Any) -> Iterator[dict[str, Any]]:
    """Every object in a payload, depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def valid_blocks(blocks: Any) -> list[dict[str, Any]]:
    """`blocks`, each checked against Slack's Block Kit model (slack_sdk), as Slack would."""
    for block in blocks or []:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
    return list(blocks or [])


def buttons(blocks: Any) -> list[dict[str, Any]]:
    """The buttons (and other elements) of the actions blocks in `blocks`, in order."""
    return [
        element
        for block in blocks or []
        if isinstance(block, dict) and block.get("type") == "actions"
        for element in block.get("elements") or []
    ]


def valid_message(params: dict[str, Any]) -> dict[str, Any]:
    """A chat.postMessage/chat.update payload, its blocks checked against slack_sdk's Block Kit
    models (as Slack would refuse them); returns it for reading."""
    for raw in params.get("blocks") or []:
        block = Block.parse(raw)
        assert block is not None, f"not a Block Kit block: {raw}"
        block.validate_json()
    return params


def form_problems(answer: Any) -> list[str]:
    """What a view submission's answer shows the person: each field's error ("errors"), or the
    problem at the top of the re-shown form ("update", checked against Block Kit)."""
    if not isinstance(answer, dict):
        return []
    if answer.get("response_action") == "errors":
        return [str(text) for text in answer["errors"].values()]
    if answer.get("response_action") == "update":
        blocks = valid_blocks(answer["view"]["blocks"])
        top = blocks[0] if blocks else {}
        if top.get("type") == "section":
            return [str(top["text"]["text"])]
    return []
