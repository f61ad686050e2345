"""``python -m evalens``: the language server and the command line."""

from .cli import main

raise SystemExit(main())
