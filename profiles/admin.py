from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from conversations.admin import render_thread, staff_name
from conversations.admin.conversation import AssignedFilter
from conversations.models import ConversationLog, HandoffState
from conversations.selectors import window_closes_at, within_customer_service_window
from conversations.selectors.dashboard import assignable_staff
from conversations.services.agent import (
    CannotSend,
    approve_draft,
    discard_draft,
    draft_created_at_token,
    hand_back_to_bot,
    parse_draft_token,
    send_agent_media,
    send_agent_reply,
    send_agent_template,
    set_blocked,
    set_handoff_state,
    set_manual_mode,
)
from conversations.services.assignment import assign_conversation
from conversations.services.live import latest_event_id
from conversations.services.outbound import WINDOW_CLOSED_TITLE
from profiles.admin_panel import BotPanel, assignment_panel, who_answers
from profiles.admin_privacy import PrivacyAdminMixin
from profiles.admin_templates import parse_template_form, picker_for
from profiles.completeness import (
    FIELD_LABELS,
    PROFILE_FIELDS,
    missing_field_regex,
    stored_labels,
)
from profiles.models import ClientProfile
from profiles.services import confirm_bot_fields, record_agent_field_changes

# How much of the conversation's trail the profile page shows; the rest is one click away.
RECENT_LOG_ROWS = 20

# The panel's buttons: URL suffix, URL name suffix. Each POSTs to its own admin view.
PANEL_ACTIONS = {
    "manual_on": "bot/manual-on/",
    "hand_back": "bot/hand-back/",
    "pause": "bot/pause/",
    "approve_draft": "bot/draft/approve/",
    "discard_draft": "bot/draft/discard/",
    "reply": "bot/reply/",
    "send_template": "bot/template/send/",
    "block": "bot/block/",
    "unblock": "bot/unblock/",
    "send_media": "bot/media/send/",
    "assign": "bot/assign/",
}


class ProfileAssignedFilter(AssignedFilter):
    field = "conversation__assigned_to"


class MissingFieldFilter(admin.SimpleListFilter):
    """ "Missing: email" and friends, the way agents pick which leads to chase."""

    title = "missing field"
    parameter_name = "missing"

    def lookups(self, request, model_admin):
        return [(field, FIELD_LABELS[field]) for field in PROFILE_FIELDS]

    def queryset(self, request, queryset):
        if self.value() in PROFILE_FIELDS:
            return queryset.filter(Q(what_is_missing__regex=missing_field_regex(self.value())))
        return queryset


@admin.register(ClientProfile)
class ClientProfileAdmin(PrivacyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "company",
        "email",
        "wa_id",
        "missing",
        "answers",
        "updated_at",
    )
    list_filter = (
        ProfileAssignedFilter,
        "completion_status",
        MissingFieldFilter,
        "manual_mode",
        "conversation__handoff_state",
        "updated_at",
        "created_at",
    )
    search_fields = (
        "name",
        "last_name",
        "company",
        "email",
        "conversation__wa_id",
        "conversation__bsuid",
        "conversation__display_name",
    )
    list_select_related = ("conversation", "conversation__assigned_to")
    date_hierarchy = "updated_at"
    actions = ["confirm_bot_values"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "conversation_link",
                    "name",
                    "last_name",
                    "company",
                    "email",
                    "provenance",
                )
            },
        ),
        ("Completeness", {"fields": ("completion_status", "what_is_missing")}),
        # Switched with the panel's buttons, so every switch is logged with who and when.
        ("Bot", {"fields": ("manual_mode",)}),
        ("Notes", {"fields": ("notes",)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = (
        "conversation_link",
        "provenance",
        "completion_status",
        "what_is_missing",
        "manual_mode",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("conversation__assigned_to")

    def has_add_permission(self, request):
        # A profile is created with its conversation when the lead first writes.
        return False

    # The profile form ---------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        """Fields the agent typed become theirs (provenance), so the bot never overwrites them."""
        typed = {f: form.cleaned_data[f] for f in form.changed_data if f in PROFILE_FIELDS}
        others = [f for f in form.changed_data if f not in PROFILE_FIELDS]
        if others:
            obj.save(update_fields=others)
        if typed:
            record_agent_field_changes(obj, typed, actor=request.user)

    @admin.action(
        description="Confirm the bot's values",
        permissions=["change"],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )
    def confirm_bot_values(self, request, queryset):
        """An agent checked what the bot extracted: from now on the bot leaves it alone."""
        confirmed = sum(bool(confirm_bot_fields(p, actor=request.user)) for p in queryset)
        self.message_user(
            request,
            f"Confirmed the bot's values on {confirmed} profile{'s' if confirmed != 1 else ''}; "
            "the bot will not change them.",
            messages.SUCCESS if confirmed else messages.INFO,
        )

    @admin.display(description="WhatsApp id", ordering="conversation__wa_id")
    def wa_id(self, obj):
        return obj.conversation.wa_id or obj.conversation.bsuid

    @admin.display(description="Missing", ordering="what_is_missing")
    def missing(self, obj):
        """What is still to ask for; "complete" says the rest (no separate yes/no column)."""
        return stored_labels(obj.what_is_missing) or "nothing: complete"

    @admin.display(description="Who answers", ordering="conversation__handoff_state")
    def answers(self, obj):
        """Handoff, manual mode and the assignee in one column, so the list fits a laptop's
        screen (the "Mine" and "Unassigned" filters select by assignee)."""
        if obj.conversation.handoff_state == HandoffState.BOT and obj.manual_mode:
            who = "Bot drafts, agent approves"
        else:
            who = obj.conversation.get_handoff_state_display()
        assignee = staff_name(obj.conversation.assigned_to)
        return f"{who} · assigned to {assignee}" if assignee else who

    @admin.display(description="Conversation")
    def conversation_link(self, obj):
        url = reverse("admin:conversations_conversation_change", args=[obj.conversation_id])
        return format_html('<a href="{}">{}</a>', url, obj.conversation)

    @admin.display(description="Where the values came from")
    def provenance(self, obj):
        sources = {
            source.field: source for source in obj.sources.select_related("set_by", "confirmed_by")
        }
        rows = [
            {
                "label": FIELD_LABELS[field],
                "value": getattr(obj, field),
                "source": sources.get(field),
                "set_by": staff_name(sources[field].set_by) if field in sources else "",
                "confirmed_by": staff_name(sources[field].confirmed_by) if field in sources else "",
            }
            for field in PROFILE_FIELDS
        ]
        return render_to_string("admin/profiles/clientprofile/provenance.html", {"rows": rows})

    # The Bot panel ------------------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["bot_panel"] = self.bot_panel(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def bot_panel(self, request, profile: ClientProfile) -> BotPanel:
        conversation = profile.conversation
        state = conversation.handoff_state
        log = list(
            ConversationLog.objects.filter(conversation=conversation).select_related("actor")[
                :RECENT_LOG_ROWS
            ]
        )
        for row in log:
            row.actor_name = staff_name(row.actor) or "Bot"
        can_change = self.has_change_permission(request, profile)
        return BotPanel(
            can_change=can_change,
            who_answers=who_answers(profile),
            handoff_label=conversation.get_handoff_state_display(),
            manual_mode=profile.manual_mode,
            show_manual_on=not profile.manual_mode,
            show_hand_back=profile.manual_mode or state != HandoffState.BOT,
            show_pause=state != HandoffState.PAUSED,
            window_open=within_customer_service_window(conversation),
            window_closes_at=window_closes_at(conversation),
            window_closed_notice=WINDOW_CLOSED_TITLE,
            draft=profile.ai_draft,
            draft_created_at=profile.ai_draft_created_at,
            draft_token=draft_created_at_token(profile),
            thread=render_thread(conversation, request=request),
            log=log,
            log_url=reverse("admin:conversations_conversationlog_changelist")
            + f"?conversation__id__exact={conversation.pk}",
            urls={
                action: reverse(self._panel_url_name(action, namespaced=True), args=[profile.pk])
                for action in PANEL_ACTIONS
            },
            conversation_id=conversation.pk,
            live_since=latest_event_id(),
            thread_url=reverse("dashboard-thread", args=[conversation.pk]),
            marketing_opt_out_at=conversation.marketing_opt_out_at,
            template_picker=picker_for(profile, request.GET) if can_change else None,
            blocked_at=conversation.blocked_at,
            assignment=assignment_panel(request.user, conversation),
        )

    def _panel_url_name(self, action: str, *, namespaced: bool = False) -> str:
        name = f"{self.opts.app_label}_{self.opts.model_name}_{action}"
        return f"{self.admin_site.name}:{name}" if namespaced else name

    def get_urls(self):
        panel_urls = [
            path(
                f"<path:object_id>/{suffix}",
                self.admin_site.admin_view(self._panel_view(getattr(self, f"_{action}"))),
                name=self._panel_url_name(action),
            )
            for action, suffix in PANEL_ACTIONS.items()
        ]
        return panel_urls + super().get_urls()

    def _panel_view(self, act: Callable[[ClientProfile, object], str]):
        """A POST-only view: check the right to change, call one service, say what happened."""

        @require_POST
        def view(request, object_id):
            profile = self.get_object(request, unquote(object_id))
            if profile is None:
                raise Http404("No such profile.")
            if not self.has_change_permission(request, profile):
                raise PermissionDenied
            try:
                done = act(profile, request)
            except CannotSend as refusal:
                # The service's words tell the agent what to do instead (e.g. use a template).
                self.message_user(request, str(refusal), messages.ERROR)
            else:
                self.message_user(request, done, messages.SUCCESS)
            change_url = reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change",
                args=[profile.pk],
            )
            return HttpResponseRedirect(f"{change_url}#bot-panel")

        return view

    def _manual_on(self, profile, request) -> str:
        if set_manual_mode(profile, True, actor=request.user):
            return "Manual mode is on: the bot only drafts; approve each draft before it goes."
        return "Manual mode was already on."

    def _hand_back(self, profile, request) -> str:
        hand_back_to_bot(profile, actor=request.user)
        return "Handed back to the bot: it answers on its own again."

    def _pause(self, profile, request) -> str:
        if set_handoff_state(profile.conversation, HandoffState.PAUSED, actor=request.user):
            return "The bot is paused: it neither answers nor drafts until handed back."
        return "The bot was already paused."

    def _approve_draft(self, profile, request) -> str:
        approve_draft(
            profile,
            request.POST.get("text", ""),
            actor=request.user,
            shown_created_at=parse_draft_token(request.POST.get("draft_token")),
        )
        return "Draft approved: it is queued for sending."

    def _discard_draft(self, profile, request) -> str:
        discard_draft(
            profile,
            actor=request.user,
            shown_created_at=parse_draft_token(request.POST.get("draft_token")),
        )
        return "Draft discarded: nothing was sent."

    def _reply(self, profile, request) -> str:
        send_agent_reply(profile.conversation, request.POST.get("text", ""), actor=request.user)
        return (
            "Your reply is queued for sending. The conversation is now in agent hands: "
            "the bot only drafts until someone hands it back."
        )

    def _send_media(self, profile, request) -> str:
        """The form is multipart: the file arrives in request.FILES, the caption as text."""
        message = send_agent_media(
            profile.conversation,
            request.FILES.get("file"),
            caption=request.POST.get("caption", ""),
            actor=request.user,
        )
        return (
            f"Your {message.type} is queued for sending. The conversation is now in agent "
            "hands: the bot only drafts until someone hands it back."
        )

    def _send_template(self, profile, request) -> str:
        template, params = parse_template_form(request.POST)
        message = send_agent_template(profile.conversation, template, params, actor=request.user)
        return (
            f"The template {message.template} is queued for sending. The conversation is now "
            "in agent hands: the bot only drafts until someone hands it back."
        )

    def _assign(self, profile, request) -> str:
        """`assignee`: "me", a staff member's id (Admins), or empty to unassign. The service
        refuses (403) what the user may not do."""
        choice = request.POST.get("assignee", "")
        if choice == "me":
            assignee = request.user
        elif choice:
            assignee = assignable_staff().filter(pk=choice if choice.isdigit() else None).first()
            if assignee is None:
                raise CannotSend("Nobody by that id can handle conversations.")
        else:
            assignee = None
        if not assign_conversation(profile.conversation, assignee, actor=request.user):
            return "Nothing changed."
        if assignee is None:
            return "The conversation is unassigned."
        who = "you" if assignee.pk == request.user.pk else staff_name(assignee)
        return f"The conversation is assigned to {who}."

    def _block(self, profile, request) -> str:
        if set_blocked(profile.conversation, True, actor=request.user):
            return "Contact blocked: the bot stays quiet and no template or follow-up is sent."
        return "The contact was already blocked."

    def _unblock(self, profile, request) -> str:
        if set_blocked(profile.conversation, False, actor=request.user):
            return "Contact unblocked."
        return "The contact was not blocked."
