"""Stream keys: random, unreadable from the database alone, found by their keyed hash."""

from __future__ import annotations

import pytest

from live import keys, services
from live.models import Channel


def test_keys_are_long_random_and_distinct() -> None:
    made = {keys.generate() for _ in range(200)}
    assert len(made) == 200
    sample = next(iter(made))
    # 192 bits of randomness: 32 URL-safe characters of 6 bits after the prefix.
    assert len(sample) - len(keys.PREFIX) == 32


def test_the_database_holds_no_key_in_clear(user) -> None:
    channel = services.channel_create(owner=user, slug="alice-live", title="Alice")
    key = services.stream_key(channel)
    row = Channel.objects.filter(pk=channel.pk).values().get()
    for value in row.values():
        assert key not in str(value)
    assert keys.decrypt(row["stream_key_encrypted"]) == key
    assert row["stream_key_hash"] == keys.lookup_hash(key)


def test_another_secret_cannot_read_or_find_a_key(user, settings) -> None:
    channel = services.channel_create(owner=user, slug="alice-live", title="Alice")
    key = services.stream_key(channel)
    settings.STREAM_KEY_SECRET = "a different secret held elsewhere"
    with pytest.raises(ValueError, match="STREAM_KEY_SECRET"):
        keys.decrypt(channel.stream_key_encrypted)
    assert keys.lookup_hash(key) != channel.stream_key_hash
    assert not keys.matches(key, channel.stream_key_encrypted)


@pytest.mark.parametrize("value", ["", "x" * (keys.MAX_KEY_CHARS + 1), "live_\x00", "live_é"])
def test_implausible_keys_are_not_worth_hashing(value: str) -> None:
    assert not keys.looks_like_key(value)


def test_matches_compares_against_the_stored_key(user) -> None:
    channel = services.channel_create(owner=user, slug="alice-live", title="Alice")
    key = services.stream_key(channel)
    assert keys.matches(key, channel.stream_key_encrypted)
    assert not keys.matches(
        key[:-1] + ("A" if key[-1] != "A" else "B"), channel.stream_key_encrypted
    )
