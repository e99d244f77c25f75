"""crm_core.crypto: AES-GCM field encryption with key ids, blind indexes, key settings."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from crm_core.crypto import Keyring, PiiKeyError, keyring_from, new_key, parse_keys


def test_round_trip_is_randomised_and_names_the_key() -> None:
    ring = keyring_from(f"k1:{new_key()}", None, "unused")
    a, b = ring.encrypt("ada@example.com"), ring.encrypt("ada@example.com")
    assert a != b and a.startswith("v1:k1:") and "ada" not in a
    assert ring.decrypt(a) == ring.decrypt(b) == "ada@example.com"
    assert ring.key_id_of(a) == "k1" and ring.key_id_of("plain") is None
    assert ring.decrypt("written before encryption") == "written before encryption"


def test_rotation_keeps_old_values_readable_and_blind_index_stable() -> None:
    old, new = new_key(), new_key()
    before = keyring_from(f"k1:{old}", None, "unused")
    after = keyring_from(f"k2:{new},k1:{old}", None, "unused")
    stored = before.encrypt("+8613800000000")
    assert after.active_id == "k2" and after.decrypt(stored) == "+8613800000000"
    assert after.key_id_of(after.encrypt("x")) == "k2"
    # The index key derives from the oldest listed key: adding a key changes no index.
    assert after.blind_index("a@b.c") == before.blind_index("a@b.c")
    with pytest.raises(PiiKeyError, match="k1"):
        keyring_from(f"k2:{new}", None, "unused").decrypt(stored)


def test_tampered_or_relabelled_ciphertext_is_refused() -> None:
    from cryptography.exceptions import InvalidTag

    k = new_key()
    ring = keyring_from(f"k1:{k},k9:{k}", None, "unused")
    stored = ring.encrypt("secret")
    with pytest.raises(InvalidTag):  # the key id is authenticated data
        ring.decrypt(stored.replace("v1:k1:", "v1:k9:"))


@pytest.mark.parametrize("bad", ["", "nokey", "k1:short", "k-1:" + "A" * 43, "k1:" + "!" * 43])
def test_malformed_key_settings_are_refused(bad: str) -> None:
    with pytest.raises(PiiKeyError):
        parse_keys(bad)


def test_dev_key_file_is_created_0600_and_reused(tmp_path: Path) -> None:
    first = keyring_from(None, None, tmp_path / "var")
    path = tmp_path / "var" / "pii.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = keyring_from(None, None, tmp_path / "var")
    assert isinstance(first, Keyring) and second.decrypt(first.encrypt("x")) == "x"
    assert first.blind_index("x") == second.blind_index("x")
