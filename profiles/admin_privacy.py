"""Admins' data-subject tools on the profile admin: export a contact, a profile list, erase.

A mixin, so the profile admin keeps its own concern (the profile form and the Bot panel).
Every view here is for Admins only (`accounts.roles.is_admin`) and leaves an audit row.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from accounts.audit import record
from accounts.models import AuditAction
from accounts.roles import is_admin
from conversations.models import LogAction
from conversations.services.erasure import erase_contact
from conversations.services.log import log_action
from profiles.exports import contact_export, profile_csv_lines


class PrivacyAdminMixin:
    def _privacy_url_name(self, action: str, *, namespaced: bool = False) -> str:
        name = f"{self.opts.app_label}_{self.opts.model_name}_{action}"
        return f"{self.admin_site.name}:{name}" if namespaced else name

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("export.csv", wrap(self.export_csv), name=self._privacy_url_name("export_csv")),
            path(
                "<path:object_id>/export.json",
                wrap(self.export_json),
                name=self._privacy_url_name("export_json"),
            ),
            path("<path:object_id>/erase/", wrap(self.erase), name=self._privacy_url_name("erase")),
            *super().get_urls(),
        ]

    def privacy_urls(self, request, profile=None) -> dict[str, str]:
        """The links the change form and list show, to Admins only."""
        if not is_admin(request.user):
            return {}
        if profile is None:
            return {"export_csv": reverse(self._privacy_url_name("export_csv", namespaced=True))}
        return {
            action: reverse(self._privacy_url_name(action, namespaced=True), args=[profile.pk])
            for action in ("export_json", "erase")
        }

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "privacy_urls": self.privacy_urls(request)}
        return super().changelist_view(request, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["privacy_urls"] = self.privacy_urls(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _admin_profile(self, request, object_id):
        if not is_admin(request.user):
            raise PermissionDenied
        profile = self.get_object(request, unquote(object_id))
        if profile is None:
            raise Http404("No such profile.")
        return profile

    def export_json(self, request, object_id):
        profile = self._admin_profile(request, object_id)
        document = contact_export(profile)
        log_action(profile.conversation_id, LogAction.EXPORTED, actor=request.user)
        record(
            AuditAction.CONTACT_EXPORTED,
            actor=request.user,
            target=profile.conversation,
            detail=f"{len(document['messages'])} message(s)",
        )
        response = HttpResponse(
            json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="contact-{profile.conversation_id}.json"'
        )
        return response

    def export_csv(self, request):
        """The changelist as filtered on screen (its query string), streamed as CSV."""
        if not is_admin(request.user):
            raise PermissionDenied
        try:
            profiles = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("Unknown filter in the query string.")
        record(
            AuditAction.PROFILES_EXPORTED,
            actor=request.user,
            target_type="profiles.clientprofile",
            detail=f"filters: {request.GET.urlencode() or 'none'}",
        )
        response = StreamingHttpResponse(
            profile_csv_lines(profiles), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="profiles-{stamp}.csv"'
        return response

    def erase(self, request, object_id):
        """GET: what will go and what stays; POST: erase, then back to the profile."""
        profile = self._admin_profile(request, object_id)
        change_url = reverse(self._privacy_url_name("change", namespaced=True), args=[profile.pk])
        if request.method == "POST":
            report = erase_contact(profile.conversation, actor=request.user)
            self.message_user(request, f"Contact erased: {report}.", messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Erase this contact's personal data?",
            "profile": profile,
            "change_url": change_url,
            "message_count": profile.conversation.messages.count(),
        }
        return TemplateResponse(request, "admin/profiles/clientprofile/erase_confirm.html", context)
