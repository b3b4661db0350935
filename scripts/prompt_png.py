#!/usr/bin/env python3
"""Make docs/prompt-<shell>.png: the real prompt in zsh, bash and fish, as a picture.

Each shell runs the demo (`install.sh --demo`: the real helper against a local STS
emulator) inside a private tmux server; after `avs prod` and `aws-whoami` the pane is
captured with its colours (`capture-pane -e`), turned into HTML by the small SGR
converter below, and photographed by headless Chromium.

Run by hand (not in CI): needs tmux, the three shells, chromium (Debian's package) and
a venv with moto (the project's .venv has it):

    .venv/bin/python scripts/prompt_png.py [--shell zsh] [--out docs]
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLS, ROWS = 100, 8
# xterm's 16 colours (the palette most terminals start from).
PALETTE = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
]  # fmt: skip
FG, BG = "#e5e5e5", "#1e1e1e"
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def colour256(n: int) -> str:
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return f"#{steps[n // 36]:02x}{steps[n // 6 % 6]:02x}{steps[n % 6]:02x}"
    v = 8 + (n - 232) * 10
    return f"#{v:02x}{v:02x}{v:02x}"


def ansi_to_html(text: str) -> str:
    """SGR colour and bold codes to <span style=...>; every other escape is dropped."""
    out: list[str] = []
    fg: str | None = None
    bg: str | None = None
    bold = False
    pos = 0

    def emit(chunk: str) -> None:
        chunk = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]", "", chunk)
        if not chunk:
            return
        style = []
        if fg:
            style.append(f"color:{fg}")
        if bg:
            style.append(f"background:{bg}")
        if bold:
            style.append("font-weight:bold")
        text = html.escape(chunk)
        out.append(f'<span style="{";".join(style)}">{text}</span>' if style else text)

    for m in SGR.finditer(text):
        emit(text[pos : m.start()])
        pos = m.end()
        codes = [int(c) if c else 0 for c in m.group(1).split(";")]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                fg, bg, bold = None, None, False
            elif c == 1:
                bold = True
            elif c == 22:
                bold = False
            elif 30 <= c <= 37:
                fg = PALETTE[c - 30]
            elif 90 <= c <= 97:
                fg = PALETTE[c - 90 + 8]
            elif 40 <= c <= 47:
                bg = PALETTE[c - 40]
            elif 100 <= c <= 107:
                bg = PALETTE[c - 100 + 8]
            elif c == 39:
                fg = None
            elif c == 49:
                bg = None
            elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                value = colour256(codes[i + 2])
                fg, bg = (value, bg) if c == 38 else (fg, value)
                i += 2
            elif c in (38, 48) and i + 4 < len(codes) and codes[i + 1] == 2:
                value = "#{:02x}{:02x}{:02x}".format(*codes[i + 2 : i + 5])
                fg, bg = (value, bg) if c == 38 else (fg, value)
                i += 4
            i += 1
    emit(text[pos:])
    return "".join(out)


def page(body: str) -> str:
    return (
        "<!doctype html><meta charset=utf-8><style>"
        f"body{{margin:0;background:{BG}}}"
        f"pre{{margin:0;padding:12px 16px;color:{FG};font:15px/1.35 'DejaVu Sans Mono',monospace}}"
        f"</style><pre>{body}</pre>"
    )


def tmux(sock: str, *args: str, env: dict[str, str] | None = None) -> str:
    argv = ["tmux", "-L", sock, "-f", "/dev/null", *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, check=False).stdout


def wait_for(sock: str, pattern: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux(sock, "capture-pane", "-p", "-t", "demo")
        if re.search(pattern, screen):
            return screen
        time.sleep(0.1)
    sys.exit(f"prompt_png: timed out waiting for {pattern!r}; screen:\n{screen}")


def capture(shell: str, venv: Path, tmp: Path) -> str:
    """The demo in SHELL after `avs prod` and `aws-whoami`, with its colour escapes."""
    sock = f"avault-png-{os.getpid()}-{shell}"
    home = tmp / f"home-{shell}"
    home.mkdir()
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TERM": "xterm-256color",
        "LC_ALL": "C.UTF-8",
        "PYTHON": sys.executable,
        "AVAULT_DEMO_VENV": str(venv),
        "TMPDIR": str(tmp),
    }
    cmd = f"sh {ROOT / 'install.sh'} --demo --shell {shell}"
    size = ["-x", str(COLS), "-y", str(ROWS + 30)]
    tmux(sock, "new-session", "-d", "-s", "demo", *size, cmd, env=env)
    try:
        wait_for(sock, r"avault-demo")
        tmux(sock, "send-keys", "-t", "demo", "clear", "Enter")
        time.sleep(1)
        tmux(sock, "send-keys", "-t", "demo", "avs prod", "Enter")
        wait_for(sock, r"aws:prod\(")
        tmux(sock, "send-keys", "-t", "demo", "aws-whoami", "Enter")
        wait_for(sock, r"assumed-role/ProdReadOnly/")
        time.sleep(1)
        text = tmux(sock, "capture-pane", "-p", "-e", "-t", "demo")
        tmux(sock, "send-keys", "-t", "demo", "exit", "Enter")
        time.sleep(1)
    finally:
        tmux(sock, "kill-server")
    lines = text.rstrip("\n").split("\n")
    while lines and not SGR.sub("", lines[-1]).strip():
        lines.pop()
    return "\n".join(lines[:ROWS])


# Headless Chromium draws the page into the window less about 85 pixels and fills the
# rest with the background: render taller, then keep the top rows of the PNG.
SLACK = 100


def crop_png(png: Path, height: int) -> None:
    """Keep the first HEIGHT rows. PNG row filters refer only to rows above, so a prefix
    of the filtered rows is itself a valid image: no need to decode the pixels."""
    data = png.read_bytes()
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunks.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    ihdr = next(body for kind, body in chunks if kind == b"IHDR")
    width, old_height, depth, colour = struct.unpack(">IIBB", ihdr[:10])
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    stride = 1 + width * channels * depth // 8
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    height = min(height, old_height)
    new_ihdr = struct.pack(">II", width, height) + ihdr[8:]

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    out = data[:8] + chunk(b"IHDR", new_ihdr) + chunk(b"IDAT", zlib.compress(raw[: stride * height], 9))
    png.write_bytes(out + chunk(b"IEND", b""))


def screenshot(html_file: Path, png: Path, rows: int, tmp: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        sys.exit("prompt_png: needs chromium (apt-get install chromium)")
    height = 24 + int(rows * 15 * 1.35) + 4
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={tmp / 'chromium'}",
            f"--screenshot={png}",
            f"--window-size={COLS * 9 + 40},{height + SLACK}",
            html_file.as_uri(),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )
    crop_png(png, height)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shell", action="append", choices=("zsh", "bash", "fish"))
    ap.add_argument("--out", type=Path, default=ROOT / "docs")
    ap.add_argument("--venv", type=Path, default=Path(sys.executable).parent.parent, help="a venv with moto")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="avault-png-") as d:
        tmp = Path(d)
        for shell in args.shell or ["zsh", "bash", "fish"]:
            text = capture(shell, args.venv, tmp)
            html_file = tmp / f"{shell}.html"
            html_file.write_text(page(ansi_to_html(text)))
            png = args.out / f"prompt-{shell}.png"
            screenshot(html_file, png, text.count("\n") + 1, tmp)
            print(f"wrote {png.relative_to(ROOT) if png.is_relative_to(ROOT) else png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
