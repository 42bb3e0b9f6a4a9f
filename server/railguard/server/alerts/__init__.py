"""Alerting: rules decide alerts inside the ingest transaction (the outbox); a dispatcher in
every server process turns them into deliveries and sends them by email or webhook."""
