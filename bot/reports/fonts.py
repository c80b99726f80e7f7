"""The CJK font of the charts: Noto Sans CJK SC as the ``mplfonts`` package ships it.

Only the font file is used (found without importing mplfonts' code), registered with
matplotlib in each process that draws, so Chinese renders on a machine with no CJK fonts.
"""

from __future__ import annotations

import functools
from importlib.util import find_spec
from pathlib import Path

FONT_PACKAGE = "mplfonts"
FONT_FILE = "NotoSansCJKsc-Regular.otf"


def font_path() -> Path:
    """Return the path of the bundled Noto Sans CJK SC font; raise if it is not installed."""
    spec = find_spec(FONT_PACKAGE)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{FONT_PACKAGE} is not installed (pip install -r requirements.txt)")
    path = Path(spec.origin).parent / "fonts" / FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"{path} is missing from the {FONT_PACKAGE} package")
    return path


@functools.cache
def cjk_font() -> str:
    """Register the bundled font with matplotlib (once per process) and return its name."""
    from matplotlib import font_manager

    path = str(font_path())
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()
