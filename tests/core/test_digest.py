"""Digests: one notification standing for many held ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from focus_app.core.digest import build_digest, build_paced_summary, summarize_senders
from focus_app.core.model import Mode, Notification

T0 = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)


def note(
    sender: str = "", source: str = "", *, title: str = "hi", body: str = "", nid: int | None = None
) -> Notification:
    return Notification(
        title=title, received_at=T0, body=body, sender=sender, source=source, id=nid
    )


def seven() -> list[Notification]:
    whos = ["Alice", "CI", "Alice", "Bob", "CI", "Alice", "Dave"]
    return [
        note(w if w != "CI" else "", "CI" if w == "CI" else "", nid=i)
        for i, w in enumerate(whos, 1)
    ]


def test_focus_digest_counts_by_sender_most_frequent_first() -> None:
    d = build_digest(seven(), mode=Mode.FOCUS)
    assert d.title == "7 held while you focused"
    assert d.body == "3 from Alice, 2 from CI, 1 from Bob, and 1 more"
    assert d.count == 7
    assert d.notification_ids == (1, 2, 3, 4, 5, 6, 7)


@pytest.mark.parametrize(
    ("mode", "title"),
    [
        (Mode.OFF, "7 held during off-time"),
        (Mode.AVAILABLE, "7 held for this window"),
        (Mode.PAUSED, "7 notifications while you were busy"),
        (None, "7 notifications while you were busy"),
    ],
)
def test_digest_title_is_worded_per_mode(mode: Mode | None, title: str) -> None:
    assert build_digest(seven(), mode=mode).title == title


def test_paced_summary_has_its_own_wording() -> None:
    d = build_paced_summary(seven()[:5])
    assert d.title == "5 more notifications"
    assert d.body == "2 from Alice, 2 from CI, 1 from Bob"


def test_single_item_reads_like_the_item() -> None:
    d = build_digest([note("Alice", title="Lunch?", body="at noon", nid=9)], mode=Mode.FOCUS)
    assert (d.title, d.body, d.count, d.notification_ids) == ("Alice", "Lunch?\nat noon", 1, (9,))


def test_single_item_without_sender_uses_source_then_title() -> None:
    assert build_digest([note(source="CI", title="green")]).title == "CI"
    d = build_digest([note(title="Reminder", body="stretch")])
    assert (d.title, d.body) == ("Reminder", "stretch")


def test_no_items_give_an_empty_digest() -> None:
    d = build_digest([])
    assert d.count == 0
    assert d.notification_ids == ()


def test_senders_group_case_insensitively_with_first_spelling() -> None:
    body = summarize_senders([note("Alice"), note("alice"), note("ALICE")])
    assert body == "3 from Alice"


def test_ties_are_alphabetical_and_cap_is_adjustable() -> None:
    items = [note(s) for s in ("zed", "amy", "bo", "amy")]
    assert summarize_senders(items, max_groups=2) == "2 from amy, 1 from bo, and 1 more"
    assert build_digest(items, max_groups=5).body == "2 from amy, 1 from bo, 1 from zed"


def test_items_without_sender_or_source_are_counted() -> None:
    assert summarize_senders([note(), note(), note("Bob")]) == "2 with no sender, 1 from Bob"


def test_names_with_newlines_stay_on_one_line() -> None:
    assert summarize_senders([note("Evil\nName"), note("x")]) == "1 from Evil Name, 1 from x"


def test_ids_skip_items_without_one() -> None:
    d = build_digest([note("a", nid=1), note("b"), note("c", nid=3)])
    assert d.notification_ids == (1, 3)


@given(
    st.lists(st.sampled_from(["Alice", "bob", "", "CI", "carol"]), min_size=2, max_size=40),
    st.integers(1, 6),
)
def test_body_counts_add_up_to_the_number_of_items(senders: list[str], cap: int) -> None:
    items = [note(s) for s in senders]
    d = build_digest(items, mode=Mode.FOCUS, max_groups=cap)
    total = 0
    for part in d.body.split(", "):
        word = part.removeprefix("and ").split(" ")[0]
        total += int(word)
    assert total == d.count == len(items)
