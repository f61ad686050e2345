"""Running user code: the engine, the interpreter backends behind it, and what it needs to
know about modules (imports, reload order) and requests."""
