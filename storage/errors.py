"""Errors raised by the storage package (one root type)."""


class StorageError(Exception):
    """Root of every storage error."""


class StaleWriteError(StorageError):
    """An optimistic-concurrency write found a newer version than it read."""


class DuplicateError(StorageError):
    """A unique key (inbox source + external id, outbox dedupe key) already exists."""


class NotFoundError(StorageError):
    """The row asked for does not exist."""
