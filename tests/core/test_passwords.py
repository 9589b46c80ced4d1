"""Passwords are hashed with argon2id at RFC 9106's low-memory profile in production (the test
suite swaps in a cheap hasher for speed: these tests check the real one)."""

from __future__ import annotations

from argon2 import PasswordHasher, Type, extract_parameters, profiles

from vigil.core import security


def test_the_production_profile_is_rfc_9106_low_memory_argon2id() -> None:
    assert security.PASSWORD_PROFILE == profiles.RFC_9106_LOW_MEMORY
    real = PasswordHasher.from_parameters(security.PASSWORD_PROFILE)
    parameters = extract_parameters(real.hash("correct horse battery"))
    assert parameters.type is Type.ID
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (3, 65536, 4)


def test_a_hash_made_by_the_cheap_test_hasher_verifies_and_asks_for_rehash_in_production(
    monkeypatch,
) -> None:  # type: ignore[no-untyped-def]
    cheap = security.hash_password("a long enough password")
    assert security.verify_password(cheap, "a long enough password")
    assert not security.verify_password(cheap, "another password!!")
    monkeypatch.setattr(
        security, "_hasher", PasswordHasher.from_parameters(security.PASSWORD_PROFILE)
    )
    assert security.verify_password(cheap, "a long enough password")
    assert security.password_needs_rehash(cheap)
    assert not security.password_needs_rehash(security.hash_password("a long enough password"))
