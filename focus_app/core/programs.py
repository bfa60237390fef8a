"""Other programs' notifications: who sent them and how they become our ``Notification``.

The watcher (``focus_app.desktop.watcher``) catches what programs send to the desktop's
notification service and hands over a ``CaughtNotification``: the raw fields, already
cleaned. This module decides, without any I/O, which *program* it came from (its key),
where the *person* is in it (the sender rule) and what the gate sees
(``to_notification``).

Where the person is, per program (``default_sender_rule``). Chat programs name the
person (or the room) in the summary and put the message in the body; a few put
"Name: text" in the body under a channel title. Mail programs differ: Geary and
Mailspring put the sender's name in the summary and the subject in the body, while
Evolution, KMail and Thunderbird show a count or an account/folder title ("New mail
in Inbox", "3 new messages") that names no single person, so for them the sender stays
empty and the program alone is the source. These defaults are reasoned from what each
program shows on screen, not measured here; the Programs list lets the user change
the rule per program.

Text cleaning: caught text goes through ``focus_app.core.text.clean_text``, the same door
as text that arrives through ``send``, calendars and the command line.
"""

from __future__ import annotations

import enum
import html
import re
from dataclasses import dataclass
from datetime import datetime

from focus_app.core.model import Notification, Urgency
from focus_app.core.text import clean_text

APP_NAME_LIMIT = 200
"""Longest program name kept (characters); longer names are cut."""
SUMMARY_LIMIT = 1_000
"""Longest summary kept (characters)."""
BODY_LIMIT = 64 * 1024
"""Longest body kept (characters), with a note saying how much was cut."""
SENDER_LIMIT = 200
"""Longest sender name kept (characters)."""

UNKNOWN_PROGRAM = "unknown"
"""The program key when a notification names no program at all."""

# A tag is "<" + optional "/" + a letter: "a < b" and "<3" stay text.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*>")
_BREAK_TAGS = frozenset({"br", "p", "div", "li"})
# "Bob: hi" / "@bob: hi": a short name without a newline, a colon, a space.
_BODY_PREFIX = re.compile(r"\A([^\n:]{1,80}?):\s+(.*)\Z", re.DOTALL)
# What chat programs put before the name in a summary ("New message from Bob").
_SUMMARY_PREFIXES = ("new message from ", "message from ", "new messages from ")
_PIDGIN_SUFFIX = " says:"


def strip_markup(text: str) -> str:
    """Plain text from a freedesktop notification body that may carry markup.

    The notification spec allows ``<b> <i> <u> <a href> <img alt>`` in bodies and
    requires ``&amp; &lt; &gt;`` for literal characters, so tags are dropped (line-like
    tags become a newline, ``<img alt="x">`` its alt text) and entities decoded. A "<"
    that does not start a tag ("a < b", "<3") is left as text.
    """
    if "<" not in text and "&" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        name = match.group(2).lower()
        if name == "img":
            alt = re.search(r"""\balt\s*=\s*(["'])(.*?)\1""", match.group(0), re.DOTALL)
            return alt.group(2) if alt else ""
        return "\n" if name in _BREAK_TAGS and (name == "br" or match.group(1)) else ""

    return html.unescape(_TAG.sub(replace, text))


class SenderRule(enum.StrEnum):
    """Where a program puts the person a notification is from."""

    SUMMARY = "summary"
    """Chat style: the summary is the person (or room); the title becomes the body's
    first line, or "Message" when the body is empty."""
    BODY_PREFIX = "body-prefix"
    """Channel style: the body starts with "Name: " ("Bob: hi" → sender Bob); the
    summary (the channel) stays the title."""
    NONE = "none"
    """No person: the sender stays empty and the program alone is the source."""


# Program keys (desktop entry ids, lower-cased, and normalised app names), by kind.
_CHAT_SUMMARY = (
    # Chat: the summary is the person (direct) or the room/channel.
    "slack", "com.slack.slack",
    "signal", "signal-desktop", "org.signal.signal",
    "telegram", "telegram desktop", "telegramdesktop", "org.telegram.desktop",
    "element", "element-desktop", "im.riot.riot",
    "discord", "com.discordapp.discord",
    "microsoft teams", "teams", "teams-for-linux", "com.github.ibonrg.teams-for-linux",
    "com.microsoft.teams",
    "whatsapp", "whatsapp-for-linux", "com.github.eneshecan.whatsappforlinux",
    "whatsapp-desktop-linux", "io.github.mimbrero.whatsappdesktop",
    "rocket.chat", "rocketchat", "chat.rocket.rocketchat",
    "zulip", "org.zulip.zulip",
    "pidgin", "im.pidgin.pidgin",
    "empathy", "polari", "org.gnome.polari",
    "fractal", "org.gnome.fractal",
)
_MAIL_SUMMARY = (
    # Mail that names the sender in the summary and the subject in the body.
    "geary", "org.gnome.geary",
    "mailspring", "com.getmailspring.mailspring",
)
_CHAT_BODY_PREFIX = (
    # Mattermost titles a channel and writes "@bob: text" in the body.
    "mattermost", "mattermost-desktop", "com.mattermost.desktop",
)
_MAIL_NO_PERSON = (
    # Mail alerts that count messages or name a folder, not one person.
    "thunderbird", "mozilla thunderbird", "org.mozilla.thunderbird",
    "net.thunderbird.thunderbird",
    "evolution", "org.gnome.evolution", "evolution-mail-notification",
    "kmail", "kmail2", "org.kde.kmail2", "org.kde.kmail",
)

_DEFAULT_RULES: dict[str, SenderRule] = {}
for _rule, _keys in (
    (SenderRule.SUMMARY, _CHAT_SUMMARY + _MAIL_SUMMARY),
    (SenderRule.BODY_PREFIX, _CHAT_BODY_PREFIX),
    (SenderRule.NONE, _MAIL_NO_PERSON),
):
    for _key in _keys:
        _DEFAULT_RULES[_key] = _rule


class SourceKind(enum.StrEnum):
    """What kind of program a notification comes from (repeat escalation differs by kind)."""

    CHAT = "chat"
    """A person typing: a second message within minutes often means "it is urgent"."""
    MAIL = "mail"
    """Mail arrives in bursts; two from one sender rarely mean urgency."""
    OTHER = "other"
    """Anything else: CI, newsletters, scripts, calendars."""


_KINDS: dict[str, SourceKind] = {
    **{key: SourceKind.CHAT for key in _CHAT_SUMMARY + _CHAT_BODY_PREFIX + (
        "chat", "irc", "hexchat", "weechat", "konversation", "org.kde.konversation",
        "quassel", "dino", "im.dino.dino", "gajim", "org.gajim.gajim", "nheko",
        "io.github.nheko_reborn.nheko", "kdeconnect", "mumble", "skype", "com.skype.client",
        "wire", "com.wire.wireapp", "jami", "net.jami.jami",
    )},
    **{key: SourceKind.MAIL for key in _MAIL_SUMMARY + _MAIL_NO_PERSON + (
        "mail", "email", "e-mail", "mutt", "neomutt", "aerc", "claws-mail", "betterbird",
        "eu.betterbird.betterbird", "kontact", "org.kde.kontact", "sylpheed", "alpine",
        "mailnag", "gmail", "outlook", "protonmail", "proton mail",
    )},
}


def source_kind(program: str, source: str, category: str = "") -> SourceKind:
    """Chat, mail or other, for repeat escalation: by category hint, then program, then name.

    The freedesktop category hint says it when a program gives one (``im.received``,
    ``email.arrived``); otherwise the program key of a caught notification, then the
    source name (``focus-app send --source slack``) are looked up in the same lists
    :func:`default_sender_rule` uses. Unknown programs are ``OTHER``.
    """
    family = category.strip().lower().split(".", 1)[0]
    if family == "im":
        return SourceKind.CHAT
    if family == "email":
        return SourceKind.MAIL
    program = program.lower()
    for candidate in (program, program.rsplit(".", 1)[-1], " ".join(source.split()).casefold()):
        kind = _KINDS.get(candidate)
        if kind is not None:
            return kind
    return SourceKind.OTHER


def program_key(desktop_entry: str, app_name: str) -> str:
    """The stable key of the program that sent a notification.

    The desktop entry id when there is one (the ``desktop-entry`` hint, the GApplication
    id, a Flatpak app id), without a ``.desktop`` suffix; else the app name folded to
    lower case with whitespace collapsed; else ``"unknown"``. Keys are case-insensitive
    because programs are not consistent about case ("Slack" vs "slack").
    """
    entry = clean_text(desktop_entry, APP_NAME_LIMIT, one_line=True)
    entry = entry.removesuffix(".desktop")
    if entry:
        return entry.lower()
    name = clean_text(app_name, APP_NAME_LIMIT, one_line=True).casefold()
    return name or UNKNOWN_PROGRAM


def default_sender_rule(program_key: str, app_name: str) -> SenderRule:
    """Where a program puts the person, for the common chat and mail programs.

    Looks the program up by its key, then by its normalised app name (a program that
    sends no ``desktop-entry`` hint is known by name only). Unknown programs get
    ``NONE``: naming a wrong person is worse than naming none.
    """
    for candidate in (program_key.lower(), program_key.lower().rsplit(".", 1)[-1],
                      " ".join(app_name.split()).casefold()):
        rule = _DEFAULT_RULES.get(candidate)
        if rule is not None:
            return rule
    return SenderRule.NONE


@dataclass(frozen=True)
class CaughtNotification:
    """A notification another program sent to the desktop, as the watcher caught it.

    Every text field is already cleaned (``clean_text``); ``body`` is plain text
    (markup stripped, entities decoded) cut at ``BODY_LIMIT`` with a note.

    Attributes:
        interface: ``"freedesktop"`` (``org.freedesktop.Notifications.Notify``),
            ``"gtk"`` (``org.gtk.Notifications.AddNotification``, GNOME) or ``"portal"``
            (``org.freedesktop.portal.Notification.AddNotification``, Flatpak).
        app_name: The program's name as it gave it (one line, at most 200 characters).
        desktop_entry: The ``desktop-entry`` hint, the GApplication id or the Flatpak
            app id; empty when unknown.
        app_icon: An icon name or path the program gave; empty if none (binary image
            hints are never copied).
        summary: The notification's summary (title), one line.
        body: Plain text.
        urgency: From the ``urgency`` hint or the GNotification priority.
        category: The ``category`` hint (e.g. ``im.received``), else empty.
        replaces_id: The server id this one replaces (freedesktop), else 0.
        caller: The sender's unique bus name (``:1.42``).
        serial: The serial of the sender's call: with ``caller`` it pairs the
            server's reply (``ServerIdKnown``) with this notification.
        gtk_id: The program's own notification id (gtk and portal), else empty.
        received_at: When it was caught (aware, from the injected clock).
        time_sensitive: The program marked it as needing a timely answer (GNotification
            priority ``high`` or ``urgent``: "chat and SMS messages or alarms").
    """

    interface: str
    app_name: str
    desktop_entry: str
    app_icon: str
    summary: str
    body: str
    urgency: Urgency
    category: str
    replaces_id: int
    caller: str
    serial: int
    gtk_id: str
    received_at: datetime
    time_sensitive: bool = False

    @property
    def program_key(self) -> str:
        """The program it came from (see ``program_key``)."""
        return program_key(self.desktop_entry, self.app_name)


def to_notification(
    caught: CaughtNotification, rule: SenderRule, *, display_name: str = ""
) -> Notification:
    """What the gate sees of a caught notification.

    ``source`` is the program's display name (from its ``.desktop`` file, looked up by
    the caller), else its app name, else its key. ``sender``, ``title`` and ``body``
    follow ``rule`` (see ``SenderRule``). ``time_sensitive`` is only what the program
    itself claimed (``caught.time_sensitive``): a category such as ``im.received`` is
    every chat message, so treating it as time-sensitive would let all chat through focus.

    Args:
        caught: As the watcher caught it.
        rule: Where this program puts the person.
        display_name: The program's name from its ``.desktop`` file, if found.
    """
    source = (
        clean_text(display_name, APP_NAME_LIMIT, one_line=True)
        or caught.app_name
        or caught.program_key
    )
    summary, body = caught.summary, caught.body
    sender = ""
    title = summary
    if rule is SenderRule.SUMMARY and summary:
        sender = _person_in_summary(summary)
        title = _first_line(body) or "Message"
    elif rule is SenderRule.BODY_PREFIX:
        match = _BODY_PREFIX.match(body)
        if match:
            sender = match.group(1).strip()
            body = match.group(2)
            title = summary or _first_line(body)
    title = title or _first_line(body) or source or "Notification"
    return Notification(
        title=clean_text(title, SUMMARY_LIMIT, one_line=True),
        received_at=caught.received_at,
        body=body,
        sender=clean_text(sender, SENDER_LIMIT, one_line=True),
        source=source,
        urgency=caught.urgency,
        time_sensitive=caught.time_sensitive,
    )


def _person_in_summary(summary: str) -> str:
    """The name in a chat summary: "New message from Bob" and "Bob says:" give "Bob"."""
    lowered = summary.casefold()
    for prefix in _SUMMARY_PREFIXES:
        if lowered.startswith(prefix) and len(summary) > len(prefix):
            return summary[len(prefix):].strip()
    if summary.endswith(_PIDGIN_SUFFIX) and len(summary) > len(_PIDGIN_SUFFIX):
        return summary[: -len(_PIDGIN_SUFFIX)].strip()
    return summary


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""
