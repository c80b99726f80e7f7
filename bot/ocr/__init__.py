"""Reading check-in screenshots (OCR) in a worker process, off the bot's event loop."""

from bot.ocr.reader import OcrResult, ScreenReader

__all__ = ["OcrResult", "ScreenReader"]
