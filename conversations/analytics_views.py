"""The analytics page inside the admin: lead figures per day for a date range, and as CSV."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from conversations.analytics_widgets import build_widgets, write_csv
from conversations.selectors import DayRange, lead_analytics

DEFAULT_DAYS = 30
MAX_DAYS = 366
# Far enough for any real lead, and away from the calendar's ends, where a local midnight
# has no UTC equivalent.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


class DateRangeForm(forms.Form):
    """Both days included, in the site's time zone; either may be left out."""

    start = forms.DateField(required=False, label="From")
    end = forms.DateField(required=False, label="To")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        end = cleaned.get("end") or timezone.localdate()
        start = cleaned.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
            raise forms.ValidationError(
                f"Choose days between {EARLIEST.isoformat()} and {LATEST.isoformat()}."
            )
        if start > end:
            raise forms.ValidationError("The first day comes after the last day.")
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
        cleaned["span"] = DayRange(first=start, last=end, tz=timezone.get_current_timezone())
        return cleaned


@require_GET
@permission_required("conversations.view_conversation", raise_exception=True)
def analytics(request):
    """`?start=YYYY-MM-DD&end=YYYY-MM-DD` (default: the last 30 days); `&format=csv` downloads."""
    form = DateRangeForm(request.GET)
    wants_csv = request.GET.get("format") == "csv"
    if not form.is_valid():
        if wants_csv:
            errors = "\n".join(e for errors in form.errors.values() for e in errors)
            return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
        return _page(request, form, span=None, status=400)
    span = form.cleaned_data["span"]
    if wants_csv:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="lead-analytics-{span.first}-to-{span.last}.csv"'
        )
        write_csv(build_widgets(lead_analytics(span)), response)
        return response
    return _page(request, form, span=span)


def _page(request, form: DateRangeForm, *, span: DayRange | None, status: int = 200):
    widgets = build_widgets(lead_analytics(span)) if span else []
    context = {
        **admin.site.each_context(request),
        "title": "Analytics",
        "form": form,
        "span": span,
        # What the date inputs show: the range in use, or what was typed when it was refused.
        "start_value": span.first.isoformat() if span else form.data.get("start", ""),
        "end_value": span.last.isoformat() if span else form.data.get("end", ""),
        "widgets": widgets,
        "charts": [widget.chart_data() for widget in widgets],
    }
    return render(request, "admin/analytics/analytics.html", context, status=status)
