"""The language server's plumbing: pygls adapted (protocol, text sync), transport and framing,
lifecycle, logging, the start-up code cache and the diagnostics board."""
