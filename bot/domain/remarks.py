"""Order remarks (订单备注): parse free text into standard parts, order them, pick the flag.

The team's rule (seed 001): a remark lists, in this order, the seller's work number, the
courier, the delay and its reason, gifts and refunds, then anything else, e.g.
``1号客服、发顺丰快递、由于尺码未确认等确定了再发货、赠送小礼品并退还5元钱``; the flag colour
tells the warehouse what is special. Agents type the parts in any order, separated by spaces,
commas or 、; this module puts them in the standard order and derives the colour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from bot.domain.errors import UserError
from bot.domain.text import mask_phones


class Colour(Enum):
    """A flag colour and what it tells the warehouse."""

    # value, seller-flag number on Taobao and Tmall, Chinese name, the team's meaning, emoji
    RED = ("red", 1, "红", "标准单", "🔴")
    YELLOW = ("yellow", 2, "黄", "快递有特殊要求", "🟡")
    GREEN = ("green", 3, "绿", "需要延时发货", "🟢")
    BLUE = ("blue", 4, "蓝", "有赠品、退款信息", "🔵")
    PURPLE = ("purple", 5, "紫", "其他备注信息", "🟣")

    flag_number: int
    word: str  # the one-character name: 红/黄/…
    meaning: str
    emoji: str  # the coloured circle shown in lists

    def __new__(cls, value: str, flag_number: int, word: str, meaning: str, emoji: str) -> Colour:
        """Make a member whose value is the English name, carrying its flag facts."""
        colour = object.__new__(cls)
        colour._value_ = value
        colour.flag_number = flag_number
        colour.word = word
        colour.meaning = meaning
        colour.emoji = emoji
        return colour

    @property
    def badge(self) -> str:
        """Return e.g. ``🟢 绿旗（需要延时发货）``."""
        return f"{self.emoji} {self.word}旗（{self.meaning}）"

    @classmethod
    def parse(cls, text: str) -> Colour | None:
        """Return the colour a token names (红/红色/红旗/插红旗/red…), or None."""
        token = text.strip().lower().lstrip("#")
        try:
            return cls(token)
        except ValueError:
            pass
        match = _COLOUR_TOKEN.match(token)
        if not match:
            return None
        return next(c for c in cls if c.word == match.group(1))


_COLOUR_TOKEN = re.compile(r"^(?:插|标|旗[:：]?)?([红黄绿蓝紫])(?:色)?(?:旗|旗子|旗帜)?$")

# Which part decides the flag when several are present. A delayed order shipped early
# cannot be called back, a wrong courier costs money, a gift is still in the remark text.
DEFAULT_PRECEDENCE: tuple[Colour, ...] = (
    Colour.GREEN,
    Colour.YELLOW,
    Colour.BLUE,
    Colour.PURPLE,
)

DEFAULT_COURIERS: tuple[str, ...] = (
    "顺丰",
    "圆通",
    "中通",
    "申通",
    "韵达",
    "EMS",
    "京东",
    "邮政",
    "百世",
    "极兔",
    "德邦",
    "天天",
    "宅急送",
    "日日顺",
)

# Words that mean "a standard order, nothing special" (红旗 with the work number only).
_STANDARD = {"标准", "标准单", "正常", "正常发货", "无", "无备注", "无特殊", "无特殊要求"}

# Separators between parts. 并 joins two benefits (赠送小礼品并退还5元钱) but not 合并.
_SEPARATORS = re.compile(r"[、，,；;。！!\s|]+|并且|(?<!合)并(?!不)|另外|还有")
_AND = ("并", "并且")
_OPEN, _CLOSE = "(（[【", ")）]】"

_DELAY = re.compile(
    r"延迟|延时|延期|推迟|暂缓|缓发|晚发|晚点发|晚几天|先别发|先不发|暂不发|暂时不发|预售|"
    r"等.+?(?:再|后|才)发|(?:到|过).+?(?:再|后|才)发|\d+\s*(?:号|日)(?:后|以后)?(?:再)?发|"
    r"\d+\s*(?:天|日)(?:内|后|以后|之后)发"
)
_REASON_LEAD = re.compile(r"^(?:由于|因为|原因[:：是]?)")
_AMOUNT = re.compile(
    r"(退还|退款|退差价|退|返现|返还|返|补偿|补贴)\s*(\d+(?:\.\d+)?)\s*(?:元钱|元|块钱|块|rmb)?",
    re.IGNORECASE,
)
_REFUND_WORDS = re.compile(r"退款|退差价|返现|补偿")
_RETURN_WORDS = re.compile(r"退货|退换|换货|退回|拒收")
_GIFT = re.compile(r"赠|礼品|(?<![配递运])送(?!货|到|达|上门|至|去|过去)")
_GIFT_LEAD = re.compile(r"^(?:额外|另|加|再|多)?(?:赠送|赠品[:：]?|赠|送)")
_NEGATIVE = re.compile(r"不要|不发|别发|勿发|不用|不走|不能发|禁发")


@dataclass
class Remark:
    """A remark split into the standard parts, with its flag colour."""

    couriers: list[str] = field(default_factory=list)
    delays: list[str] = field(default_factory=list)
    benefits: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    explicit: Colour | None = None
    derived: Colour = Colour.RED

    @property
    def colour(self) -> Colour:
        """Return the flag: the one the agent gave, else the derived one."""
        return self.explicit or self.derived

    def body(self) -> list[str]:
        """Return the parts after the work number, in the standard order."""
        parts = []
        if self.couriers:
            parts.append("，".join(self.couriers))
        if self.delays:
            parts.append("，".join(self.delays))
        if self.benefits:
            parts.append("并".join(self.benefits))
        parts.extend(self.others)
        return parts

    def canonical(self, seller_label: str) -> str:
        """Return the remark as pasted into the platform, e.g. ``1号客服、发顺丰快递``."""
        return "、".join([seller_label, *self.body()])

    def to_doc(self) -> dict[str, object]:
        """Return the parts as stored."""
        return {
            "couriers": list(self.couriers),
            "delays": list(self.delays),
            "benefits": list(self.benefits),
            "others": list(self.others),
            "explicit": self.explicit.value if self.explicit else None,
            "derived": self.derived.value,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, object]) -> Remark:
        """Read the stored parts back."""
        explicit = doc.get("explicit")
        return cls(
            couriers=list(doc.get("couriers") or []),  # type: ignore[call-overload]
            delays=list(doc.get("delays") or []),  # type: ignore[call-overload]
            benefits=list(doc.get("benefits") or []),  # type: ignore[call-overload]
            others=list(doc.get("others") or []),  # type: ignore[call-overload]
            explicit=Colour(explicit) if explicit else None,
            derived=Colour(str(doc.get("derived") or "red")),
        )


def seller_label(work_no: str, template: str = "{work_no}号客服") -> str:
    """Return the seller's tag the ERP reads for commission, e.g. ``1号客服``."""
    return template.format(work_no=work_no)


def parse_remark(
    text: str,
    couriers: tuple[str, ...] = DEFAULT_COURIERS,
    precedence: tuple[Colour, ...] = DEFAULT_PRECEDENCE,
) -> Remark:
    """Split free text into courier, delay, gift/refund and other parts; raise UserError."""
    remark = Remark()
    kinds: list[tuple[str, str]] = []
    before = ""  # the separator between the previous clause and this one
    for clause, after in _clauses(text):
        joined_by, before = before, after
        colour = Colour.parse(clause)
        if colour is not None:
            if remark.explicit is not None and remark.explicit is not colour:
                raise UserError(
                    f"只能指定一种旗帜颜色，您写了「{remark.explicit.word}」和「{colour.word}」。"
                )
            remark.explicit = colour
            continue
        if clause in _STANDARD:
            continue
        found = _classify(clause, couriers)
        glue = " " if joined_by.isspace() else joined_by if joined_by in _AND else None
        if glue is not None and kinds and kinds[-1][0] == "others" == found[0][0]:
            # "尺码 180*200 厚度20cm" and "核对地址并电话确认" are one note each: 并 splits
            # only parts of different kinds (赠品并退款 is rejoined with 并 by ``body``)
            kinds[-1] = ("others", f"{kinds[-1][1]}{glue}{found.pop(0)[1]}")
        kinds.extend(found)
    kinds = _attach_reasons(kinds)
    for kind, part in kinds:
        getattr(remark, kind).append(part)
    if not kinds and remark.explicit is None and not text.strip():
        raise UserError("备注内容不能为空。")
    remark.derived = derive_colour(remark, precedence)
    return remark


def derive_colour(remark: Remark, precedence: tuple[Colour, ...] = DEFAULT_PRECEDENCE) -> Colour:
    """Return the flag the parts call for: the first present in ``precedence``, else red."""
    present = {
        Colour.YELLOW: bool(remark.couriers),
        Colour.GREEN: bool(remark.delays),
        Colour.BLUE: bool(remark.benefits),
        Colour.PURPLE: bool(remark.others),
    }
    return next((c for c in precedence if present.get(c)), Colour.RED)


def _clauses(text: str) -> list[tuple[str, str]]:
    """Split at separators outside brackets, so ``(需先填写单号，再发)`` stays whole.

    Each clause comes with the separator after it ("" at the end).
    """
    groups: list[str] = []
    outside = ""
    depth = 0
    for char in text.strip():
        if char in _OPEN:
            if depth == 0:
                groups.append("")
                outside += f"\x00{len(groups) - 1}\x00"
            depth += 1
        if depth:
            groups[-1] += char
        else:
            outside += char
        if char in _CLOSE and depth:
            depth -= 1
    restore = re.compile(r"\x00(\d+)\x00")
    result: list[tuple[str, str]] = []
    position = 0
    for match in [*_SEPARATORS.finditer(outside), None]:
        end = match.start() if match else len(outside)
        piece = outside[position:end].strip()
        separator = match.group() if match is not None else ""
        if piece:
            result.append((restore.sub(lambda m: groups[int(m.group(1))], piece), separator))
        elif match is not None and result and not separator.isspace():
            result[-1] = (result[-1][0], "，")
        if match:
            position = match.end()
    return result


def _classify(clause: str, couriers: tuple[str, ...]) -> list[tuple[str, str]]:
    """Return the (kind, canonical text) of one clause; a courier clause may carry a tail."""
    courier = _find_courier(clause, couriers)
    if courier is not None:
        head, tail = _split_courier_tail(clause, courier)
        if tail and (_DELAY.search(tail) or _benefit(tail) is not None):
            return [*_classify(head, couriers), *_classify(tail, couriers)]
    if _DELAY.search(clause) and not _RETURN_WORDS.search(clause):
        return [("delays", _delay(clause))]
    benefit = _benefit(clause)
    if benefit is not None:
        return [("benefits", benefit)]
    if courier is not None:
        return [("couriers", _courier(clause, courier))]
    if _REASON_LEAD.match(clause):
        return [("reason", _REASON_LEAD.sub("", clause))]
    return [("others", clause)]


def _find_courier(clause: str, couriers: tuple[str, ...]) -> str | None:
    lowered = clause.lower()
    for name in couriers:
        if name.lower() in lowered:
            return name
    return None


def _split_courier_tail(clause: str, courier: str) -> tuple[str, str]:
    """Split ``发顺丰送小礼品`` into ``发顺丰`` and ``送小礼品``."""
    start = clause.lower().index(courier.lower())
    end = start + len(courier)
    for suffix in ("快递", "物流", "速运", "速递", "包邮"):
        if clause[end:].startswith(suffix):
            end += len(suffix)
            break
    if start > 0 and not re.fullmatch(r"(?:发|走|用|寄|指定|要|要求|只发)+", clause[:start]):
        return clause, ""
    return clause[:end], clause[end:]


def _courier(clause: str, courier: str) -> str:
    """Return ``发顺丰快递`` (or ``不发韵达快递``), keeping extra words in brackets."""
    start = clause.lower().index(courier.lower())
    before, after = clause[:start], clause[start + len(courier) :]
    negative = bool(_NEGATIVE.search(before))
    leftover = _NEGATIVE.sub("", before)
    leftover = re.sub(r"^(?:发|走|用|寄|指定|要求|要|只发)+", "", leftover)
    after = re.sub(r"^(?:快递|物流|速运|速递)", "", after)
    extra = (leftover + after).strip("：: ")
    text = f"{'不发' if negative else '发'}{courier}快递"
    return f"{text}（{extra}）" if extra else text


def _delay(clause: str) -> str:
    """Return the delay with a normalised ending: ``等…再发`` → ``等…再发货``."""
    body, tail = _split_bracket_tail(clause)
    if _REASON_LEAD.match(body):
        body = "由于" + _REASON_LEAD.sub("", body)
    if re.search(r"(?:再|后|才|晚|缓|点)发$", body):
        body += "货"
    elif re.search(r"(?:延迟|延时|延期|推迟|暂缓)$", body):
        body += "发货"
    return body + tail


def _split_bracket_tail(clause: str) -> tuple[str, str]:
    match = re.search(r"[(（【\[][^()（）【】\[\]]*[)）】\]]$", clause)
    if match:
        return clause[: match.start()], clause[match.start() :]
    return clause, ""


def _benefit(clause: str) -> str | None:
    """Return a gift or refund in the standard words, or None when the clause is neither."""
    amount = _AMOUNT.search(clause)
    if amount and not (_RETURN_WORDS.search(clause) and amount.group(1) == "退"):
        verb, value = amount.group(1), amount.group(2)
        core = f"返现{value}元" if verb.startswith("返") else f"退还{value}元钱"
        if verb in ("补偿", "补贴", "退差价"):
            core = f"{verb}{value}元"
        before = clause[: amount.start()].strip()
        after = clause[amount.end() :].strip("：: ")
        return f"{before}{core}" + (f"（{after}）" if after else "")
    if amount is not None or _RETURN_WORDS.search(clause):
        return None  # 退货 / 退换: a return is not money back, so not a blue flag
    if _REFUND_WORDS.search(clause):
        return clause
    if _GIFT.search(clause):
        item = _GIFT_LEAD.sub("", clause).strip("：: ")
        return f"赠送{item}" if item else "赠送小礼品"
    return None


def _attach_reasons(kinds: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Join reasons (由于…, or the clause right before a delay) to the delay they explain."""
    reasons = [text for kind, text in kinds if kind == "reason"]
    result: list[tuple[str, str]] = []
    for kind, text in kinds:
        if kind == "reason":
            continue
        if kind == "delays" and not text.startswith("由于"):
            if not reasons and result and result[-1][0] == "others" and _takes_reason(text):
                reasons.append(result.pop()[1])
            if reasons:
                text = f"由于{'，'.join(reasons)}{text}"
                reasons = []
        result.append((kind, text))
    result.extend(("others", f"由于{reason}") for reason in reasons)
    return result


_BARE_DELAY = re.compile(r"^(?:延迟|延时|延期|推迟|暂缓|晚点?|缓)发货?$")


def _takes_reason(delay: str) -> bool:
    """Whether a delay reads as the second half of a sentence (尺码未确认，等确定了再发)."""
    return delay.startswith("等") or bool(_BARE_DELAY.match(delay))


# Addresses: a part naming a province/city/district and then a number with a building word.
_ADDRESS = re.compile(
    r"((?:[\u4e00-\u9fff]{1,8}?(?:省|自治区|市|区|县|镇|乡|街道))+)"
    r"([\u4e00-\u9fffA-Za-z0-9\-#－]*?\d+[\u4e00-\u9fffA-Za-z0-9\-#－]*)"
)
_ADDRESS_DETAIL = re.compile(r"\d+\s*(?:号|栋|幢|单元|室|楼|弄|巷|组|排)")
_ADDRESS_LABEL = re.compile(
    r"((?:收货|收件|配送|新|改)?地址(?:改为|改成|为|是)?[:：]?)([^、，,；;]+)"
)


def mask_customer_data(text: str) -> str:
    """Hide phone numbers and the street part of addresses, for anything posted to a group."""
    text = mask_phones(text)
    text = _ADDRESS_LABEL.sub(lambda m: f"{m.group(1)}{_mask_address(m.group(2))}", text)
    return _ADDRESS.sub(_mask_region_match, text)


def _mask_address(value: str) -> str:
    region = _ADDRESS.match(value)
    if region and _ADDRESS_DETAIL.search(region.group(2)):
        return f"{region.group(1)}****{value[region.end() :]}"
    if "****" in value:
        return value
    return "****"


def _mask_region_match(match: re.Match[str]) -> str:
    if not _ADDRESS_DETAIL.search(match.group(2)):
        return match.group(0)
    return f"{match.group(1)}****"
