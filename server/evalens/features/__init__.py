"""Editor features built on the engine: code actions, code lenses, inlay hints, diagnostics."""
