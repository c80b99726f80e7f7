"""Check-in screenshots: perceptual hash (Pillow) and the monthly image archive on disk."""

from __future__ import annotations

import io
import shutil
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, UnidentifiedImageError

HASH_SIZE = 16  # a 16×16 difference hash: 256 bits, 64 hex digits
IMAGES = "images"


def difference_hash(data: bytes) -> str:
    """Return the 16×16 difference hash of an image as hex; raise ValueError if unreadable.

    Grey, shrunk to 17×16, each pixel compared with its right neighbour: re-encoding,
    rescaling or a slight brightness change keep the hash within a few bits.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            small = image.convert("L").resize((HASH_SIZE + 1, HASH_SIZE), Image.Resampling.BOX)
    except (UnidentifiedImageError, OSError) as err:
        raise ValueError(f"无法识别的图片：{err}") from None
    pixels = list(small.getdata())
    bits = 0
    for row in range(HASH_SIZE):
        for col in range(HASH_SIZE):
            left = pixels[row * (HASH_SIZE + 1) + col]
            right = pixels[row * (HASH_SIZE + 1) + col + 1]
            bits = (bits << 1) | (1 if left > right else 0)
    return f"{bits:0{HASH_SIZE * HASH_SIZE // 4}x}"


def save_image(root: Path, day: date, name: str, data: bytes) -> str:
    """Write an image under ``<root>/images/YYYY-MM/``; return its path relative to ``root``."""
    folder = root / IMAGES / f"{day.year:04d}-{day.month:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    tmp = path.with_suffix(path.suffix + ".partial")
    tmp.write_bytes(data)
    tmp.replace(path)
    return str(path.relative_to(root))


def prune_images(root: Path, today: date, keep_days: int) -> int:
    """Delete archived images of check-ins older than ``keep_days``; return how many went."""
    folder = root / IMAGES
    if not folder.exists():
        return 0
    removed = 0
    cutoff = today - timedelta(days=keep_days)
    for month in sorted(folder.iterdir()):
        if not month.is_dir():
            continue
        for image in month.iterdir():
            # the check-in's date leads the name: the simulated clock never touches mtimes
            try:
                day = date.fromisoformat(image.name[:10])
            except ValueError:
                continue
            if day < cutoff:
                image.unlink()
                removed += 1
        if not any(month.iterdir()):
            shutil.rmtree(month, ignore_errors=True)
    return removed


def image_name(day: date, shift: str, work_no: str, unique_id: str, data: bytes) -> str:
    """Return a file name that says whose check-in it was, with the image's own extension."""
    return f"{day.isoformat()}_{shift}_{work_no}_{unique_id}{_extension(data)}"


def _extension(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data.startswith(b"\xff\xd8"):
        return ".jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return ".img"
