"""Programs: text cleaning, markup stripping, program keys, sender rules, to_notification."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from focus_app.core.model import Urgency
from focus_app.core.programs import (
    CaughtNotification,
    SenderRule,
    SourceKind,
    default_sender_rule,
    program_key,
    source_kind,
    strip_markup,
    to_notification,
)
from focus_app.core.text import clean_text

T0 = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)


def caught(summary: str = "Bob", body: str = "quick question?", *, app_name: str = "Slack",
           desktop_entry: str = "slack") -> CaughtNotification:
    return CaughtNotification(
        interface="freedesktop", app_name=app_name, desktop_entry=desktop_entry, app_icon="",
        summary=summary, body=body, urgency=Urgency.NORMAL, category="im.received",
        replaces_id=0, caller=":1.9", serial=4, gtk_id="", received_at=T0,
    )


# -- strip_markup -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "plain"),
    [
        ("<b>Lunch</b> &amp; <i>talk</i>", "Lunch & talk"),
        ("a &lt; b and c > d", "a < b and c > d"),
        ("a < b", "a < b"),
        ("I <3 this", "I <3 this"),
        ("one<br/>two<br>three", "one\ntwo\nthree"),
        ('see <a href="https://x.example/?a=1&amp;b=2">the doc</a>', "see the doc"),
        ('<img src="/tmp/p.png" alt="[photo]"/> sent', "[photo] sent"),
        ("&#x1F600; &quot;quoted&quot;", "😀 \"quoted\""),
        ("no markup at all", "no markup at all"),
    ],
)
def test_markup_is_stripped_and_entities_decoded(body: str, plain: str) -> None:
    assert strip_markup(body) == plain


@given(st.text())
def test_strip_markup_never_fails(text: str) -> None:
    strip_markup(text)


# -- program keys and sender rules ------------------------------------------------------


def test_the_program_key_is_the_desktop_entry_else_the_folded_app_name() -> None:
    assert program_key("org.gnome.Fractal.desktop", "Fractal") == "org.gnome.fractal"
    assert program_key("", "  Microsoft   Teams ") == "microsoft teams"
    assert program_key("", "") == "unknown"
    assert program_key("\x00\x01", "Sla\x00ck") == "slack"


@pytest.mark.parametrize(
    ("key", "app_name", "rule"),
    [
        ("slack", "Slack", SenderRule.SUMMARY),
        ("com.slack.Slack", "Slack", SenderRule.SUMMARY),
        ("signal-desktop", "Signal", SenderRule.SUMMARY),
        ("org.telegram.desktop", "Telegram Desktop", SenderRule.SUMMARY),
        ("element", "Element", SenderRule.SUMMARY),
        ("discord", "discord", SenderRule.SUMMARY),
        ("teams-for-linux", "teams-for-linux", SenderRule.SUMMARY),
        ("microsoft teams", "Microsoft Teams", SenderRule.SUMMARY),
        ("whatsapp", "WhatsApp", SenderRule.SUMMARY),
        ("mattermost", "Mattermost", SenderRule.BODY_PREFIX),
        ("rocket.chat", "Rocket.Chat", SenderRule.SUMMARY),
        ("org.zulip.Zulip", "Zulip", SenderRule.SUMMARY),
        ("pidgin", "Pidgin", SenderRule.SUMMARY),
        ("org.gnome.Polari", "Polari", SenderRule.SUMMARY),
        ("org.gnome.Fractal", "Fractal", SenderRule.SUMMARY),
        ("org.gnome.Geary", "Geary", SenderRule.SUMMARY),
        ("mailspring", "Mailspring", SenderRule.SUMMARY),
        ("thunderbird", "Thunderbird", SenderRule.NONE),
        ("org.gnome.Evolution", "Evolution", SenderRule.NONE),
        ("org.kde.kmail2", "KMail", SenderRule.NONE),
        ("unknown", "", SenderRule.NONE),
        ("backup-tool", "Backups", SenderRule.NONE),
    ],
)
def test_default_sender_rules_for_common_chat_and_mail_programs(
    key: str, app_name: str, rule: SenderRule
) -> None:
    assert default_sender_rule(program_key(key, app_name), app_name) is rule


def test_a_program_known_only_by_its_app_name_gets_its_rule() -> None:
    assert default_sender_rule(program_key("", "Slack"), "Slack") is SenderRule.SUMMARY


def test_sender_rule_values_are_the_stored_strings() -> None:
    assert [r.value for r in SenderRule] == ["summary", "body-prefix", "none"]


# -- to_notification ----------------------------------------------------------------------


def test_summary_rule_makes_the_summary_the_sender_and_the_body_the_title() -> None:
    n = to_notification(caught("Bob", "quick question?\nabout lunch"), SenderRule.SUMMARY,
                        display_name="Slack")

    assert (n.sender, n.title, n.source) == ("Bob", "quick question?", "Slack")
    assert n.body == "quick question?\nabout lunch"
    assert n.received_at == T0 and n.urgency is Urgency.NORMAL and not n.time_sensitive


def test_summary_rule_with_an_empty_body_titles_it_message() -> None:
    assert to_notification(caught("Bob", ""), SenderRule.SUMMARY).title == "Message"


@pytest.mark.parametrize(
    ("summary", "sender"),
    [("New message from Bob", "Bob"), ("Bob says:", "Bob"), ("#general", "#general")],
)
def test_summary_rule_takes_the_name_out_of_common_phrasings(summary: str, sender: str) -> None:
    assert to_notification(caught(summary), SenderRule.SUMMARY).sender == sender


def test_body_prefix_rule_takes_the_name_before_the_colon() -> None:
    n = to_notification(caught("Town Square", "@bob: standup in 5"), SenderRule.BODY_PREFIX)

    assert (n.sender, n.title, n.body) == ("@bob", "Town Square", "standup in 5")


def test_body_prefix_rule_without_a_prefix_names_no_sender() -> None:
    n = to_notification(caught("Town Square", "standup in 5"), SenderRule.BODY_PREFIX)

    assert (n.sender, n.title) == ("", "Town Square")


def test_none_rule_keeps_the_summary_as_title_and_names_no_sender() -> None:
    n = to_notification(caught("3 new messages", "Inbox", app_name="Thunderbird",
                               desktop_entry="thunderbird"), SenderRule.NONE)

    assert (n.sender, n.title, n.source) == ("", "3 new messages", "Thunderbird")


def test_source_falls_back_to_the_app_name_then_the_key() -> None:
    assert to_notification(caught(app_name="Slack"), SenderRule.NONE).source == "Slack"
    assert to_notification(caught(app_name="", desktop_entry="org.x.Chat"),
                           SenderRule.NONE).source == "org.x.chat"


def test_time_sensitive_is_only_what_the_program_claimed() -> None:
    chat = caught()
    assert not to_notification(chat, SenderRule.SUMMARY).time_sensitive
    assert to_notification(replace(chat, time_sensitive=True), SenderRule.SUMMARY).time_sensitive


@given(st.text(), st.text(), st.sampled_from(list(SenderRule)))
def test_every_caught_notification_has_a_title(summary: str, body: str, rule: SenderRule) -> None:
    n = to_notification(caught(clean_text(summary, 1000, one_line=True),
                               clean_text(body, 65536)), rule)

    assert n.title
    assert "\n" not in n.title and "\n" not in n.sender


@pytest.mark.parametrize(
    ("program", "source", "category", "kind"),
    [
        ("com.slack.slack", "Slack", "", SourceKind.CHAT),
        ("", "slack", "", SourceKind.CHAT),
        ("org.gnome.geary", "Geary", "", SourceKind.MAIL),
        ("", "Mozilla Thunderbird", "", SourceKind.MAIL),
        ("", "jenkins", "", SourceKind.OTHER),
        ("", "", "", SourceKind.OTHER),
        ("mystery", "Mystery", "email.arrived", SourceKind.MAIL),
        ("mystery", "Mystery", "im", SourceKind.CHAT),
    ],
)
def test_source_kind_comes_from_the_category_then_the_program_then_the_name(
    program: str, source: str, category: str, kind: SourceKind
) -> None:
    assert source_kind(program, source, category) is kind
