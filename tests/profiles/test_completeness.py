"""A profile is complete exactly when name, last name, company and a valid email are known."""

import pytest

from profiles.completeness import missing_profile_fields
from tests.factories import make_conversation


def test_an_empty_profile_misses_everything_in_asking_order():
    result = missing_profile_fields(name="", last_name=None, company=" ", email="")
    assert result.missing == ("name", "last_name", "company", "email")
    assert result.what_is_missing == "name, last_name, company, email"
    assert not result.is_complete


@pytest.mark.parametrize("email", ["ana@", "not an email", "ana@acme", "@acme.test"])
def test_an_invalid_email_counts_as_missing(email):
    result = missing_profile_fields(name="Ana", last_name="Silva", company="Acme", email=email)
    assert result.missing == ("email",)


def test_a_full_profile_with_a_valid_email_is_complete():
    result = missing_profile_fields(
        name="Ana", last_name="Silva", company="Acme", email="ana@acme.test"
    )
    assert result.is_complete
    assert result.what_is_missing == ""


@pytest.mark.django_db
def test_saving_a_profile_recomputes_its_flags_even_with_update_fields():
    profile = make_conversation().profile
    assert not profile.completion_status
    profile.name, profile.last_name, profile.company = "Ana", "Silva", "Acme"
    profile.email = "ana@acme.test"
    profile.save(update_fields=["name", "last_name", "company", "email"])
    profile.refresh_from_db()
    assert profile.completion_status is True
    assert profile.what_is_missing == ""

    profile.email = "broken@"
    profile.save(update_fields=["email"])
    profile.refresh_from_db()
    assert profile.completion_status is False
    assert profile.what_is_missing == "email"


@pytest.mark.django_db
def test_missing_field_filter_tells_name_from_last_name(client_as):
    from django.urls import reverse

    only_last_name_missing = make_conversation(display_name="Only last").profile
    only_last_name_missing.name, only_last_name_missing.company = "Ana", "Acme"
    only_last_name_missing.email = "ana@acme.test"
    only_last_name_missing.save()
    make_conversation(display_name="Nothing known")

    url = reverse("admin:profiles_clientprofile_changelist")
    client = client_as("agent")
    by_name = client.get(url, {"missing": "name"}).content.decode()
    by_last_name = client.get(url, {"missing": "last_name"}).content.decode()
    # ">Ana<": the profile's link, not any word starting with "Ana" ("Analytics" in the header).
    assert "Nothing known" in by_name and ">Ana<" not in by_name
    assert "Nothing known" in by_last_name and ">Ana<" in by_last_name
