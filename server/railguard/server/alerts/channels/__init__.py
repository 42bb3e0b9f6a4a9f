"""Senders: one module per transport. Each raises `DeliveryError` with a short reason."""


class DeliveryError(Exception):
    """This attempt failed; the dispatcher retries with backoff until it gives up, or at once
    when `permanent` (a retry cannot succeed: the channel is gone, the receiver said 4xx)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
