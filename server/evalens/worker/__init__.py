"""The code that runs inside the user's interpreter.

Stdlib-only, CPython 3.9+. The server launches it with ``bootstrap.py`` under
the private package name ``_evalens_worker``, so nothing here can shadow, or be
shadowed by, the user's own modules. It shares only ``messages`` with the server.
"""
