"""Senders: one module per transport. Each raises `DeliveryError` with a short reason."""


class DeliveryError(Exception):
    """This attempt failed; the dispatcher retries with backoff until it gives up."""
