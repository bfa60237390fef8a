"""Digests: one notification that stands for many held ones.

When a focus block ends the held items arrive as one digest ("7 held while you
focused") instead of a flood; while available, pacing folds the overflow into one
summary. The text is plain: escaping markup is the notifier's job.
"""

from __future__ import annotations

from collections.abc import Sequence

from focus_app.core.model import Digest, Mode, Notification

DEFAULT_MAX_GROUPS = 3
"""Senders named in a digest's body before the rest become "and N more"."""

_TITLES = {
    Mode.FOCUS: "{count} held while you focused",
    Mode.OFF: "{count} held during off-time",
    Mode.AVAILABLE: "{count} held for this window",
    Mode.PAUSED: "{count} notifications while you were busy",
}
_DEFAULT_TITLE = "{count} notifications while you were busy"
_PACED_TITLE = "{count} more notifications"
_NO_SENDER = "no sender"


def _one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) made one space."""
    return " ".join(text.split())


def _who(n: Notification) -> str:
    return _one_line(n.sender) or _one_line(n.source)


def summarize_senders(items: Sequence[Notification], max_groups: int = DEFAULT_MAX_GROUPS) -> str:
    """Count ``items`` by sender (else source), most frequent first, capped.

    E.g. "3 from Alice, 2 from CI, 1 from Bob, and 1 more". Names compare
    case-insensitively (the first spelling seen is shown); ties go alphabetically.
    """
    counts: dict[str, int] = {}
    shown: dict[str, str] = {}
    for n in items:
        who = _who(n)
        key = who.casefold()
        counts[key] = counts.get(key, 0) + 1
        shown.setdefault(key, who)
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    parts = [
        f"{counts[k]} from {shown[k]}" if k else f"{counts[k]} with {_NO_SENDER}"
        for k in ranked[: max(max_groups, 1)]
    ]
    rest = sum(counts[k] for k in ranked[max(max_groups, 1) :])
    if rest:
        parts.append(f"and {rest} more")
    return ", ".join(parts)


def _single(n: Notification) -> Digest:
    """A digest of one item looks like the item: who sent it, then what it says."""
    who = _who(n)
    if who:
        title, body = who, (f"{n.title}\n{n.body}" if n.body else n.title)
    else:
        title, body = (_one_line(n.title) or "1 notification"), n.body
    ids = (n.id,) if n.id is not None else ()
    return Digest(title=title, body=body, count=1, notification_ids=ids)


def _digest(items: Sequence[Notification], title_format: str, max_groups: int) -> Digest:
    if not items:
        return Digest(title="Nothing held", body="", count=0)
    if len(items) == 1:
        return _single(items[0])
    return Digest(
        title=title_format.format(count=len(items)),
        body=summarize_senders(items, max_groups),
        count=len(items),
        notification_ids=tuple(n.id for n in items if n.id is not None),
    )


def build_digest(
    items: Sequence[Notification],
    *,
    mode: Mode | None = None,
    max_groups: int = DEFAULT_MAX_GROUPS,
) -> Digest:
    """One notification for the held ``items``, worded for the ``mode`` they were held in.

    Args:
        items: The held notifications, in the order they arrived.
        mode: The mode they were held in (focus: "7 held while you focused"; off:
            "7 held during off-time"; available, where only ``hold`` rules hold:
            "7 held for this window"; otherwise "7 notifications while you were busy").
        max_groups: How many senders the body names before "and N more".

    Returns:
        A digest whose ``notification_ids`` are the ids of the items that have one. A
        single item gives a digest that reads like the item itself; no items give an
        empty digest (count 0) that the caller should not show.
    """
    title_format = _TITLES[mode] if mode is not None else _DEFAULT_TITLE
    return _digest(items, title_format, max_groups)


def build_paced_summary(
    items: Sequence[Notification], *, max_groups: int = DEFAULT_MAX_GROUPS
) -> Digest:
    """One pop-up for the items pacing held back while available: "5 more notifications"."""
    return _digest(items, _PACED_TITLE, max_groups)
