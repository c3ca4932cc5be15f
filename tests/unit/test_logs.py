"""bot.logs: every log line passes the scrubber, so a secret never reaches the log."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import (
    REDACTED,
    JsonFormatter,
    Scrubber,
    ScrubbingFormatter,
    TextFormatter,
    configure_logging,
    make_formatter,
)

BOT_TOKEN = "xoxb-1111-2222-abcdefSECRET"
BRAZE_KEY = "0f5e6d7c-braze-secret-key"
QUOTED_SECRET = 'sig"with\\odd/chars'  # JSON spells it differently: sig\"with\\odd/chars
SECRETS = (BOT_TOKEN, BRAZE_KEY, QUOTED_SECRET)
FORMATTERS = {
    "plain": lambda: ScrubbingFormatter("%(levelname)s %(name)s: %(message)s", SECRETS),
    "text": lambda: TextFormatter(SECRETS),
    "json": lambda: JsonFormatter(SECRETS),
}


@pytest.fixture(params=sorted(FORMATTERS))
def logged(request: pytest.FixtureRequest) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A private logger whose only handler writes through one of the scrubbing formatters."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(FORMATTERS[request.param]())
    logger = logging.getLogger(f"tests.unit.logs.{request.param}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    yield logger, buffer
    logger.handlers = []
    logger.propagate = True


@pytest.fixture
def root_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def assert_no_secret(output: str) -> None:
    for secret in (*SECRETS, json.dumps(QUOTED_SECRET)[1:-1]):
        assert secret not in output


# ---- every formatter --------------------------------------------------------------------------


def test_a_secret_in_the_message_is_redacted(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, buffer = logged
    logger.info(f"calling Braze with Bearer {BRAZE_KEY} now")
    output = buffer.getvalue()
    assert_no_secret(output)
    assert f"calling Braze with Bearer {REDACTED} now" in output


def test_a_secret_in_the_arguments_is_redacted(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, buffer = logged
    logger.warning("token=%s key=%r", BOT_TOKEN, {"key": BRAZE_KEY})
    output = buffer.getvalue()
    assert_no_secret(output)
    assert output.count(REDACTED) == 2


def test_a_secret_with_quotes_and_backslashes_is_redacted(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = logged
    logger.error("signing secret is %s", QUOTED_SECRET)
    output = buffer.getvalue()
    assert_no_secret(output)
    assert REDACTED in output


def test_a_secret_in_a_traceback_is_redacted(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, buffer = logged
    try:
        raise RuntimeError(f"Slack said invalid_auth for {BOT_TOKEN}")
    except RuntimeError:
        logger.exception("posting failed")
    output = buffer.getvalue()
    assert "Traceback (most recent call last)" in output
    assert f"RuntimeError: Slack said invalid_auth for {REDACTED}" in output
    assert_no_secret(output)


def test_a_secret_in_the_traceback_source_and_stack_is_redacted(
    logged: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = logged
    try:
        raise ValueError(BRAZE_KEY)  # this source line itself shows in the traceback
    except ValueError:
        logger.error("boom %s", BOT_TOKEN, exc_info=True, stack_info=True)
    assert_no_secret(buffer.getvalue())


def test_text_without_secrets_is_left_alone(logged: tuple[logging.Logger, io.StringIO]) -> None:
    logger, buffer = logged
    logger.info("request %s created", "r0123")
    assert "request r0123 created" in buffer.getvalue()
    assert REDACTED not in buffer.getvalue()


# ---- the scrubber itself ----------------------------------------------------------------------


def test_a_secret_that_contains_another_is_replaced_whole() -> None:
    formatter = ScrubbingFormatter("%(message)s", ["abcd", "abcdefgh"])
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "k=abcdefgh", None, None)
    assert formatter.format(record) == f"k={REDACTED}"


def test_very_short_and_empty_secrets_are_not_scrubbed() -> None:
    formatter = ScrubbingFormatter("%(message)s", ["", "ab"])
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a cab ride", None, None)
    assert formatter.format(record) == "a cab ride"


# ---- the two line formats ---------------------------------------------------------------------


def record_with(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("bot.service", logging.INFO, __file__, 1, msg, args or None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_a_json_line_is_one_object_with_the_context_fields() -> None:
    line = JsonFormatter(SECRETS).format(
        record_with("request %s\ncreated", "r1", request_id="r1", user="U0A", token=BOT_TOKEN)
    )
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "bot.service"
    assert entry["message"] == "request r1\ncreated"
    assert entry["request_id"] == "r1" and entry["user"] == "U0A"
    assert entry["token"] == REDACTED  # a secret passed with extra= is scrubbed too
    assert entry["time"].endswith("Z")


def test_a_text_line_appends_the_context_fields() -> None:
    line = TextFormatter(SECRETS).format(record_with("created", request_id="r1", channel="C0A"))
    assert line.endswith("INFO bot.service: created [request_id=r1 channel=C0A]")


def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(ValueError, match="json, text"):
        make_formatter("xml", SECRETS)


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_configure_logging_scrubs_every_line_on_stderr(
    capsys: pytest.CaptureFixture[str], root_restored: None, fmt: str
) -> None:
    configure_logging("INFO", SECRETS, fmt)
    logging.getLogger("bot.test").info("key %s", BRAZE_KEY)
    logging.getLogger("bot.test").debug("below the level")
    err = capsys.readouterr().err
    assert f"key {REDACTED}" in err
    assert_no_secret(err)
    assert "below the level" not in err


def test_configure_logging_writes_json_by_default(
    capsys: pytest.CaptureFixture[str], root_restored: None
) -> None:
    configure_logging("INFO", SECRETS)
    logging.getLogger("bot.test").warning("hello")
    (line,) = capsys.readouterr().err.splitlines()
    assert json.loads(line)["message"] == "hello"


def test_configure_logging_replaces_earlier_handlers(root_restored: None) -> None:
    stray = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(stray)
    configure_logging("WARNING", SECRETS)
    root = logging.getLogger()
    assert stray not in root.handlers
    assert len(root.handlers) == 1
    assert isinstance(root.handlers[0].formatter, ScrubbingFormatter)
    assert root.level == logging.WARNING


def test_a_database_url_with_credentials_in_its_query_is_scrubbed_from_log_lines() -> None:
    """Issue 24, item 6: what bot.database_url finds is what the scrubber removes."""
    from bot.database_url import masked, url_secrets
    from bot.logs import REDACTED, Scrubber

    url = "postgresql://bot@db/sendid?password=query-pass-1&sslpassword=key-pass-2"
    line = Scrubber(url_secrets(url))(f"could not connect with {url}")
    assert "query-pass-1" not in line and "key-pass-2" not in line
    assert line.count(REDACTED) == 2
    assert masked(url) == "postgresql://bot@db/sendid?password=***&sslpassword=***"


def test_a_workflow_steps_function_scoped_token_is_scrubbed_though_never_configured() -> None:
    scrub = Scrubber(["xoxb-known-secret"])
    line = "token=xwfp-12345-ABCDEF-scoped and xoxb-known-secret"
    assert "xwfp-12345" not in scrub(line) and "xoxb-known-secret" not in scrub(line)
