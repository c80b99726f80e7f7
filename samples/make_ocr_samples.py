"""Draw the check-in screenshots that the OCR tests read (Chinese 千牛 / 京麦 windows).

Run from the repository root: ``.venv/bin/python samples/make_ocr_samples.py [--font PATH]``.
Only this script needs a CJK font; the images are committed, so tests never do. Without
``--font`` it uses Noto Sans CJK SC from the ``mplfonts`` wheel, installed once with
``.venv/bin/python -m pip install --no-deps mplfonts==0.0.11`` (--no-deps: matplotlib is not
needed, only the font file). The demo team of config.example.toml is drawn:

- ``ocr-qianniu.png``: 1号 张三's 千牛 at 8:44 on 2026/11/24, 淘宝C店1 set to 挂起;
- ``ocr-retaken.png``: the same screen retaken at 8:52 (the hash cannot tell them apart);
- ``ocr-resent.jpg``: ``ocr-qianniu.png`` saved again as Telegram does, resent a day later;
- ``ocr-jingmai.png``: 2号 李四's 京麦 with 淘宝C店2 and the unassigned 官网客服 at 8:47;
- ``ocr-phone-photo.jpg``: 4000×3000 phone photo of 5号 赵六's monitor at 16:33, at an
  angle, blurred and noisy.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
SIZE = (1280, 720)
TASKBAR = 680
ONLINE, AWAY = "在线", "挂起"


class Fonts:
    """One CJK typeface at the sizes the screens use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cache: dict[int, ImageFont.FreeTypeFont] = {}

    def __call__(self, size: int) -> ImageFont.FreeTypeFont:
        if size not in self._cache:
            self._cache[size] = ImageFont.truetype(str(self.path), size)
        return self._cache[size]


def default_font() -> Path:
    """Return Noto Sans CJK SC from the mplfonts wheel without importing it (no matplotlib)."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            "找不到中文字体：请先 .venv/bin/python -m pip install --no-deps mplfonts==0.0.11，"
            "或用 --font 指定一个 CJK 字体文件"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "fonts/NotoSansCJKsc-Regular.otf"


def taskbar(draw: ImageDraw.ImageDraw, font: Fonts, clock: str, day: str) -> None:
    """Draw a Windows taskbar with the clock and date at the right, as the lead checks them."""
    draw.rectangle((0, TASKBAR, SIZE[0], SIZE[1]), fill=(28, 30, 38))
    draw.rectangle((10, TASKBAR + 8, 34, TASKBAR + 32), fill=(0, 120, 215))
    for i, colour in enumerate(((255, 106, 0), (225, 37, 27), (60, 130, 220))):
        draw.rounded_rectangle(
            (60 + i * 44, TASKBAR + 6, 88 + i * 44, TASKBAR + 34), radius=5, fill=colour
        )
    draw.text((1222, TASKBAR + 11), clock, fill="white", font=font(14), anchor="mm")
    draw.text((1222, TASKBAR + 29), day, fill="white", font=font(13), anchor="mm")


def qianniu(
    font: Fonts, accounts: list[tuple[str, str]], clock: str, day: str, stamp: str
) -> Image.Image:
    """Return a 千牛 workbench: accounts with their state on the left, chats on the right."""
    image = Image.new("RGB", SIZE, (240, 242, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, SIZE[0], 46), fill=(255, 106, 0))
    draw.text((20, 10), "千牛工作台", fill="white", font=font(20))
    draw.text((1080, 13), "接待中心  消息  设置", fill="white", font=font(15))
    draw.rectangle((0, 46, 330, TASKBAR), fill=(250, 250, 250))
    draw.text((20, 62), f"我的账号（{len(accounts)}）", fill=(90, 90, 90), font=font(16))
    for row, (name, state) in enumerate(accounts):
        top = 100 + row * 64
        draw.ellipse((20, top + 6, 56, top + 42), fill=(255, 170, 100))
        draw.text((68, top + 12), name, fill=(30, 30, 30), font=font(17))
        colour = (40, 170, 70) if state == ONLINE else (235, 140, 0)
        draw.ellipse((252, top + 19, 262, top + 29), fill=colour)
        draw.text((268, top + 12), state, fill=colour, font=font(16))
    draw.line((330, 46, 330, TASKBAR), fill=(220, 220, 220), width=2)
    chats = [
        ("小熊爱睡觉", "这款床垫有现货吗？", "08:41"),
        ("tb88231906", "在吗", "08:37"),
        ("阿杰0721", "什么时候发货", "08:12"),
    ]
    for row, (buyer, text, at) in enumerate(chats):
        top = 62 + row * 70
        draw.text((350, top), buyer, fill=(30, 30, 30), font=font(16))
        draw.text((350, top + 28), text, fill=(120, 120, 120), font=font(14))
        draw.text((610, top + 2), at, fill=(150, 150, 150), font=font(13))
    draw.line((660, 46, 660, TASKBAR), fill=(220, 220, 220), width=2)
    draw.text((680, 62), "小熊爱睡觉", fill=(30, 30, 30), font=font(18))
    draw.text((860, 110), stamp, fill=(160, 160, 160), font=font(13))
    draw.rounded_rectangle((680, 140, 1010, 184), radius=8, fill="white")
    draw.text((694, 151), "这款床垫有现货吗？尺寸1.8米的", fill=(30, 30, 30), font=font(15))
    draw.rounded_rectangle((880, 210, 1250, 254), radius=8, fill=(255, 226, 204))
    draw.text((894, 221), "亲，有现货的哦，今天下单明天发", fill=(30, 30, 30), font=font(15))
    draw.rectangle((660, 560, SIZE[0], TASKBAR), fill="white")
    draw.text((680, 575), "输入消息，按回车发送", fill=(190, 190, 190), font=font(14))
    taskbar(draw, font, clock, day)
    return image


def jingmai(font: Fonts, clock: str, day: str) -> Image.Image:
    """Return a 京麦 workbench beside a small 千牛 window and the shop's web chat."""
    image = Image.new("RGB", SIZE, (34, 96, 140))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 860, 600), fill="white")
    draw.rectangle((0, 0, 860, 44), fill=(225, 37, 27))
    draw.text((18, 9), "京麦工作台", fill="white", font=font(20))
    draw.rectangle((0, 44, 150, 600), fill=(44, 48, 58))
    for row, label in enumerate(("咨询", "订单", "售后", "工具")):
        draw.text((48, 80 + row * 60), label, fill=(210, 210, 210), font=font(16))
    draw.text((180, 70), "店铺账号", fill=(90, 90, 90), font=font(17))
    draw.rectangle((180, 110, 480, 330), outline=(225, 37, 27), width=3)
    draw.text((205, 140), "京东自营店", fill=(20, 20, 20), font=font(22))
    draw.text((205, 185), "客服：李四", fill=(110, 110, 110), font=font(15))
    draw.rounded_rectangle((205, 260, 335, 300), radius=6, fill=(40, 170, 70))
    draw.text((248, 268), ONLINE, fill="white", font=font(17))
    draw.text((520, 140), "今日接待 12 人", fill=(90, 90, 90), font=font(16))
    draw.text((520, 180), "平均响应 18 秒", fill=(90, 90, 90), font=font(16))
    draw.rectangle((880, 60, 1260, 300), fill=(250, 250, 250))
    draw.rectangle((880, 60, 1260, 96), fill=(255, 106, 0))
    draw.text((896, 66), "千牛", fill="white", font=font(17))
    draw.text((900, 130), "淘宝C店2:李四", fill=(30, 30, 30), font=font(17))
    draw.ellipse((1150, 137, 1160, 147), fill=(40, 170, 70))
    draw.text((1166, 130), ONLINE, fill=(40, 170, 70), font=font(16))
    draw.rectangle((880, 330, 1260, 560), fill=(250, 250, 250))
    draw.rectangle((880, 330, 1260, 366), fill=(60, 130, 220))
    draw.text((896, 336), "官网在线客服", fill="white", font=font(17))
    draw.text((900, 400), "官网客服", fill=(30, 30, 30), font=font(17))
    draw.text((1166, 400), ONLINE, fill=(40, 170, 70), font=font(16))
    taskbar(draw, font, clock, day)
    return image


def telegram_copy(image: Image.Image) -> Image.Image:
    """Return the screenshot as it comes back when forwarded again: re-encoded as JPEG."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=87)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def _perspective(corners: list[tuple[float, float]], size: tuple[int, int]) -> list[float]:
    """Return PIL's 8 coefficients mapping the photo's pixels back onto the flat screen."""
    width, height = size
    flat = [(0, 0), (width, 0), (width, height), (0, height)]
    rows, rhs = [], []
    for (x, y), (u, v) in zip(corners, flat, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend((u, v))
    return [float(c) for c in np.linalg.solve(np.array(rows), np.array(rhs))]


def phone_photo(screen: Image.Image) -> Image.Image:
    """Return a 4000×3000 photo of a monitor showing ``screen``: angled, soft, noisy."""
    rng = np.random.default_rng(16)
    width, height = 4000, 3000
    screen = screen.resize((2560, 1440), Image.Resampling.BICUBIC)
    # the camera looks at the monitor from the left and a little below
    corners = [(560, 620), (3520, 760), (3460, 2330), (600, 2480)]
    coeffs = _perspective(corners, screen.size)
    warped = screen.transform((width, height), Image.Transform.PERSPECTIVE, coeffs)
    mask = Image.new("L", screen.size, 255).transform(
        (width, height), Image.Transform.PERSPECTIVE, coeffs
    )
    photo = Image.new("RGB", (width, height), (52, 48, 44))
    draw = ImageDraw.Draw(photo)
    draw.polygon([(480, 540), (3610, 680), (3550, 2420), (520, 2580)], fill=(18, 18, 20))
    draw.rectangle((0, 2700, width, height), fill=(120, 96, 70))  # the desk
    photo.paste(warped, (0, 0), mask)
    photo = photo.filter(ImageFilter.GaussianBlur(2.2))
    pixels = np.asarray(photo).astype(np.float32)
    ys, xs = np.mgrid[0:height, 0:width]
    # brighter in the middle, with the faint stripes a camera sees on an LCD
    light = 1.08 - 0.35 * (((xs - 2100) / 2600) ** 2 + ((ys - 1500) / 2000) ** 2)
    stripes = 1 + 0.025 * np.sin((xs * 0.9 + ys * 0.35) / 7.0)
    pixels *= (light * stripes)[..., None]
    pixels += rng.normal(0, 7, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def main() -> None:
    """Write the OCR samples next to this script."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--font", type=Path, default=None, help="CJK font file (.otf/.ttf)")
    font = Fonts(parser.parse_args().font or default_font())
    day = "2026/11/24"
    zhang = [("梦想家床垫旗舰店:张三", ONLINE), ("淘宝C店1:张三", AWAY)]
    first = qianniu(font, zhang, "8:44", day, "2026-11-24 08:41:26")
    first.save(HERE / "ocr-qianniu.png", optimize=True)
    qianniu(font, zhang, "8:52", day, "2026-11-24 08:41:26").save(
        HERE / "ocr-retaken.png", optimize=True
    )
    telegram_copy(first).save(HERE / "ocr-resent.jpg", quality=87)
    jingmai(font, "8:47", day).save(HERE / "ocr-jingmai.png", optimize=True)
    zhao = [
        ("梦想家床垫旗舰店:赵六", ONLINE),
        ("唯品会专卖:赵六", ONLINE),
        ("淘宝C店2:赵六", ONLINE),
    ]
    night = qianniu(font, zhao, "16:33", day, "2026-11-24 16:29:03")
    phone_photo(night).save(HERE / "ocr-phone-photo.jpg", quality=85)


if __name__ == "__main__":
    main()
