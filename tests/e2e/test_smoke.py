from tests.harness import Editor


async def test_expression_gives_its_value(editor: Editor) -> None:
    uri = editor.open("main.py", "x = 20\n")
    result = await editor.eval(uri, "x * 2 + 2")
    assert result["ok"] is True
    assert result["value"] == {"repr": "42", "type": "int"}
