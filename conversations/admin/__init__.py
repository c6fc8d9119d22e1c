"""The conversations app in the admin, one module per screen.

`thread`: the thread as staff read it (also used by the profile page and live refreshes);
`conversation`, `messages`, `trail`: the model admins; `conversations.admin_templates`: the
message templates.
"""

import conversations.admin_templates  # noqa: F401  (registers the message template admin)
from conversations.admin import conversation, messages, trail  # noqa: F401  (registers them)
from conversations.admin.thread import render_thread, reply_note, staff_name

__all__ = ["render_thread", "reply_note", "staff_name"]
