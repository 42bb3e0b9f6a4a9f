"""Pure ingest logic: everything between the raw request bytes and a `ProcessedEvent`.

Envelope framing, bounded decompression, Sentry authentication, the lenient Sentry event
model, raw stack-trace parsers, repository path reduction, grouping fingerprints, PII
scrubbing and commit detection. Nothing here touches the database or aiohttp's request
objects (except `decompress.read_body`, which only iterates a `StreamReader`); the HTTP views
and the group-commit writer call these functions.
"""
