"""The OCR engine itself (RapidOCR on onnxruntime): loaded once, fed one image at a time.

Runs inside the worker process (bot/ocr/worker.py), never on the bot's event loop: decoding a
phone photo and reading it take seconds of CPU.
"""

from __future__ import annotations

import io
import math
import os
from functools import cache
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from bot.domain.screen_text import TextLine

MIN_SIDE = 400  # a longer side below this holds no readable screen
# onnxruntime threads; one leaves the other core to the bot, and on a busy two-core machine
# it read faster than two (bench/RESULTS.md). 0 = onnxruntime's default, one per core.
THREADS = int(os.environ.get("BOT_OCR_THREADS", "1"))


class ImageProblem(ValueError):
    """The image cannot be read; the message says why, in Chinese."""


@cache
def engine() -> Any:
    """Return the RapidOCR engine, loading its bundled models on first use."""
    # imported here: it loads OpenCV and onnxruntime, which only the worker needs
    from rapidocr_onnxruntime import RapidOCR

    if THREADS > 0:
        return RapidOCR(intra_op_num_threads=THREADS, inter_op_num_threads=1)
    return RapidOCR()


def prepare(data: bytes, max_side: int) -> tuple[Any, float, tuple[int, int]]:
    """Return the image upright as a BGR array, its scale and its size as seen.

    An image longer than ``max_side`` is scaled down to it; ``scale`` maps the array's pixels
    back to the image's own.
    """
    try:
        with Image.open(io.BytesIO(data)) as opened:
            size = opened.size
            if max(size) < MIN_SIDE:
                raise ImageProblem(f"图片太小（{size[0]}×{size[1]} 像素），看不清账号和时间")
            ratio = max_side / max(size)
            if ratio < 1:
                # a JPEG decodes straight at 1/2, 1/4 or 1/8 of its size, no smaller than
                # asked: a phone photo costs a quarter of the time and memory
                opened.draft("RGB", (math.ceil(size[0] * ratio), math.ceil(size[1] * ratio)))
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except Image.DecompressionBombError:
        raise ImageProblem("图片像素过多，无法识别") from None
    except (UnidentifiedImageError, OSError):
        raise ImageProblem("无法打开图片（不是图片文件，或文件已损坏）") from None
    if (image.width < image.height) != (size[0] < size[1]):
        size = (size[1], size[0])  # turned upright: the size as the photo is seen
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    scale = max(image.size) / max(size)
    return np.asarray(image)[:, :, ::-1].copy(), scale, size


def read_lines(data: bytes, max_side: int) -> tuple[list[TextLine], tuple[int, int]]:
    """Return the lines of text in an image with boxes in its own pixels, and its size."""
    pixels, scale, size = prepare(data, max_side)
    found, _ = engine()(pixels)
    lines = []
    for points, text, score in found or ():
        xs = [p[0] / scale for p in points]
        ys = [p[1] / scale for p in points]
        lines.append(TextLine(str(text), (min(xs), min(ys), max(xs), max(ys)), float(score)))
    return lines, size
