"""Judge backends: how a request reaches a model. One small class per type, registered by name.

A backend turns a `JudgeRequest` into a `Completion` (the answer's text and the token counts the
server reported) or raises `JudgeError` with an `outcome` for the statistics and, for a 429, the
server's Retry-After. Backends never retry by themselves: a failed pair waits in the store and is
asked again later, so a slow or rate-limited model never holds up a pass.

`openai` speaks the chat-completions API of OpenAI and of every server that copies it (Ollama,
vLLM, llama.cpp's server, LM Studio, hosted gateways), through the official SDK with `base_url`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, ClassVar

from monitor.config import JudgeConfig
from monitor.errors import JudgeError
from monitor.judge.prompt import ANSWER_SCHEMA
from monitor.judge.request import JudgeRequest

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Completion:
    content: str
    prompt_tokens: int
    completion_tokens: int


class JudgeBackend:
    """Base class. Subclasses set `type_name` and implement `complete`."""

    type_name: ClassVar[str]

    def __init__(self, config: JudgeConfig):
        self.config = config

    def complete(self, request: JudgeRequest) -> Completion:
        raise NotImplementedError

    def close(self) -> None:
        """Release connections (nothing by default)."""


JUDGE_TYPES: dict[str, type[JudgeBackend]] = {}


def register_judge(cls: type[JudgeBackend]) -> type[JudgeBackend]:
    JUDGE_TYPES[cls.type_name] = cls
    return cls


def make_backend(config: JudgeConfig) -> JudgeBackend:
    try:
        cls = JUDGE_TYPES[config.type]
    except KeyError:
        raise JudgeError(f"unknown judge type {config.type!r}") from None
    return cls(config)


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare for APIs; the configured wait applies


@register_judge
class OpenAIJudge(JudgeBackend):
    """Any OpenAI-compatible chat-completions endpoint (`base_url`), through the `openai` SDK."""

    type_name = "openai"

    # From the most to the least structured; a server that refuses one (HTTP 400 naming
    # response_format) is asked with the next, and keeps that one for this judge's lifetime.
    FORMATS = ("json_schema", "json_object", "none")

    def __init__(self, config: JudgeConfig):
        super().__init__(config)
        self._client: Any = None
        self._format = config.response_format

    def _api_key(self) -> str:
        name = self.config.api_key_env
        if not name:
            return "unused"  # local servers take no key; the SDK insists on a string
        value = os.environ.get(name)
        if not value:
            raise JudgeError(f"the environment variable {name} (judge.api_key_env) is not set")
        return value

    def _get_client(self) -> Any:
        if self._client is None:
            import openai  # late: a config without [judge] never imports the SDK

            self._client = openai.OpenAI(
                api_key=self._api_key(),
                base_url=self.config.base_url,
                timeout=self.config.timeout.total_seconds(),
                max_retries=0,  # retries are ours: a failed pair is judged again later, never in a loop
            )
        return self._client

    def response_format(self) -> dict[str, Any] | None:
        if self._format == "json_schema":
            return {
                "type": "json_schema",
                "json_schema": {"name": "claimwatch_judgement", "schema": ANSWER_SCHEMA, "strict": True},
            }
        if self._format == "json_object":
            return {"type": "json_object"}
        return None

    def _fall_back(self, exc: Any) -> bool:
        """After a 400 that names response_format: use the next, less structured format; True if any."""
        text = f"{getattr(exc, 'message', '')} {getattr(exc, 'body', '')}".lower()
        if (
            exc.status_code != 400
            or "response_format" not in text.replace(" ", "_")
            or self._format == "none"
        ):
            return False
        self._format = self.FORMATS[self.FORMATS.index(self._format) + 1]
        log.warning(
            "judge: the server refused this response_format; asking with %r from now on", self._format
        )
        return True

    def complete(self, request: JudgeRequest) -> Completion:
        import openai

        client = self._get_client()
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": request.messages(),
            "temperature": self.config.temperature,
        }
        try:
            while True:
                response_format = self.response_format()
                if response_format is not None:
                    kwargs["response_format"] = response_format
                else:
                    kwargs.pop("response_format", None)
                try:
                    completion = client.chat.completions.create(**kwargs)
                    break
                except openai.BadRequestError as exc:
                    if not self._fall_back(exc):
                        raise
        except openai.RateLimitError as exc:
            raise JudgeError(
                "the model is rate-limited (429)",
                retry_after=_retry_after(exc.response.headers),
                outcome="rate_limited",
            ) from None
        except openai.APITimeoutError:
            raise JudgeError(
                f"the model did not answer within {self.config.timeout.total_seconds():g}s", outcome="timeout"
            ) from None
        except openai.APIConnectionError as exc:
            raise JudgeError(f"the model is unreachable: {exc}", outcome="unreachable") from None
        except openai.APIStatusError as exc:
            outcome = "server_error" if exc.status_code >= 500 else "refused"
            raise JudgeError(
                f"the model's server answered HTTP {exc.status_code}",
                retry_after=_retry_after(exc.response.headers),
                outcome=outcome,
            ) from None
        except (openai.OpenAIError, ValueError) as exc:  # a body that is not an API response (or JSON)
            raise JudgeError(f"unreadable response from the model: {exc}", outcome="junk") from None
        try:
            content = completion.choices[0].message.content
        except (AttributeError, IndexError, TypeError):
            content = None
        if not isinstance(content, str) or not content.strip():
            raise JudgeError("the model's response has no answer text", outcome="junk")
        usage = getattr(completion, "usage", None)
        prompt_tokens = getattr(usage, "prompt_tokens", None) or request.estimated_tokens()
        completion_tokens = getattr(usage, "completion_tokens", None) or max(1, len(content) // 4)
        return Completion(content, int(prompt_tokens), int(completion_tokens))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
