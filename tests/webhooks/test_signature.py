"""X-Hub-Signature-256 verification against INDEX.md's test vector (whatsapp.md §3)."""

import json

import pytest

from tests.samples import (
    TEST_APP_SECRET,
    index_signatures,
    sample_bytes,
    sample_names,
    signed_headers,
)
from webhooks.signature import compute_signature, signature_matches

INDEX_SIGNATURES = index_signatures()


def test_index_lists_a_signature_for_every_sample_file():
    assert sorted(INDEX_SIGNATURES) == sample_names()


@pytest.mark.parametrize("name", sample_names())
def test_signature_of_sample_bytes_equals_index_vector(name):
    body = sample_bytes(name)
    expected_length, expected_signature = INDEX_SIGNATURES[name]

    assert len(body) == expected_length
    assert compute_signature(body, TEST_APP_SECRET) == expected_signature
    assert signature_matches(body, expected_signature, TEST_APP_SECRET)


@pytest.mark.parametrize("name", sample_names())
def test_flipped_byte_is_rejected(name):
    body = bytearray(sample_bytes(name))
    body[len(body) // 2] ^= 0x01

    assert not signature_matches(bytes(body), INDEX_SIGNATURES[name][1], TEST_APP_SECRET)


@pytest.mark.parametrize("name", sample_names())
def test_signature_made_with_another_secret_is_rejected(name):
    body = sample_bytes(name)
    forged = compute_signature(body, "another_app_secret")

    assert not signature_matches(body, forged, TEST_APP_SECRET)


@pytest.mark.parametrize("name", sample_names())
def test_reserialised_json_does_not_match_the_wire_signature(name):
    reserialised = json.dumps(json.loads(sample_bytes(name))).encode()

    assert not signature_matches(reserialised, INDEX_SIGNATURES[name][1], TEST_APP_SECRET)


def test_header_without_sha256_prefix_is_rejected():
    body = sample_bytes("01_text.json")
    bare_hex = compute_signature(body, TEST_APP_SECRET).removeprefix("sha256=")

    assert not signature_matches(body, bare_hex, TEST_APP_SECRET)


def test_non_ascii_header_is_rejected_without_raising():
    body = sample_bytes("04_text_unicode_emoji_rtl_wire.json")
    forged = "sha256=" + "é" * 64

    assert signature_matches(body, forged, TEST_APP_SECRET) is False


@pytest.mark.parametrize("header", ["", "sha256=", "sha1=abc", None])
def test_empty_or_missing_header_is_rejected(header):
    assert not signature_matches(sample_bytes("01_text.json"), header, TEST_APP_SECRET)


def test_empty_secret_matches_nothing_even_a_correctly_computed_header():
    body = sample_bytes("01_text.json")

    assert not signature_matches(body, compute_signature(body, ""), "")


def test_uppercase_hex_digest_is_rejected_because_meta_sends_lowercase():
    body = sample_bytes("01_text.json")
    upper = "sha256=" + compute_signature(body, TEST_APP_SECRET).removeprefix("sha256=").upper()

    assert not signature_matches(body, upper, TEST_APP_SECRET)


def test_signed_headers_carry_the_index_signature_under_the_django_meta_key():
    body = sample_bytes("01_text.json")

    assert signed_headers(body) == {"HTTP_X_HUB_SIGNATURE_256": INDEX_SIGNATURES["01_text.json"][1]}
