"""Performance data: transactions and spans from Sentry SDKs and OpenTelemetry, per-route
metrics kept as mergeable histograms, request snapshots and trace waterfalls
(docs/performance.md)."""
