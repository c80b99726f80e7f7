"""The orders service without an Application: remarks, ownership, platforms, lists, sales."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.config import Settings, parse_settings
from bot.config.remarks import RemarksSettings
from bot.domain.errors import UserError
from bot.domain.members import Member, Role
from bot.domain.orders import OrderRules, SellerSales, utf8_bytes
from bot.domain.remarks import Colour
from bot.persistence.members import MemberRepo
from bot.persistence.orders import OrderRepo
from bot.persistence.roster import RosterRepo
from bot.persistence.store import Store
from bot.services.container import Services
from bot.services.orders import OrderService
from bot.services.roster import Roster
from bot.wiring import build_services

ROOT = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=TZ)  # a Monday, the day shift is on
ZHANG = Member(100011, "1", "张三")
LI = Member(100012, "2", "李四")
LEAD = Member(100002, "80", "李组长", Role.LEAD)
JD = "123456789012"
TMALL = "3659284710562839471"
RULES = OrderRules(
    formats=(
        ("tmall", re.compile(r"\d{18,19}")),
        ("taobao", re.compile(r"\d{18,19}")),
        ("jd", re.compile(r"\d{11,13}")),
    )
)


def demo_settings() -> Settings:
    raw = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    return parse_settings(raw)


def book_at(root: Path, **options: object) -> OrderService:
    """Return an order service over ``root`` with the test's order-number rules."""
    settings = demo_settings()
    store = Store(root)
    members = MemberRepo(store)
    members.seed(settings.members)
    return OrderService(
        OrderRepo(store, TZ, live_days=30),
        RemarksSettings(rules=RULES, **options),  # type: ignore[arg-type]
        TZ,
        settings.platforms,
        members,
        Roster(settings, members, RosterRepo(store)),
    )


def services_at(root: Path, at: datetime = NOW) -> Services:
    """Return every service of the demo team, wired as the bot wires them."""
    svc, _delivery = build_services(demo_settings(), root, ManualClock(at))
    return svc


def member(svc: Services, work_no: str) -> Member:
    found = svc.members.by_work_no(work_no)
    assert found is not None
    return found


# ---- /remark ---------------------------------------------------------------------------


def test_a_remark_is_stored_in_the_standard_order_for_its_author(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    written = svc.orders.remark(member(svc, "1"), f"{JD} 退5元 发顺丰", NOW)
    assert written.added and written.version.number == 1
    stored = svc.orders.get(JD)
    assert stored is not None and stored.platform == "jd" and stored.seller == "1"
    assert stored.current is not None
    assert stored.current.canonical == "1号客服、发顺丰快递、退还5元钱"


def test_an_agent_cannot_record_a_sale_for_a_colleague(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    with pytest.raises(UserError, match="只有组长可以用 @工号"):
        svc.orders.remark(member(svc, "1"), f"{JD} @3 发顺丰", NOW)
    assert svc.orders.get(JD) is None


def test_an_agent_naming_their_own_work_number_records_their_own_sale(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    written = svc.orders.remark(member(svc, "1"), f"{JD} @1 发顺丰", NOW)
    assert written.version.seller == "1" and written.version.author == "1"


def test_a_lead_records_a_sale_for_another_seller(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    written = svc.orders.remark(member(svc, "80"), f"{JD} 京东 @3 发顺丰", NOW)
    assert written.version.seller == "3" and written.version.seller_name == "王五"
    assert written.version.author == "80"
    assert written.version.canonical == "3号客服、发顺丰快递"


def test_a_lead_naming_an_unknown_or_malformed_seller_is_refused(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    lead = member(svc, "80")
    with pytest.raises(UserError, match="没有工号为 77 的成员"):
        svc.orders.remark(lead, f"{JD} @77 发顺丰", NOW)
    with pytest.raises(UserError, match="工号应为数字"):
        svc.orders.remark(lead, f"{JD} @张三 发顺丰", NOW)
    assert svc.orders.get(JD) is None


def test_a_bad_number_or_empty_content_is_refused_and_nothing_stored(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    agent = member(svc, "1")
    with pytest.raises(UserError, match="不允许的字符"):
        svc.orders.remark(agent, "单号123 发顺丰", NOW)
    with pytest.raises(UserError, match="备注内容不能为空"):
        svc.orders.remark(agent, f"{JD} 京东", NOW)
    assert svc.orders.get(JD) is None


def test_a_platform_word_decides_an_ambiguous_number(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    agent = member(svc, "1")  # off on Mondays: holds no account to tell the two apart
    unknown = svc.orders.remark(agent, f"{TMALL} 标准", NOW)
    assert unknown.order.platform is None
    named = svc.orders.remark(agent, f"{TMALL} 天猫 发顺丰", NOW)
    assert named.order.platform == "tmall" and named.version.number == 2


def test_the_account_an_agent_holds_tells_taobao_from_tmall(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    lead, li = member(svc, "80"), member(svc, "2")
    occurrence = svc.roster.next_occurrence_of(li, NOW)
    assert occurrence is not None
    svc.roster.assign("淘宝C店1", li, occurrence, lead, NOW)
    assert svc.orders.holds(li, "淘宝C店1", NOW)
    written = svc.orders.remark(li, f"{TMALL} 标准", NOW)
    assert written.order.platform == "taobao"


def test_remarking_again_with_the_same_content_stores_nothing_new(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    agent = member(svc, "1")
    svc.orders.remark(agent, f"{JD} 发顺丰", NOW)
    again = svc.orders.remark(agent, f"{JD} 顺丰", NOW + timedelta(minutes=5))
    assert not again.added and again.version.number == 1
    stored = svc.orders.get(JD)
    assert stored is not None and len(stored.versions) == 1


def test_a_remark_queues_no_notification(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    later = NOW + timedelta(days=365)
    before = svc.scheduler.outbox.due(later)  # what start-up queued (the calendar warning)
    svc.orders.remark(member(svc, "1"), f"{JD} 发顺丰", NOW)
    assert svc.scheduler.outbox.due(later) == before


# ---- /order, /remarks, /sales ----------------------------------------------------------


def test_find_cleans_the_number_and_says_when_it_was_never_recorded(tmp_path: Path) -> None:
    svc = services_at(tmp_path)
    assert svc.orders.find(" #ab-123456 ") == ("AB-123456", None)
    svc.orders.remark(member(svc, "1"), f"{JD} 发顺丰", NOW)
    number, found = svc.orders.find(JD)
    assert number == JD and found is not None and found.seller == "1"
    with pytest.raises(UserError, match="例如"):
        svc.orders.find("12")


def test_the_day_list_shows_each_orders_latest_version_and_filters_by_seller(
    tmp_path: Path,
) -> None:
    svc = services_at(tmp_path)
    zhang, li = member(svc, "1"), member(svc, "2")
    svc.orders.remark(zhang, f"{JD} 发顺丰", NOW)
    svc.orders.remark(li, "123456789013 标准", NOW + timedelta(minutes=1))
    svc.orders.remark(zhang, f"{JD} 发圆通", NOW + timedelta(minutes=2))
    today = date(2026, 11, 23)
    listing = svc.orders.day_remarks([], today)
    assert listing.day == today and listing.seller is None
    assert [(n, v.number) for n, v in listing.rows] == [("123456789013", 1), (JD, 2)]
    mine = svc.orders.day_remarks(["2", "今天"], today)
    assert mine.seller == li and [n for n, _ in mine.rows] == ["123456789013"]
    assert svc.orders.day_remarks(["昨天"], today).rows == []


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["张三"], "应为日期"),
        (["77"], "没有工号为 77 的成员"),
        (["今天", "昨天"], "参数太多了"),
        (["1", "2"], "参数太多了"),
    ],
)
def test_a_day_list_with_bad_words_is_refused(
    tmp_path: Path, words: list[str], message: str
) -> None:
    svc = services_at(tmp_path)
    with pytest.raises(UserError, match=message):
        svc.orders.day_remarks(words, date(2026, 11, 23))


def test_sales_per_seller_are_sorted_by_work_number_and_keep_a_removed_sellers_name(
    tmp_path: Path,
) -> None:
    svc = services_at(tmp_path)
    lead = member(svc, "80")
    for number, seller in (("123456789013", "10"), (JD, "2"), ("123456789014", "2")):
        if seller == "10":
            svc.members.save(Member(100099, "10", "孙十"))
        svc.orders.remark(lead, f"{number} @{seller} 标准", NOW)
    svc.members.update(100099, removed=True)  # credited under the name the order recorded
    svc.members.update(100012, name="李小四")  # a member still here shows their name today
    rows = svc.orders.sales_per_seller(date(2026, 11, 1), date(2026, 12, 1))
    assert rows == [SellerSales("2", "李小四", 2), SellerSales("10", "孙十", 1)]
    assert svc.orders.sales_per_seller(date(2026, 12, 1), date(2027, 1, 1)) == []


# ---- storage, limits and dunning (the service over its repository) -------------------


def test_a_second_remark_adds_a_version_and_keeps_the_first(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.write_remark("123456789012", "发顺丰", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    later = NOW + timedelta(hours=1)
    order, version, added = book.write_remark(
        "123456789012", "发顺丰 送小礼品", author=ZHANG, seller=ZHANG, at=later, platform=None
    )
    assert added and version.number == 2
    assert [v.canonical for v in order.versions] == [
        "1号客服、发顺丰快递",
        "1号客服、发顺丰快递、赠送小礼品",
    ]
    assert order.platform == "jd" and order.colour is Colour.YELLOW


def test_an_identical_remark_adds_no_version(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.write_remark("123456789012", "发顺丰", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    order, version, added = book.write_remark(
        "123456789012", "顺丰", author=ZHANG, seller=ZHANG, at=NOW, platform="jd"
    )
    assert not added and len(order.versions) == 1 and version.number == 1


def test_a_remark_over_the_platform_limit_is_refused_with_the_byte_count(tmp_path: Path) -> None:
    book = book_at(tmp_path, max_bytes={"taobao": 60})
    text = "客户要求" + "很" * 20
    size = utf8_bytes("1号客服、" + text)
    with pytest.raises(UserError, match=f"备注共 {size} 字节，超过淘宝备注上限 60 字节"):
        book.write_remark("1" * 18, text, author=ZHANG, seller=ZHANG, at=NOW, platform="taobao")
    assert book.get("1" * 18) is None


def test_dunning_attempts_become_parts_of_the_memo(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.record_dunning("123456789012", "未接电话", LI, NOW)
    book.record_dunning("123456789012", " 已付款 ", LI, NOW + timedelta(minutes=40))
    order, _, _ = book.write_remark(
        "123456789012",
        "标准",
        author=ZHANG,
        seller=ZHANG,
        at=NOW + timedelta(hours=1),
        platform=None,
    )
    assert order.platform == "jd"  # detected from the number when the dunning was recorded
    assert order.memo(TZ) == (
        "1号客服、催付：未接电话（李四 11-23 09:30）、催付：已付款（李四 11-23 10:10）"
    )


def test_a_leads_approval_lands_on_the_orders_history_and_memo(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.write_remark("123456789012", "标准", author=ZHANG, seller=ZHANG, at=NOW, platform=None)
    book.record_note(
        "123456789012", "特批优惠200元（2张，李组长批准）", LEAD, NOW + timedelta(hours=1)
    )
    book.record_dunning("123456789012", "已付款", LI, NOW + timedelta(hours=2))
    order = book_at(tmp_path).get("123456789012")
    assert order is not None and [n.name for n in order.notes] == ["李组长"]
    assert order.updated == NOW + timedelta(hours=2)
    assert order.memo(TZ) == (
        "1号客服、特批优惠200元（2张，李组长批准）（李组长 11-23 10:30）、"
        "催付：已付款（李四 11-23 11:30）"
    )


def test_dunning_needs_a_result_and_a_good_number(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    with pytest.raises(UserError, match="催付结果"):
        book.record_dunning("123456789012", "  ", LI, NOW)
    with pytest.raises(UserError, match="例如"):
        book.record_dunning("12", "已付款", LI, NOW)


def test_history_survives_a_restart_and_old_orders_leave_the_live_file(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.write_remark("123456789012", "发顺丰", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    later = NOW + timedelta(days=40)
    book.write_remark("123456789013", "标准", author=LI, seller=LI, at=later, platform="jd")
    assert book.repo.live_count() == 1  # the November order was pruned from orders.json
    reopened = book_at(tmp_path)
    old = reopened.get("123456789012")
    assert old is not None and old.current is not None
    assert old.current.canonical == "1号客服、发顺丰快递"
    again, version, _ = reopened.write_remark(
        "123456789012", "发圆通", author=ZHANG, seller=ZHANG, at=later, platform=None
    )
    assert version.number == 2 and len(again.versions) == 2


def test_sales_credit_the_current_seller_in_the_month_of_the_first_remark(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.write_remark("123456789012", "标准", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    book.write_remark("123456789013", "标准", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    december = datetime(2026, 12, 2, 10, 0, tzinfo=TZ)
    # a lead corrects the seller in December: the November sale moves to 李四
    book.write_remark("123456789013", "标准", author=LEAD, seller=LI, at=december, platform=None)
    book.write_remark("123456789014", "标准", author=LI, seller=LI, at=december, platform="jd")
    november = book.sales(datetime(2026, 11, 1, tzinfo=TZ), datetime(2026, 12, 1, tzinfo=TZ))
    assert {k: len(v) for k, v in november.items()} == {"1": 1, "2": 1}
    dec = book.sales(datetime(2026, 12, 1, tzinfo=TZ), datetime(2027, 1, 1, tzinfo=TZ))
    assert {k: len(v) for k, v in dec.items()} == {"2": 1}


def test_an_event_the_live_file_missed_in_a_crash_is_restored_at_start(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.write_remark("123456789012", "发顺丰", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    book.write_remark("123456789012", "发圆通", author=ZHANG, seller=ZHANG, at=NOW, platform=None)
    doc = book.repo._live.all()[0]
    # simulate a crash after the archive append but before the live write
    book.repo._live.update({"events": doc["events"][:1]}, doc_ids=[doc.doc_id])
    reopened = book_at(tmp_path)
    order = reopened.get("123456789012")
    assert order is not None and order.current is not None
    assert order.current.canonical == "1号客服、发圆通快递"


# ---- the day totals behind /sales, and archived orders ----------------------------------


def test_sales_totals_follow_every_remark_as_the_full_computation_does(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    november = (datetime(2026, 11, 1, tzinfo=TZ), datetime(2026, 12, 1, tzinfo=TZ))
    book.write_remark("123456789012", "标准", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    book.repo.sales(date(2026, 11, 1), date(2026, 12, 1))  # the first report builds them
    book.write_remark("123456789013", "标准", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    december = datetime(2026, 12, 2, 10, 0, tzinfo=TZ)
    book.write_remark("123456789013", "标准", author=LEAD, seller=LI, at=december, platform=None)
    book.write_remark("123456789014", "标准", author=LI, seller=LI, at=december, platform="jd")
    book.record_dunning("123456789015", "未接电话", LI, december)  # no remark: no sale
    for start, end in (november, (december.replace(day=1, hour=0), datetime(2027, 1, 1))):
        end = end.replace(tzinfo=TZ)
        full = {k: len(v) for k, v in book.sales(start, end).items()}
        totals = book.repo.sales(start.date(), end.date())
        assert {k: t.count for k, t in totals.items()} == full
    assert book.repo.sales(date(2026, 11, 1), date(2026, 12, 1))["2"].seller_name == "李四"
    day = book.repo.sales(NOW.date(), NOW.date() + timedelta(days=1))
    assert {k: t.count for k, t in day.items()} == {"1": 1, "2": 1}


def test_sales_totals_over_an_older_data_folder_are_built_once_from_the_archive(
    tmp_path: Path,
) -> None:
    book = book_at(tmp_path)
    book.write_remark("123456789012", "标准", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    book.write_remark("123456789012", "标准", author=LEAD, seller=LI, at=NOW, platform=None)
    assert not (tmp_path / "sales.json").exists()  # no report yet: the totals are not kept
    reopened = book_at(tmp_path)
    totals = reopened.repo.sales(date(2026, 11, 1), date(2026, 12, 1))
    assert {k: t.count for k, t in totals.items()} == {"2": 1}


def test_an_order_no_longer_live_is_read_from_its_archived_lines_only(tmp_path: Path) -> None:
    book = book_at(tmp_path)
    book.write_remark("123456789012", "发顺丰", author=ZHANG, seller=ZHANG, at=NOW, platform="jd")
    for n in range(30):
        book.write_remark(f"1234567{n:05d}", "标准", author=LI, seller=LI, at=NOW, platform="jd")
    later = NOW + timedelta(days=40)
    book.write_remark("123456789099", "标准", author=LI, seller=LI, at=later, platform="jd")
    reopened = book_at(tmp_path)
    assert reopened.repo.live_count() == 1
    reads: list[list[int]] = []
    original = reopened.repo.store.archive.read_at

    def counted(name: str, month: str, offsets: list[int]) -> list[dict[str, object]]:
        reads.append(offsets)
        return original(name, month, offsets)

    reopened.repo.store.archive.read_at = counted  # type: ignore[method-assign]
    old = reopened.get("123456789012")
    assert old is not None and old.current is not None
    assert old.current.canonical == "1号客服、发顺丰快递"
    assert reads == [[0]]  # one line of one month, not the month's 31 records
