"""Plain text as a person reading a profile (or a CRM importing it) expects it."""

import pytest

from profiles.plain_text import plain_text


@pytest.mark.parametrize(
    ("extracted", "stored"),
    [
        ("<b>Acme</b>", "Acme"),
        ("Acme Labs</b>", "Acme Labs"),
        ("  Ana \x07 Ruiz\n", "Ana Ruiz"),
        ("Acme\u202eLabs", "AcmeLabs"),  # no right-to-left override flipping how it reads
        ("AT&T", "AT&T"),
        ("O'Brien", "O'Brien"),
        ("Big Data: Acme", "Big Data: Acme"),
        ("acme.com", "acme.com"),
        ("<iframe src=javascript:alert(1)>", ""),
        ("<iframe src=javascript:alert(1)", ""),  # unclosed
        ("Acme <script>alert(1)</script>", ""),  # not "Acme alert(1)"
        ("Acme <span onmouseover=alert(1)>Labs</span>", ""),
        ("https://evil.example/login", ""),
        ("JavaScript:alert(1)", ""),
        ("a < b", ""),
    ],
)
def test_a_bot_value_becomes_plain_text_or_nothing(extracted, stored):
    assert plain_text(extracted) == stored
