"""Background work of the bot: answering a conversation, and sending one message.

Both tasks are safe to run twice: the services they call claim their work in the database
before doing anything a user would see.
"""

from datetime import timedelta

from django.db import connections
from django.tasks import Task, TaskResult, TaskResultStatus, task, task_backends
from django.utils import timezone


def can_defer(task_: Task) -> bool:
    return task_.get_backend().supports_defer


def enqueue_later(task_: Task, delay_seconds: float, *args) -> TaskResult:
    """Enqueue to run no sooner than `delay_seconds` from now, where the backend can defer.

    Backends that cannot (the immediate one some tests use) run it at once instead.
    """
    if delay_seconds > 0 and can_defer(task_):
        task_ = task_.using(run_after=timezone.now() + timedelta(seconds=delay_seconds))
    return task_.enqueue(*args)


def withdraw(result: TaskResult) -> bool:
    """Take back a task that has not started, so that no worker runs it; True if it was.

    `django.tasks` has no cancel: with the database backend (production's) its waiting row is
    deleted; other backends have either run it already or keep nothing to take back.
    """
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task_backends[result.backend]
    if result.status != TaskResultStatus.READY or not isinstance(backend, DatabaseBackend):
        return False
    # One DELETE in autocommit: QuerySet.delete() would wrap it in a transaction of its own.
    connection = connections[DBTaskResult.objects.db]
    table = connection.ops.quote_name(DBTaskResult._meta.db_table)
    key = DBTaskResult._meta.pk.get_db_prep_value(result.id, connection)
    with connection.cursor() as cursor:
        cursor.execute(  # only the model's table name is formatted in
            f"DELETE FROM {table} WHERE id = %s AND status = %s",  # noqa: S608
            [key, TaskResultStatus.READY],
        )
        return cursor.rowcount > 0


@task()
def answer_conversation_task(conversation_id: int) -> str:
    """Let the bot answer what the user wrote since its last reply (or draft it)."""
    # Imported here: the services enqueue these tasks, so top-level imports would be circular.
    from conversations.services.bot import answer_pending_messages

    return answer_pending_messages(conversation_id)


@task()
def send_message_task(message_id: int, attempt: int) -> str:
    """One send attempt of a queued outbound message; `attempt` attempts were made before."""
    from conversations.services.outbound import deliver_message

    message = deliver_message(message_id, attempt)
    return message.status if message is not None else "missing"


@task()
def follow_up_task(conversation_id: int) -> str:
    """Follow up a silent, incomplete lead if still due (a newer message makes it a no-op)."""
    from conversations.services.follow_up import follow_up_conversation

    return follow_up_conversation(conversation_id)


@task()
def download_media_task(media_pk: int, attempt: int) -> str:
    """One download attempt of an inbound media file; `attempt` attempts were made before."""
    from conversations.services.media import download_media

    return download_media(media_pk, attempt)
