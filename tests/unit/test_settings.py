"""Settings parsed and merged: nested and dotted keys, bad values reported, the default interpreter."""

from __future__ import annotations

import sys
from pathlib import Path

from evalens.settings import Limits, Settings, find_interpreter, merge, section_of


def test_nested_and_dotted_keys_merge_and_bad_values_are_reported() -> None:
    settings, problems = merge(Settings(), {"trusted": True, "limits": {"memoryMB": 5}, "limits.reprChars": 7})
    assert settings == Settings(trusted=True, limits=Limits(memory_mb=5, repr_chars=7))
    kept, problems = merge(settings, {"trusted": "yes", "limits.outputBytes": -1, "extraPaths": "x"})
    assert kept == settings
    assert len(problems) == 3 and "evalens.trusted must be true or false" in problems[0]


def test_settings_may_sit_under_an_evalens_key() -> None:
    assert section_of({"evalens": {"trusted": True}}) == {"trusted": True}
    assert section_of({"trusted": True}) == {"trusted": True}
    assert section_of(None) == {}


def fake_python(prefix: Path) -> Path:
    python = prefix / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    return python


def test_workspace_venv_is_the_default_interpreter(tmp_path: Path) -> None:
    assert find_interpreter(Settings(), [str(tmp_path)], {}) == sys.executable
    python = fake_python(tmp_path / ".venv")
    assert find_interpreter(Settings(), [str(tmp_path)], {}) == str(python)
    assert find_interpreter(Settings(interpreter="/usr/bin/python3"), [str(tmp_path)], {}) == "/usr/bin/python3"


def test_the_environment_active_where_the_editor_started_comes_next(tmp_path: Path) -> None:
    conda = fake_python(tmp_path / "conda")
    assert find_interpreter(Settings(), [str(tmp_path)], {"CONDA_PREFIX": str(tmp_path / "conda")}) == str(conda)
    venv = fake_python(tmp_path / "active")
    both = {"CONDA_PREFIX": str(tmp_path / "conda"), "VIRTUAL_ENV": str(tmp_path / "active")}
    assert find_interpreter(Settings(), [str(tmp_path)], both) == str(venv)
    workspace = fake_python(tmp_path / "venv")
    assert find_interpreter(Settings(), [str(tmp_path)], both) == str(workspace)


def test_a_pipx_or_uv_tool_install_runs_user_code_with_python3_from_path(tmp_path: Path) -> None:
    tool = tmp_path / "pipx" / "venvs" / "evalens"
    tool.mkdir(parents=True)
    users = fake_python(tmp_path / "usr")
    (users.parent / "python3").symlink_to(users)
    env = {"PATH": str(users.parent)}
    assert find_interpreter(Settings(), [], env, own_prefix=str(tool)) == sys.executable  # not marked: our own
    (tool / "pipx_metadata.json").write_text("{}")
    assert find_interpreter(Settings(), [], env, own_prefix=str(tool)) == str(users.parent / "python3")
    uv = tmp_path / "uv" / "tools" / "evalens"
    uv.mkdir(parents=True)
    (uv / "uv-receipt.toml").write_text("")
    assert find_interpreter(Settings(), [], env, own_prefix=str(uv)) == str(users.parent / "python3")
    assert find_interpreter(Settings(), [], {"PATH": ""}, own_prefix=str(uv)) == sys.executable


def test_cell_markers_are_regular_expressions_checked_when_set() -> None:
    settings, problems = merge(Settings(), {"cellMarkers": [r"##\s*---", "# COMMAND"]})
    assert (settings.cell_markers, problems) == ((r"##\s*---", "# COMMAND"), [])
    kept, problems = merge(settings, {"cellMarkers": ["(unclosed"]})
    assert kept.cell_markers == (r"##\s*---", "# COMMAND")
    assert problems == [
        "evalens.cellMarkers: '(unclosed' is not a regular expression (missing ), unterminated subpattern at position 0)"
    ]
    assert merge(settings, {"cellMarkers": "# %%"})[1] == [
        "evalens.cellMarkers must be a list of regular expressions, not '# %%'"
    ]
    assert merge(settings, {"cellMarkers": []})[0].cell_markers == ()  # the usual markers again


def test_the_kernel_setting_takes_each_form_and_never_repeats_a_token() -> None:
    from evalens.settings import KernelTarget, parse_kernel

    assert parse_kernel(None) == (None, None)
    assert parse_kernel({"spec": "python3"}) == (KernelTarget(spec="python3"), None)
    assert parse_kernel({"connectionFile": "/run/kernel-1.json"}) == (
        KernelTarget(connection_file="/run/kernel-1.json"),
        None,
    )
    remote, problem = parse_kernel({"url": "https://hub:8888/base/", "token": "s3cret", "id": "k1"})
    assert problem is None and remote == KernelTarget(url="https://hub:8888/base", token="s3cret", id="k1")
    assert remote.shown() == {"url": "https://hub:8888/base", "id": "k1"}
    assert "s3cret" not in repr(remote)
    for wrong in (
        {"spec": ""},
        {"spec": "a", "connectionFile": "b"},
        ["python3"],
        {"url": "https://h", "token": "s3cret", "x": "y"},
    ):
        target, problem = parse_kernel(wrong)
        assert target is None and problem is not None and problem.startswith("evalens.kernel must be null, ")
        assert "s3cret" not in problem


def test_a_server_url_as_jupyter_server_list_prints_it_gives_its_token_and_never_shows_it() -> None:
    from evalens.settings import KernelTarget, parse_kernel

    assert parse_kernel({"url": "http://localhost:8888/?token=abc123"}) == (
        KernelTarget(url="http://localhost:8888", token="abc123"),
        None,
    )
    insecure, _ = parse_kernel({"url": "http://10.0.0.5:8888", "token": "t", "allowInsecure": True})
    assert insecure is not None and insecure.shown() == {"url": "http://10.0.0.5:8888", "allowInsecure": True}
    for wrong in ({"url": "ftp://h/?token=abc123"}, {"url": "http://h/?token=abc123&x=1"}, {"url": "h:8888"}):
        target, problem = parse_kernel(wrong)
        assert target is None and problem is not None and problem.startswith("evalens.kernel: url must be http(s)://")
        assert "abc123" not in problem
    target, problem = parse_kernel({"spec": "python3", "allowInsecure": True})
    assert target is None and problem is not None


def test_only_loopback_or_https_servers_are_used_unless_insecure_is_allowed() -> None:
    from evalens.execution.backends.kernelrest import insecure_problem
    from evalens.settings import KernelTarget

    for url in ("http://127.0.0.1:8888", "http://localhost:8888/base", "http://[::1]:8888", "https://hub.example:443"):
        assert insecure_problem(KernelTarget(url=url)) is None, url
    problem = insecure_problem(KernelTarget(url="http://hub.example:8888"))
    assert problem is not None and problem.startswith("http://hub.example:8888 is neither on this machine nor https")
    assert insecure_problem(KernelTarget(url="http://hub.example:8888", allow_insecure=True)) is None
