"""Rich output end to end: MIME bundles from values, evalens.display and matplotlib figures,
in every Result's ``display`` and as ``evalens/display`` notifications before it."""

from __future__ import annotations

import asyncio
import base64
import time

from tests.conftest import process_only
from tests.e2e.test_lifecycle import send_command, wait_for_state
from tests.harness import Editor, wait_until

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PNG64 = base64.b64encode(PNG).decode()
RICH = (
    "import base64\n"
    f"PNG = base64.b64decode({PNG64!r})\n"
    "class Dot:\n"
    "    def __repr__(self):\n"
    "        return 'Dot()'\n"
    "    def _repr_png_(self):\n"
    "        return PNG\n"
    "    def _repr_html_(self):\n"
    "        return '<b>dot</b>'\n"
    "class Bundled:\n"
    "    def _repr_mimebundle_(self, include=None, exclude=None):\n"
    "        data = {'text/plain': 'bundled', 'text/html': '<i>b</i>', 'image/png': PNG}\n"
    "        return data, {'image/png': {'width': 10}}\n"
    "    def _repr_html_(self):\n"
    "        return '<i>not this one</i>'\n"
    "    def _repr_markdown_(self):\n"
    "        return '*md*'\n"
    "class Sized:\n"
    "    def _repr_png_(self):\n"
    "        return PNG, {'height': 3}\n"
    "    def _repr_json_(self):\n"
    "        return {'a': [1, 2]}\n"
    "    def _repr_latex_(self):\n"
    "        return None\n"
    "    def __repr__(self):\n"
    "        return 'Sized()'\n"
)


async def test_a_value_with_display_methods_gives_its_bundle(editor: Editor) -> None:
    uri = editor.open("rich.py", RICH)
    result = await editor.eval(uri, "Dot()")
    assert result["value"] == {"repr": "Dot()", "type": "rich.Dot"}
    bundle = {"data": {"text/plain": "Dot()", "text/html": "<b>dot</b>", "image/png": PNG64}, "metadata": {}}
    assert result["display"] == [bundle]
    assert editor.displays == [{"uri": uri, **bundle}]


async def test_a_value_without_display_methods_gives_none(editor: Editor) -> None:
    uri = editor.open("plain.py", "class Plain:\n    pass\n")
    for code in ("[1, 2]", "Plain()", "Plain", "None", "x = 1"):
        result = await editor.eval(uri, code)
        assert (code, result["display"]) == (code, [])
    assert editor.displays == []


async def test_the_mimebundle_comes_first_and_methods_fill_in_what_it_lacks(editor: Editor) -> None:
    uri = editor.open("rich.py", RICH)
    result = await editor.eval(uri, "Bundled()")
    assert result["display"] == [
        {
            "data": {"text/plain": "bundled", "text/html": "<i>b</i>", "image/png": PNG64, "text/markdown": "*md*"},
            "metadata": {"image/png": {"width": 10}},
        }
    ]


async def test_metadata_pairs_json_values_and_methods_returning_none(editor: Editor) -> None:
    uri = editor.open("rich.py", RICH)
    result = await editor.eval(uri, "Sized()")
    assert result["display"] == [
        {
            "data": {"text/plain": "Sized()", "image/png": PNG64, "application/json": {"a": [1, 2]}},
            "metadata": {"image/png": {"height": 3}},
        }
    ]


async def test_a_call_and_a_cell_show_their_values(editor: Editor) -> None:
    uri = editor.open("rich.py", RICH + "def make():\n    return Dot()\n# %%\nDot()\n")
    called = await editor.command("evalens.call", {"uri": uri, "target": "make"})
    assert [d["data"]["text/html"] for d in called["display"]] == ["<b>dot</b>"]
    cell = await editor.command("evalens.runCell", {"uri": uri, "line": RICH.count("\n") + 2})
    assert [d["data"]["text/html"] for d in cell["display"]] == ["<b>dot</b>"]


async def test_evalens_display_shows_at_once_in_order_with_include_exclude_and_raw(editor: Editor) -> None:
    uri = editor.open("rich.py", RICH)
    code = (
        "import evalens\n"
        "evalens.display(Dot(), 42)\n"
        "print('between')\n"
        "evalens.display(Dot(), include=['text/html'])\n"
        "evalens.display(Dot(), exclude=['image/png'], metadata={'source': 'test'})\n"
        "evalens.display({'text/markdown': '# Title', 'image/png': PNG}, raw=True)\n"
        "'done'"
    )
    result = await editor.eval(uri, code)
    assert result["ok"], result["error"]
    assert [d["data"] for d in result["display"]] == [
        {"text/plain": "Dot()", "text/html": "<b>dot</b>", "image/png": PNG64},
        {"text/plain": "42"},
        {"text/plain": "Dot()", "text/html": "<b>dot</b>"},
        {"text/plain": "Dot()", "text/html": "<b>dot</b>"},
        {"text/plain": "<image/png, text/markdown display>", "text/markdown": "# Title", "image/png": PNG64},
    ]
    assert [d["metadata"] for d in result["display"]] == [{}, {}, {}, {"source": "test"}, {}]
    assert result["value"]["repr"] == "'done'"  # a str has no display methods: no bundle for the value
    assert [{k: v for k, v in d.items() if k != "uri"} for d in editor.displays] == result["display"]
    assert {d["uri"] for d in editor.displays} == {uri}
    assert editor.output == [{"uri": uri, "stream": "stdout", "text": "between\n"}]


@process_only("`display` is IPython's own, which the kernel provides")
async def test_display_is_a_builtin_as_in_jupyter(editor: Editor) -> None:
    uri = editor.open("rich.py", RICH)
    result = await editor.eval(uri, "display(Dot(), raw=False)\ndisplay == __import__('evalens').display")
    assert result["value"]["repr"] == "True"
    assert [d["data"]["text/html"] for d in result["display"]] == ["<b>dot</b>"]


async def test_every_display_notification_arrives_before_the_result(editor: Editor) -> None:
    uri = editor.open("rich.py", RICH)
    code = "import evalens\nfor i in range(30):\n    evalens.display(Dot())\n"
    for _ in range(3):
        editor.displays.clear()
        result = await editor.eval(uri, code)
        assert len(result["display"]) == 30
        assert len(editor.displays) == 30  # all there when the answer is


PLOT = "import matplotlib.pyplot as plt\n"


def png_size(encoded: str) -> tuple[int, int]:
    """Width and height of a base64 PNG, from its header."""
    raw = base64.b64decode(encoded)
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")


def figures(result: dict[str, object]) -> list[str]:
    """The text/plain of each figure a Result showed, checking each is a PNG."""
    shown = []
    for bundle in result["display"]:  # type: ignore[attr-defined]
        assert sorted(bundle["data"]) == ["image/png", "text/plain"]
        png_size(bundle["data"]["image/png"])
        shown.append(bundle["data"]["text/plain"])
    return shown


@process_only("figures come from the kernel's own matplotlib backend (test_kernels.py checks it)")
async def test_a_figure_left_open_is_shown_at_the_end_of_the_run(editor: Editor) -> None:
    uri = editor.open("plot.py", PLOT)
    result = await editor.eval(uri, "plt.plot([1, 3, 2]); None")
    assert result["ok"], result["error"]
    [bundle] = result["display"]
    assert bundle["data"]["text/plain"] == "<Figure size 640x480 with 1 Axes>"
    assert png_size(bundle["data"]["image/png"]) == (640, 480)
    assert bundle["metadata"] == {}
    assert [d["data"] for d in editor.displays] == [bundle["data"]]
    assert (await editor.eval(uri, "1"))["display"] == []  # unchanged: not shown again
    changed = await editor.eval(uri, "plt.title('again'); None")  # still open, changed: shown again
    assert figures(changed) == ["<Figure size 640x480 with 1 Axes>"]


async def test_show_shows_every_open_figure_at_once_and_closes_them(editor: Editor) -> None:
    uri = editor.open("plot.py", PLOT)
    code = (
        "plt.figure(figsize=(2, 1)); plt.plot([1, 2])\n"
        "plt.figure(figsize=(3, 1)); plt.plot([2, 1])\n"
        "plt.show()\n"
        "print('after show')\n"
        "len(plt.get_fignums())"
    )
    result = await editor.eval(uri, code)
    assert result["value"]["repr"] == "0"
    assert figures(result) == ["<Figure size 200x100 with 1 Axes>", "<Figure size 300x100 with 1 Axes>"]
    assert len(editor.displays) == 2 and editor.output[0]["text"] == "after show\n"


@process_only("figures come from the kernel's own matplotlib backend (test_kernels.py checks it)")
async def test_two_figures_in_the_order_they_were_made_and_closed_ones_not_at_all(editor: Editor) -> None:
    uri = editor.open("plot.py", PLOT)
    code = (
        "first = plt.figure(figsize=(2, 2)); plt.plot([1])\n"
        "gone = plt.figure(figsize=(5, 5)); plt.plot([1])\n"
        "second = plt.figure(figsize=(3, 3)); plt.plot([2])\n"
        "plt.figure(first.number); plt.plot([3])\n"  # made active again: still shown first
        "plt.close(gone)\n"
        "empty = plt.figure(figsize=(4, 4))\n"  # nothing in it: not shown
    )
    result = await editor.eval(uri, code)
    assert figures(result) == ["<Figure size 200x200 with 1 Axes>", "<Figure size 300x300 with 1 Axes>"]


@process_only("figures come from the kernel's own matplotlib backend (test_kernels.py checks it)")
async def test_a_figure_as_the_value_is_its_image_once(editor: Editor) -> None:
    uri = editor.open("plot.py", PLOT)
    result = await editor.eval(uri, "fig, ax = plt.subplots()\nax.plot([1, 2])\nfig")
    assert result["value"]["repr"] == "<Figure size 640x480 with 1 Axes>"
    assert figures(result) == ["<Figure size 640x480 with 1 Axes>"]


@process_only("figures come from the kernel's own matplotlib backend (test_kernels.py checks it)")
async def test_a_figure_value_that_cannot_be_drawn_is_still_the_value(editor: Editor) -> None:
    uri = editor.open("plot.py", PLOT)
    code = "fig, ax = plt.subplots()\nax.set_title(r'$\\nosuchcommand$')\nplt.close(fig)\nfig"
    result = await editor.eval(uri, code)
    assert result["ok"] is True and result["value"]["repr"] == "<Figure size 640x480 with 1 Axes>"
    assert result["display"] == []
    assert result["stderr"].startswith("evalens: the Figure could not be shown: ")


@process_only("figures come from the kernel's own matplotlib backend (test_kernels.py checks it)")
async def test_a_figure_that_cannot_be_drawn_leaves_a_note_and_the_others_are_shown(editor: Editor) -> None:
    uri = editor.open("plot.py", PLOT)
    code = "plt.figure(); plt.title(r'$\\nosuchcommand$')\nplt.figure(figsize=(2, 2)); plt.plot([1]); None"
    result = await editor.eval(uri, code)
    assert figures(result) == ["<Figure size 200x200 with 1 Axes>"]
    assert result["stderr"].startswith("evalens: figure 1 could not be drawn: ValueError: ")


async def test_a_figure_saved_to_a_file_is_still_shown(editor: Editor) -> None:
    uri = editor.open("plot.py", PLOT)
    result = await editor.eval(uri, "import io\nplt.plot([1, 2])\nplt.savefig(io.BytesIO())")
    assert figures(result) == ["<Figure size 640x480 with 1 Axes>"]


@process_only("figures come from the kernel's own matplotlib backend (test_kernels.py checks it)")
async def test_the_figure_format_setting_gives_svg_or_retina(editor: Editor) -> None:
    uri = editor.open("plot.py", PLOT)
    editor.client.workspace_did_change_configuration(
        __import__("lsprotocol.types", fromlist=["x"]).DidChangeConfigurationParams(
            settings={"evalens": {"figureFormat": "retina"}}
        )
    )
    retina = await editor.eval(uri, "plt.plot([1, 2]); None")
    [bundle] = retina["display"]
    assert png_size(bundle["data"]["image/png"]) == (1280, 960)
    assert bundle["metadata"] == {"image/png": {"width": 640, "height": 480}}
    editor.client.workspace_did_change_configuration(
        __import__("lsprotocol.types", fromlist=["x"]).DidChangeConfigurationParams(
            settings={"evalens": {"figureFormat": "svg"}}
        )
    )
    svg = await editor.eval(uri, "plt.plot([1, 2]); None")
    [bundle] = svg["display"]
    assert sorted(bundle["data"]) == ["image/svg+xml", "text/plain"]
    assert bundle["data"]["image/svg+xml"].lstrip().startswith("<?xml")


async def test_the_users_mplbackend_is_left_alone(editor: Editor) -> None:
    uri = editor.open("plot.py", "")
    code = "import os\nos.environ['MPLBACKEND'] = 'agg'\nimport matplotlib\nmatplotlib.get_backend()"
    result = await editor.eval(uri, code)
    assert result["value"]["repr"] == "'agg'"
    assert (await editor.eval(uri, "import matplotlib.pyplot as plt\nplt.plot([1]); None"))["display"] == []


@process_only("matplotlib is imported by the kernel's own inline backend")
async def test_matplotlib_is_not_imported_until_user_code_does(editor: Editor) -> None:
    uri = editor.open("plain.py", "")
    result = await editor.eval(uri, "import sys\n[m for m in sys.modules if m.startswith('matplotlib')]")
    assert result["value"]["repr"] == "[]"
    backend = await editor.eval(uri, "import matplotlib\nmatplotlib.get_backend()")
    assert backend["value"]["repr"] == "'module://_evalens_worker.mplbackend'"


@process_only("ipykernel sends what a thread shows with the request under way as its parent, so it comes with that run")
async def test_a_thread_displaying_between_runs_has_no_uri(editor: Editor) -> None:
    uri = editor.open("rich.py", RICH)
    code = "import evalens, threading\nwake = threading.Event()\nthreading.Thread(target=lambda: (wake.wait(), evalens.display(Dot()))).start()"
    assert (await editor.eval(uri, code))["display"] == []
    await editor.eval(uri, "wake.set()")
    await wait_until(lambda: any(d["uri"] is None for d in editor.displays))
    assert [d["data"]["text/html"] for d in editor.displays if d["uri"] is None] == ["<b>dot</b>"]


# -- limits and hostile display methods -------------------------------------------------------

HOSTILE = (
    "import time\n"
    "class Raises:\n"
    "    def _repr_html_(self):\n"
    "        raise ValueError('no html today')\n"
    "    def _repr_markdown_(self):\n"
    "        return '*still here*'\n"
    "    def __repr__(self):\n"
    "        return 'Raises()'\n"
    "class Wrong:\n"
    "    def _repr_html_(self):\n"
    "        return 42\n"
    "    def _repr_png_(self):\n"
    "        return ['not', 'bytes']\n"
    "    def _repr_json_(self):\n"
    "        return {'nan': float('nan')}\n"
    "class Hangs:\n"
    "    def _repr_html_(self):\n"
    "        while True:\n"
    "            try:\n"
    "                time.sleep(0.01)\n"
    "            except Exception:\n"
    "                pass\n"
    "class Huge:\n"
    "    def _repr_png_(self):\n"
    "        return b'x' * 100_000_000\n"
    "    def __repr__(self):\n"
    "        return 'Huge()'\n"
    "class Liar:\n"
    "    def __getattr__(self, name):\n"
    "        return lambda *a, **k: '<b>anything</b>'\n"
    "    def __repr__(self):\n"
    "        return 'Liar()'\n"
    "class Exits:\n"
    "    def _repr_html_(self):\n"
    "        raise SystemExit(3)\n"
)


async def test_a_method_that_raises_is_left_out_with_a_note(editor: Editor) -> None:
    uri = editor.open("hostile.py", HOSTILE)
    result = await editor.eval(uri, "Raises()")
    assert result["ok"] is True
    assert result["display"] == [{"data": {"text/plain": "Raises()", "text/markdown": "*still here*"}, "metadata": {}}]
    assert result["stderr"] == "evalens: Raises._repr_html_ raised ValueError: no html today; left out\n"
    exits = await editor.eval(uri, "Exits()")
    assert exits["ok"] is True and exits["display"][0]["data"]["text/plain"].startswith("<hostile.Exits object")
    assert exits["stderr"] == "evalens: Exits._repr_html_ raised SystemExit: 3; left out\n"


async def test_methods_returning_the_wrong_type_are_left_out_with_notes(editor: Editor) -> None:
    uri = editor.open("hostile.py", HOSTILE)
    result = await editor.eval(uri, "Wrong()")
    assert list(result["display"][0]["data"]) == ["text/plain"]
    assert result["stderr"].splitlines() == [
        "evalens: Wrong._repr_html_ returned int, not str; left out",
        "evalens: Wrong._repr_png_ returned list, not bytes or str; left out",
        "evalens: Wrong._repr_json_ returned data that is not JSON (NaN or infinity); left out",
    ]


async def test_an_object_that_answers_every_attribute_offers_nothing(editor: Editor) -> None:
    uri = editor.open("hostile.py", HOSTILE)
    result = await editor.eval(uri, "Liar()")
    assert (result["value"]["repr"], result["display"], result["stderr"]) == ("Liar()", [], "")


async def test_a_hanging_method_costs_a_bounded_time_even_if_it_catches_exceptions(editor: Editor) -> None:
    uri = editor.open("hostile.py", HOSTILE)
    started = time.perf_counter()
    result = await editor.eval(uri, "Hangs()")
    assert time.perf_counter() - started < 6
    assert result["ok"] is True
    assert list(result["display"][0]["data"]) == ["text/plain"]
    assert result["stderr"] == "evalens: Hangs: its display methods took longer than 3 s; shown as text\n"
    assert (await editor.eval(uri, "1 + 1"))["value"]["repr"] == "2"


async def test_interrupt_stops_a_hanging_display_method(editor: Editor) -> None:
    uri = editor.open("hostile.py", HOSTILE)
    pending = send_command(
        editor, "evalens.eval", {"uri": uri, "code": "import evalens\nevalens.display(Hangs())"}, "hang"
    )
    await wait_for_state(editor, "busy")
    assert await editor.command("evalens.interrupt", {}) == {"interrupted": True}
    result = await asyncio.wait_for(pending, 5)
    assert result["ok"] is False and result["error"]["type"] == "KeyboardInterrupt"
    again = await editor.eval(uri, "2 + 2")
    assert again["value"] == {"repr": "4", "type": "int"}, again["error"]


async def test_a_100_mb_image_is_dropped_at_the_source_and_the_result_truncated(editor: Editor) -> None:
    uri = editor.open("hostile.py", HOSTILE)
    started = time.perf_counter()
    result = await editor.eval(uri, "Huge()")
    assert time.perf_counter() - started < 10
    assert (result["ok"], result["display"], result["truncated"]) == (True, [], True)
    assert result["value"] == {"repr": "Huge()", "type": "hostile.Huge"}
    assert result["stderr"] == "evalens: Huge: image/png did not fit in limits.displayBytes; not shown\n"
    assert editor.displays == []


async def test_display_bytes_limits_what_one_run_shows(editor: Editor) -> None:
    uri = editor.open("rich.py", RICH)
    editor.client.workspace_did_change_configuration(
        __import__("lsprotocol.types", fromlist=["x"]).DidChangeConfigurationParams(
            settings={"evalens": {"limits": {"displayBytes": 1000}}}
        )
    )
    result = await editor.eval(uri, "import evalens\nfor i in range(20):\n    evalens.display(Dot())")
    kept = len(result["display"])
    assert 0 < kept < 20 and result["truncated"] is True
    assert len(result["stderr"].splitlines()) == 20 - kept
    assert result["stderr"].startswith("evalens: a display (")
    again = await editor.eval(uri, "evalens.display(Dot())")  # the budget is per run
    assert (len(again["display"]), again["truncated"]) == (1, False)


async def test_each_cell_carries_what_it_showed(editor: Editor) -> None:
    cells = "# %% one\nDot()\n# %% two\nx = 1\n# %% three\nimport matplotlib.pyplot as plt\nplt.plot([1]); None\n"
    uri = editor.open("cells.py", "# %% setup\n" + RICH + cells)
    result = await editor.command("evalens.runCell", {"uri": uri, "line": 0, "scope": "all"})
    shown = [[bundle["data"]["text/plain"] for bundle in cell["display"]] for cell in result["cells"]]
    assert shown == [[], ["Dot()"], [], ["<Figure size 640x480 with 1 Axes>"]]
    assert result["display"] == result["cells"][-1]["display"]


async def test_a_backend_the_user_picks_keeps_matplotlib_as_it_was(editor: Editor) -> None:
    uri = editor.open("plot.py", "")
    code = "import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt\nplt.plot([1]); matplotlib.is_interactive()"
    result = await editor.eval(uri, code)
    assert (result["value"]["repr"], result["display"]) == ("False", [])
