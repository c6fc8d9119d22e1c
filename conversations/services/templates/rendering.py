"""A template's variables, its preview with values filled in, and Graph's send components.

Pure functions over the components Meta returns (`HEADER`, `BODY`, `FOOTER`, `BUTTONS`).
Variables are Meta's positional `{{1}}` or named `{{first_name}}` placeholders in the
text header and the body. Media headers, URL buttons with a variable and authentication
templates need parameters of other kinds: such templates are not sent from here (yet).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conversations.models import MessageTemplate, TemplateCategory

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
# Meta refuses parameter text with new lines, tabs or runs of more than 4 spaces (132018).
_WHITESPACE = re.compile(r"\s+")
# Meta's limits on one parameter: 60 characters in a header, and the body's 1024 in all.
HEADER_PARAM_MAX = 60
BODY_PARAM_MAX = 1024


@dataclass(frozen=True, slots=True)
class TemplateVariable:
    """One placeholder: `field` is its form and params key, e.g. "body.1" or "header.name"."""

    component: str  # "header" | "body"
    key: str  # "1", "2", … or a named parameter such as "customer_name"
    example: str

    @property
    def field(self) -> str:
        return f"{self.component}.{self.key}"

    @property
    def placeholder(self) -> str:
        return "{{" + self.key + "}}"

    @property
    def named(self) -> bool:
        return not self.key.isdigit()

    @property
    def label(self) -> str:
        return f"{self.placeholder} in the {self.component}"


@dataclass(frozen=True, slots=True)
class PreviewPart:
    """A piece of preview text; `variable` is set where a value goes in."""

    text: str
    variable: str = ""  # the variable's field, e.g. "body.1"


@dataclass(frozen=True, slots=True)
class PreviewSection:
    kind: str  # "header" | "body" | "footer" | "buttons"
    parts: tuple[PreviewPart, ...]


def _component(template: MessageTemplate, kind: str) -> dict | None:
    for component in template.components or ():
        if isinstance(component, dict) and str(component.get("type", "")).upper() == kind:
            return component
    return None


def _text_of(component: dict | None) -> str:
    text = component.get("text") if component else None
    return text if isinstance(text, str) else ""


def _examples(component: dict | None, kind: str) -> tuple[list, dict]:
    """Meta's sample values, positional and named, to show as hints."""
    example = component.get("example") if component else None
    example = example if isinstance(example, dict) else {}
    positional = example.get(f"{kind}_text") or []
    if kind == "body" and positional and isinstance(positional[0], list):
        positional = positional[0]
    named = {
        str(item.get("param_name")): str(item.get("example", ""))
        for item in example.get(f"{kind}_text_named_params") or []
        if isinstance(item, dict)
    }
    return (positional if isinstance(positional, list) else []), named


def _header(template: MessageTemplate) -> dict | None:
    header = _component(template, "HEADER")
    if header is not None and str(header.get("format", "TEXT")).upper() != "TEXT":
        return None
    return header


def template_variables(template: MessageTemplate) -> list[TemplateVariable]:
    """The header's, then the body's placeholders, each once, in Meta's order."""
    variables: list[TemplateVariable] = []
    for kind, component in (("header", _header(template)), ("body", _component(template, "BODY"))):
        positional, named = _examples(component, kind)
        keys = list(dict.fromkeys(_PLACEHOLDER.findall(_text_of(component))))
        if all(key.isdigit() for key in keys):
            keys.sort(key=int)
        for key in keys:
            if key.isdigit():
                index = int(key) - 1
                example = str(positional[index]) if 0 <= index < len(positional) else ""
            else:
                example = named.get(key, "")
            variables.append(TemplateVariable(component=kind, key=key, example=example))
    return variables


def unsupported_reason(template: MessageTemplate) -> str:
    """Why this template cannot be sent from the inbox, or "" when it can."""
    if template.category == TemplateCategory.AUTHENTICATION:
        return "Authentication templates carry one-time codes and are not sent from the inbox."
    header = _component(template, "HEADER")
    if header is not None and str(header.get("format", "TEXT")).upper() != "TEXT":
        return "Templates with an image, video, document or location header cannot be sent yet."
    buttons = _component(template, "BUTTONS")
    for button in (buttons or {}).get("buttons") or ():
        if isinstance(button, dict) and _PLACEHOLDER.search(str(button.get("url", ""))):
            return "Templates with a variable in a button's link cannot be sent yet."
    return ""


def clean_value(value: object) -> str:
    """A value as Meta accepts it: one line, no runs of spaces, no NUL."""
    return _WHITESPACE.sub(" ", str(value or "").replace("\x00", "")).strip()


def _parts(text: str, kind: str, values: dict[str, str]) -> tuple[PreviewPart, ...]:
    parts: list[PreviewPart] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > position:
            parts.append(PreviewPart(text=text[position : match.start()]))
        field_name = f"{kind}.{match.group(1)}"
        shown = values.get(field_name) or "{{" + match.group(1) + "}}"
        parts.append(PreviewPart(text=shown, variable=field_name))
        position = match.end()
    if position < len(text):
        parts.append(PreviewPart(text=text[position:]))
    return tuple(parts)


def preview_sections(template: MessageTemplate, values: dict[str, str]) -> list[PreviewSection]:
    """The message as the user will read it; unfilled variables show as their placeholder."""
    sections = []
    header = _header(template)
    if _text_of(header):
        sections.append(PreviewSection("header", _parts(_text_of(header), "header", values)))
    body = _component(template, "BODY")
    if _text_of(body):
        sections.append(PreviewSection("body", _parts(_text_of(body), "body", values)))
    footer = _component(template, "FOOTER")
    if _text_of(footer):
        sections.append(PreviewSection("footer", (PreviewPart(text=_text_of(footer)),)))
    buttons = _component(template, "BUTTONS")
    labels = [
        str(button.get("text"))
        for button in (buttons or {}).get("buttons") or ()
        if isinstance(button, dict) and button.get("text")
    ]
    if labels:
        sections.append(
            PreviewSection("buttons", tuple(PreviewPart(text=f"[{label}]") for label in labels))
        )
    return sections


def render_preview(template: MessageTemplate, values: dict[str, str]) -> str:
    """The preview as plain text, stored as the message's text in the thread."""
    return "\n\n".join(
        (" " if section.kind == "buttons" else "").join(part.text for part in section.parts)
        for section in preview_sections(template, values)
    )


def send_components(template: MessageTemplate, values: dict[str, str]) -> list[dict]:
    """Graph's `template.components` for a send: one entry per component with variables."""
    components = []
    by_component: dict[str, list[TemplateVariable]] = {}
    for variable in template_variables(template):
        by_component.setdefault(variable.component, []).append(variable)
    for kind in ("header", "body"):
        parameters = []
        for variable in by_component.get(kind, ()):
            parameter = {"type": "text", "text": values[variable.field]}
            if variable.named:
                parameter["parameter_name"] = variable.key
            parameters.append(parameter)
        if parameters:
            components.append({"type": kind, "parameters": parameters})
    return components
