"""Draw the sample check-in screenshots (fake 千牛 / 京麦 login lists with a computer clock).

Run from the repository root: ``.venv/bin/python samples/make_samples.py``. The fonts bundled
with most servers have no Chinese glyphs, so the screens are labelled in pinyin.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFont

HERE = Path(__file__).resolve().parent
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SIZE = (1280, 720)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return ImageFont.load_default(size)


def _taskbar(draw: ImageDraw.ImageDraw, clock: str, day: str) -> None:
    """Draw a Windows-like taskbar with the computer clock the lead checks."""
    draw.rectangle((0, 680, 1280, 720), fill=(32, 32, 40))
    draw.rectangle((8, 688, 40, 712), fill=(0, 120, 215))
    draw.text((1130, 684), clock, fill="white", font=_font(16))
    draw.text((1112, 702), day, fill="white", font=_font(12))


def qianniu(clock: str) -> Image.Image:
    """Return a 千牛 workbench: orange title bar, accounts listed with green dots."""
    image = Image.new("RGB", SIZE, (245, 245, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1280, 70), fill=(255, 80, 0))
    draw.text((24, 18), "Qianniu Workbench - logged in accounts", fill="white", font=_font(28))
    accounts = [
        ("Tianmao Qijiandian (TMALL)", "online"),
        ("Taobao C-dian 1", "online"),
        ("Weipinhui Zhuanmai", "online"),
    ]
    for row, (name, state) in enumerate(accounts):
        top = 110 + row * 110
        draw.rounded_rectangle((60, top, 900, top + 90), radius=12, fill="white")
        draw.ellipse((85, top + 30, 115, top + 60), fill=(40, 180, 60))
        draw.text((140, top + 25), name, fill=(30, 30, 30), font=_font(30))
        draw.text((760, top + 30), state, fill=(40, 150, 60), font=_font(24))
    draw.rectangle((940, 110, 1230, 640), fill=(255, 236, 220))
    draw.text((960, 130), "Messages: 0 waiting", fill=(120, 60, 0), font=_font(20))
    _taskbar(draw, clock, "2026/11/24")
    return image


def jingmai(clock: str) -> Image.Image:
    """Return a 京麦 workbench: dark sidebar on the left, account tiles in a grid."""
    image = Image.new("RGB", SIZE, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 220, 680), fill=(40, 44, 52))
    for row in range(6):
        draw.rectangle((30, 40 + row * 90, 190, 100 + row * 90), fill=(70, 76, 90))
    draw.rectangle((220, 0, 1280, 90), fill=(225, 37, 27))
    draw.text((250, 25), "JD Jingmai - shop accounts", fill="white", font=_font(32))
    tiles = ["JD Ziyingdian", "Taobao C-dian 2", "Guanwang Kefu"]
    for col, name in enumerate(tiles):
        left = 260 + col * 330
        draw.rectangle((left, 160, left + 300, 460), outline=(225, 37, 27), width=6)
        draw.text((left + 20, 200), name, fill=(20, 20, 20), font=_font(26))
        draw.rectangle((left + 20, 380, left + 280, 430), fill=(225, 37, 27))
        draw.text((left + 90, 388), "ONLINE", fill="white", font=_font(26))
    _taskbar(draw, clock, "2026/11/24")
    return image


def two_windows(clock: str) -> Image.Image:
    """Return a desktop with a small 千牛 window and a small 京麦 window side by side."""
    image = Image.new("RGB", SIZE, (0, 90, 158))
    draw = ImageDraw.Draw(image)
    windows = [
        (40, (255, 80, 0), "Qianniu", "Taobao C-dian 2"),
        (660, (225, 37, 27), "JD Jingmai", "JD Ziyingdian"),
    ]
    for left, colour, title, account in windows:
        draw.rectangle((left, 60, left + 580, 520), fill="white")
        draw.rectangle((left, 60, left + 580, 110), fill=colour)
        draw.text((left + 20, 72), title, fill="white", font=_font(26))
        draw.ellipse((left + 30, 170, left + 60, 200), fill=(40, 180, 60))
        draw.text((left + 80, 165), account, fill=(30, 30, 30), font=_font(28))
        draw.text((left + 80, 215), "online", fill=(40, 150, 60), font=_font(22))
    _taskbar(draw, clock, "2026/11/24")
    return image


def reused(original: Image.Image) -> Image.Image:
    """Return the 千牛 screenshot re-sent: shrunk, a little brighter, saved again."""
    smaller = original.resize((1200, 675), Image.Resampling.BILINEAR)
    return ImageEnhance.Brightness(smaller).enhance(1.06)


def main() -> None:
    """Write the four samples next to this script."""
    first = qianniu("08:44")
    first.save(HERE / "checkin-qianniu.png", optimize=True)
    jingmai("08:58").save(HERE / "checkin-jingmai.png", optimize=True)
    reused(first).save(HERE / "checkin-reused.png", optimize=True)
    two_windows("08:40").save(HERE / "checkin-two-windows.png", optimize=True)


if __name__ == "__main__":
    main()
