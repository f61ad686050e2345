"""Rich output end to end: MIME bundles from values, evalens.display and matplotlib figures,
in every Result's ``display`` and as ``evalens/display`` notifications before it."""

from __future__ import annotations

import base64

from tests.harness import Editor

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
RICH = (
    "import base64\n"
    f"PNG = base64.b64decode({base64.b64encode(PNG).decode()!r})\n"
    "class Dot:\n"
    "    def __repr__(self):\n"
    "        return 'Dot()'\n"
    "    def _repr_png_(self):\n"
    "        return PNG\n"
    "    def _repr_html_(self):\n"
    "        return '<b>dot</b>'\n"
)


async def test_a_value_with_display_methods_gives_its_bundle(editor: Editor) -> None:
    uri = editor.open("rich.py", RICH)
    result = await editor.eval(uri, "Dot()")
    assert result["value"] == {"repr": "Dot()", "type": "rich.Dot"}
    bundle = {
        "data": {"text/plain": "Dot()", "text/html": "<b>dot</b>", "image/png": base64.b64encode(PNG).decode()},
        "metadata": {},
    }
    assert result["display"] == [bundle]
    assert editor.displays == [{"uri": uri, **bundle}]


async def test_a_value_without_display_methods_gives_none(editor: Editor) -> None:
    uri = editor.open("plain.py", "")
    result = await editor.eval(uri, "[1, 2]")
    assert result["display"] == []
    assert editor.displays == []


PLOT = "import matplotlib.pyplot as plt\n"


def png_size(encoded: str) -> tuple[int, int]:
    """Width and height of a base64 PNG, from its header."""
    raw = base64.b64decode(encoded)
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")


async def test_a_figure_left_open_is_shown_at_the_end_of_the_run(editor: Editor) -> None:
    uri = editor.open("plot.py", PLOT)
    result = await editor.eval(uri, "plt.plot([1, 3, 2]); None")
    assert result["ok"], result["error"]
    [bundle] = result["display"]
    assert sorted(bundle["data"]) == ["image/png", "text/plain"]
    assert bundle["data"]["text/plain"] == "<Figure size 640x480 with 1 Axes>"
    assert png_size(bundle["data"]["image/png"]) == (640, 480)
    assert [d["data"] for d in editor.displays] == [bundle["data"]]
    again = await editor.eval(uri, "1")
    assert again["display"] == []
