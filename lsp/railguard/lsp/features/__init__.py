"""The language server's features, one module per job, each owning its handlers and its state.
Importing them registers nothing: `factory.create_server` calls each module's `setup`."""
