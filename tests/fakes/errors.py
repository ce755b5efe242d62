"""The root error type of the fake API servers."""


class FakeServerError(Exception):
    """A fake server was misused by a test (not started, bad control argument, no webhook set...)."""


class ApiRejection(FakeServerError):
    """Raised inside a fake's request handling to answer the client with an API error.

    `status` is the HTTP status, `description` the error text (Telegram's `description`, Slack's
    `error`), `retry_after` the seconds announced with a 429.
    """

    def __init__(self, status: int, description: str, *, retry_after: float | None = None) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description
        self.retry_after = retry_after
