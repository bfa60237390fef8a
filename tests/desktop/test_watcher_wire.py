"""The watcher's own D-Bus wire reader against messages jeepney serialises.

The reader skips values it does not keep by their length, so a mistake in one type
code shifts every later value: these properties pin it for any hint types a program
may send, both byte orders, and any position of the message in the read buffer.
"""

from __future__ import annotations

import struct
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jeepney import DBusAddress, Endianness, new_method_call  # type: ignore[import-untyped]

from focus_app.desktop.watcher import _Reader

NOTIFICATIONS = DBusAddress(
    "/org/freedesktop/Notifications", "org.freedesktop.Notifications",
    "org.freedesktop.Notifications",
)

_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                max_size=40)
_int32 = st.integers(-(2**31), 2**31 - 1)
_variants: st.SearchStrategy[tuple[str, Any]] = st.one_of(
    st.tuples(st.just("s"), _text),
    st.tuples(st.just("y"), st.integers(0, 255)),
    st.tuples(st.just("b"), st.booleans()),
    st.tuples(st.just("n"), st.integers(-(2**15), 2**15 - 1)),
    st.tuples(st.just("i"), _int32),
    st.tuples(st.just("x"), st.integers(-(2**63), 2**63 - 1)),
    st.tuples(st.just("d"), st.floats(allow_nan=False)),
    st.tuples(st.just("as"), st.lists(_text, max_size=4)),
    st.tuples(st.just("ay"), st.binary(max_size=64)),
    st.tuples(st.just("(iiibiiay)"), st.tuples(_int32, _int32, _int32, st.booleans(), _int32,
                                                _int32, st.binary(max_size=64))),
    st.tuples(st.just("(sv)"), st.tuples(_text, st.tuples(st.just("as"),
                                                          st.lists(_text, max_size=3)))),
    st.tuples(st.just("a{sv}"), st.dictionaries(_text, st.tuples(st.just("u"),
                                                st.integers(0, 2**32 - 1)), max_size=3)),
)


@settings(max_examples=300)
@given(
    hints=st.dictionaries(_text, _variants, max_size=6),
    urgency=st.integers(0, 255),
    category=_text,
    actions=st.lists(_text, max_size=4),
    summary=_text,
    body=_text,
    big_endian=st.booleans(),
    offset=st.integers(0, 15),
)
def test_wanted_hints_come_out_right_whatever_else_is_sent(
    hints: dict[str, tuple[str, Any]], urgency: int, category: str, actions: list[str],
    summary: str, body: str, big_endian: bool, offset: int,
) -> None:
    hints = {**hints, "urgency": ("y", urgency), "category": ("s", category)}
    message = new_method_call(
        NOTIFICATIONS, "Notify", "susssasa{sv}i",
        ("App", 7, "icon", summary, body, actions, hints, -1),
    )
    if big_endian:
        message.header.endianness = Endianness.big
    data = bytearray(b"\xff" * offset) + message.serialise(serial=3)
    endian = ">" if big_endian else "<"
    fields_len = struct.unpack_from(endian + "I", data, offset + 12)[0]
    reader = _Reader(data, offset, len(data), endian)

    fields = reader.header_fields(offset + 16 + fields_len)
    assert fields[3] == "Notify" and fields[8] == "susssasa{sv}i"
    assert (reader.text(200), reader.u32(), reader.text(200)) == ("App", 7, "icon")
    assert (reader.text(1000), reader.long_text(1000)) == (summary, (body, 0))
    reader.skip("as")
    found = reader.hints({"urgency", "category"})
    assert found == {"urgency": urgency, "category": (category, 0)}
    reader.skip("i")
    assert reader.pos == len(data)
