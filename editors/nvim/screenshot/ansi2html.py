#!/usr/bin/env python3
"""Convert `tmux capture-pane -e -p` output (SGR escapes) to a standalone HTML page.

Usage: ansi2html.py INPUT.txt OUTPUT.html [--cols N] [--bg #rrggbb] [--fg #rrggbb]
                    [--image FILE --caption TEXT]
With --image, the picture FILE (embedded as it is) follows the screen, under TEXT.
Standard library only.
"""
import argparse
import base64
import html
import mimetypes
import re

BASIC = [
    "#07080d", "#ffc0b9", "#b3f6c0", "#fce094", "#a6dbff", "#ffcaff", "#8cf8f7", "#eef1f8",
    "#4f5258", "#ffc0b9", "#b3f6c0", "#fce094", "#a6dbff", "#ffcaff", "#8cf8f7", "#ffffff",
]


def xterm256(n):
    if n < 16:
        return BASIC[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (v, v, v)


def extended(params, i):
    """Parse 38/48/58 ;5;n or ;2;r;g;b starting at params[i] (the 38). Returns (colour, next i)."""
    if i + 1 < len(params) and params[i + 1] == 5 and i + 2 < len(params):
        return xterm256(params[i + 2]), i + 3
    if i + 1 < len(params) and params[i + 1] == 2 and i + 4 < len(params):
        return "#%02x%02x%02x" % tuple(params[i + 2:i + 5]), i + 5
    return None, len(params)


class State:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = self.bg = self.ul = None
        self.bold = self.italic = self.underline = self.curly = self.reverse = self.strike = False

    def apply(self, raw):
        if raw == "":
            self.reset()
            return
        parts = raw.split(";")
        params = []
        for p in parts:
            if ":" in p:  # e.g. 4:3 (curly underline): keep the style, drop sub-parameters
                main, sub = p.split(":", 1)
                if main == "4":
                    self.underline = sub != "0"
                    self.curly = sub == "3"
                continue
            params.append(int(p) if p else 0)
        i = 0
        while i < len(params):
            p = params[i]
            if p == 0:
                self.reset()
            elif p == 1:
                self.bold = True
            elif p == 3:
                self.italic = True
            elif p == 4:
                self.underline = True
            elif p == 7:
                self.reverse = True
            elif p == 9:
                self.strike = True
            elif p == 22:
                self.bold = False
            elif p == 23:
                self.italic = False
            elif p == 24:
                self.underline = self.curly = False
            elif p == 27:
                self.reverse = False
            elif p == 29:
                self.strike = False
            elif 30 <= p <= 37:
                self.fg = BASIC[p - 30]
            elif 90 <= p <= 97:
                self.fg = BASIC[p - 90 + 8]
            elif 40 <= p <= 47:
                self.bg = BASIC[p - 40]
            elif 100 <= p <= 107:
                self.bg = BASIC[p - 100 + 8]
            elif p == 39:
                self.fg = None
            elif p == 49:
                self.bg = None
            elif p == 59:
                self.ul = None
            elif p in (38, 48, 58):
                colour, i = extended(params, i)
                if p == 38:
                    self.fg = colour
                elif p == 48:
                    self.bg = colour
                else:
                    self.ul = colour
                continue
            i += 1

    def css(self, fg_default, bg_default):
        fg, bg = self.fg or fg_default, self.bg or bg_default
        if self.reverse:
            fg, bg = bg, fg
        out = []
        if fg != fg_default:
            out.append("color:" + fg)
        if bg != bg_default:
            out.append("background:" + bg)
        if self.bold:
            out.append("font-weight:bold")
        if self.italic:
            out.append("font-style:italic")
        deco = []
        if self.underline:
            deco.append("underline")
        if self.strike:
            deco.append("line-through")
        if deco:
            out.append("text-decoration:" + " ".join(deco))
            if self.curly:
                out.append("text-decoration-style:wavy")
            if self.ul:
                out.append("text-decoration-color:" + self.ul)
        return ";".join(out)


ESC = re.compile(r"\x1b\[([0-9;:]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]")


def convert(text, cols, fg, bg):
    state = State()
    rows = []
    for line in text.rstrip("\n").split("\n"):
        spans = []
        pos = 0
        width = 0
        for m in list(ESC.finditer(line)) + [None]:
            chunk = line[pos:m.start()] if m else line[pos:]
            if chunk:
                width += len(chunk)
                style = state.css(fg, bg)
                esc = html.escape(chunk)
                spans.append('<span style="%s">%s</span>' % (style, esc) if style else esc)
            if m is None:
                break
            pos = m.end()
            if m.group(2) == "m":
                state.apply(m.group(1))
        if width < cols:  # capture with -N keeps trailing spaces; pad anything shorter
            spans.append(" " * (cols - width))
        rows.append("".join(spans))  # tmux carries attributes across lines: no reset
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--cols", type=int, default=110)
    ap.add_argument("--fg", default="#e0e2ea")  # Neovim 0.10+ default dark Normal
    ap.add_argument("--bg", default="#14161b")
    ap.add_argument("--font-size", type=int, default=15)
    ap.add_argument("--image", help="a picture to show under the screen, as it is")
    ap.add_argument("--caption", default="", help="the text above that picture")
    args = ap.parse_args()
    figure = ""
    if args.image:
        kind = mimetypes.guess_type(args.image)[0] or "image/png"
        with open(args.image, "rb") as f:
            data = base64.b64encode(f.read()).decode("ascii")
        figure = '<figure><figcaption>{}</figcaption><img src="data:{};base64,{}"></figure>'.format(
            html.escape(args.caption), kind, data
        )
    with open(args.input, encoding="utf-8", errors="replace") as f:
        rows = convert(f.read(), args.cols, args.fg, args.bg)
    page = """<!doctype html>
<html><head><meta charset="utf-8"><style>
html, body {{ margin: 0; background: {bg}; }}
pre {{ margin: 0; padding: 14px 16px; color: {fg}; background: {bg};
      font-family: "DejaVu Sans Mono", "Liberation Mono", monospace;
      font-size: {fs}px; line-height: 1.3; white-space: pre; }}
figure {{ margin: 0; padding: 4px 16px 16px; color: {fg}; background: {bg};
         font-family: "DejaVu Sans", sans-serif; font-size: 14px; text-align: center; }}
figcaption {{ padding: 6px 0 10px; border-top: 1px solid #4f5258; text-align: left; }}
figure img {{ display: block; margin: 0 auto; }}
</style></head><body><pre>{body}</pre>{figure}</body></html>
""".format(bg=args.bg, fg=args.fg, fs=args.font_size, body="\n".join(rows), figure=figure)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(page)


if __name__ == "__main__":
    main()
