"""Asking the client to ask again: ``workspace/codeLens/refresh`` and
``workspace/inlayHint/refresh``, sent only to clients that declare support."""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)


class ClientRefresh:
    def __init__(self, server: LanguageServer) -> None:
        self.server = server

    def lenses(self) -> None:
        self._refresh("code_lens", types.WORKSPACE_CODE_LENS_REFRESH)

    def hints(self) -> None:
        self._refresh("inlay_hint", types.WORKSPACE_INLAY_HINT_REFRESH)

    def _supported(self, area: str) -> bool:
        workspace = self.server.client_capabilities.workspace
        capability = getattr(workspace, area, None) if workspace is not None else None
        return bool(capability is not None and capability.refresh_support)

    def _refresh(self, area: str, method: str) -> None:
        if not self._supported(area):
            return

        def done(future: Any) -> None:
            if not future.cancelled() and future.exception() is not None:
                log.info("%s failed: %s", method, future.exception())

        self.server.protocol.send_request(method, None, callback=None).add_done_callback(done)
