"""Parsers from a message's type object to its content dataclass (whatsapp.md §6).

Each takes the object under the message's type key, which may be missing or malformed: a missing
object yields the same class with every field None, so callers branch on `type`, not exceptions.
"""

from typing import Any

from ._coerce import (
    as_bool,
    as_dict,
    as_float,
    as_str,
    dict_items,
    json_object_from_string,
    obj,
)
from .content import (
    CAPTIONED_MEDIA_TYPES,
    ButtonContent,
    ContactsContent,
    EditContent,
    InteractiveContent,
    LocationContent,
    MediaContent,
    OrderContent,
    OrderItem,
    ReactionContent,
    RevokeContent,
    SharedContact,
    SystemContent,
    TextContent,
)


def parse_text(data: object) -> TextContent:
    text = obj(data)
    return TextContent(body=as_str(text.get("body")), preview_url=as_bool(text.get("preview_url")))


def parse_media(kind: str, data: object) -> MediaContent:
    media = obj(data)
    return MediaContent(
        kind=kind,
        media_id=as_str(media.get("id")),
        mime_type=as_str(media.get("mime_type")),
        sha256=as_str(media.get("sha256")),
        caption=as_str(media.get("caption")),
        filename=as_str(media.get("filename")),
        url=as_str(media.get("url")),
        voice=as_bool(media.get("voice")),
        animated=as_bool(media.get("animated")),
    )


def parse_location(data: object) -> LocationContent:
    location = obj(data)
    return LocationContent(
        latitude=as_float(location.get("latitude")),
        longitude=as_float(location.get("longitude")),
        name=as_str(location.get("name")),
        address=as_str(location.get("address")),
        url=as_str(location.get("url")),
    )


def _strings(value: object, key: str) -> tuple[str, ...]:
    """The `key` string of every object in an array, skipping objects without one."""
    found = (as_str(item.get(key)) for item in dict_items(value))
    return tuple(text for text in found if text is not None)


def parse_shared_contact(data: dict[str, Any]) -> SharedContact:
    name = obj(data.get("name"))
    return SharedContact(
        formatted_name=as_str(name.get("formatted_name")),
        first_name=as_str(name.get("first_name")),
        last_name=as_str(name.get("last_name")),
        phones=_strings(data.get("phones"), "phone"),
        emails=_strings(data.get("emails"), "email"),
        organization=as_str(obj(data.get("org")).get("company")),
        raw=data,
    )


def parse_contacts(data: object) -> ContactsContent:
    return ContactsContent(contacts=tuple(parse_shared_contact(c) for c in dict_items(data)))


def parse_interactive(data: object) -> InteractiveContent:
    interactive = obj(data)
    interactive_type = as_str(interactive.get("type"))
    # button_reply, list_reply, nfm_reply... all nest their fields under a key named like the type.
    reply = obj(interactive.get(interactive_type)) if interactive_type is not None else obj(None)
    response_raw = reply.get("response_json")
    is_flow = interactive_type == "nfm_reply"
    return InteractiveContent(
        interactive_type=interactive_type,
        reply_id=as_str(reply.get("id")),
        title=as_str(reply.get("body") if is_flow else reply.get("title")),
        description=as_str(reply.get("description")),
        flow_name=as_str(reply.get("name")) if is_flow else None,
        flow_response=json_object_from_string(response_raw),
        flow_response_raw=response_raw if isinstance(response_raw, str) else None,
    )


def parse_button(data: object) -> ButtonContent:
    button = obj(data)
    return ButtonContent(payload=as_str(button.get("payload")), text=as_str(button.get("text")))


def parse_reaction(data: object) -> ReactionContent:
    reaction = obj(data)
    return ReactionContent(
        message_id=as_str(reaction.get("message_id")),
        emoji=as_str(reaction.get("emoji")) or None,  # "" and absent both mean "removed"
    )


def parse_order(data: object) -> OrderContent:
    order = obj(data)
    return OrderContent(
        catalog_id=as_str(order.get("catalog_id")),
        text=as_str(order.get("text")),
        items=tuple(
            OrderItem(
                product_retailer_id=as_str(item.get("product_retailer_id")),
                quantity=as_float(item.get("quantity")),
                item_price=as_float(item.get("item_price")),
                currency=as_str(item.get("currency")),
            )
            for item in dict_items(order.get("product_items"))
        ),
    )


def parse_system(data: object, identity: object) -> SystemContent:
    system = obj(data)
    # Newer payloads put the new number in `wa_id`, older ones in `new_wa_id`.
    new_wa_id = as_str(system.get("wa_id"))
    if new_wa_id is None:
        new_wa_id = as_str(system.get("new_wa_id"))
    return SystemContent(
        system_type=as_str(system.get("type")),
        body=as_str(system.get("body")),
        new_wa_id=new_wa_id,
        new_user_id=as_str(system.get("user_id")),
        previous_user_id=as_str(system.get("previous_user_id")),
        identity_hash=as_str(obj(identity).get("hash")),
    )


def parse_revoke(data: object) -> RevokeContent:
    return RevokeContent(original_message_id=as_str(obj(data).get("original_message_id")))


def parse_edit(data: object) -> EditContent:
    edit = obj(data)
    return EditContent(
        original_message_id=as_str(edit.get("original_message_id")),
        new_text=_edited_text(edit.get("message")),
    )


def _edited_text(data: object) -> str | None:
    """The replacement text of an edit: a text body or a media caption, read one level deep."""
    inner = as_dict(data)
    if inner is None:
        return None
    inner_type = as_str(inner.get("type"))
    if inner_type == "text":
        return parse_text(inner.get("text")).body
    if inner_type in CAPTIONED_MEDIA_TYPES:
        return as_str(obj(inner.get(inner_type)).get("caption"))
    return None
