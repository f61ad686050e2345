"""The interpreter backends (``execution.backend``'s protocols), one module each."""
