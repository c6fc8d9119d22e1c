"""The profile page's template picker: what it shows, and reading what it posts.

The picker is two forms. A GET form picks the template and holds the variables, so the
page (and its preview) is rendered by the server with exactly those values, also without
JavaScript; a POST form sends them, carrying the previewed values as hidden inputs. With
JavaScript the preview and the hidden values follow the typing at once.
"""

from __future__ import annotations

from django.http import QueryDict

from conversations.models import MessageTemplate
from conversations.selectors.templates import TemplatePickerData, template_picker
from conversations.services.follow_up import profile_value
from conversations.services.outbound import CannotSend
from profiles.completeness import FIELD_LABELS, PROFILE_FIELDS
from profiles.models import ClientProfile

VARIABLE_PREFIX = "var-"


def _variable_values(data: QueryDict) -> dict[str, str]:
    return {
        key.removeprefix(VARIABLE_PREFIX): value
        for key, value in data.items()
        if key.startswith(VARIABLE_PREFIX)
    }


def picker_for(profile: ClientProfile, query: QueryDict) -> TemplatePickerData:
    """The picker as `query` (the GET form) left it; variables default to the profile's values."""
    conversation = profile.conversation
    suggestions = tuple(
        (FIELD_LABELS[field], getattr(profile, field))
        for field in PROFILE_FIELDS
        if getattr(profile, field)
    )
    if conversation.display_name:
        suggestions += (("WhatsApp name", conversation.display_name),)
    return template_picker(
        conversation,
        selected_id=query.get("template") or None,
        values=_variable_values(query),
        suggestions=suggestions,
        prefill=lambda variable: profile_value(variable, conversation, profile),
    )


def parse_template_form(data: QueryDict) -> tuple[MessageTemplate, dict[str, str]]:
    """The template and variable values an agent posted; CannotSend for a missing template."""
    template_id = data.get("template") or ""
    template = (
        MessageTemplate.objects.filter(pk=int(template_id)).first()
        if template_id.isdigit()
        else None
    )
    if template is None:
        raise CannotSend("Pick a template first: the one posted does not exist.")
    return template, _variable_values(data)
