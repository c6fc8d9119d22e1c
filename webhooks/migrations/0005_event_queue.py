from django.db import migrations, models

OLD_TASK = "webhooks.tasks.process_webhook_event_task"


def drop_waiting_event_tasks(apps, schema_editor):
    """Events used to be processed by one task each; now the event table is the queue.

    Waiting tasks of the old kind are dropped: the events they point at are still pending, so
    the queue takes them (an event whose task had failed is taken again too).
    """
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    DBTaskResult.objects.filter(task_path=OLD_TASK, status__in=["READY", "RUNNING"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0004_rejected_outcome_label"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookevent",
            name="claimed_at",
            field=models.DateTimeField(
                blank=True, help_text="When a worker last took it from the queue.", null=True
            ),
        ),
        migrations.AddField(
            model_name="webhookevent",
            name="claimed_until",
            field=models.DateTimeField(
                blank=True,
                help_text="A worker is processing it until then; past it, pending again for any "
                "worker (retry backoff or a worker that died).",
                null=True,
            ),
        ),
        migrations.AddIndex(
            model_name="webhookevent",
            index=models.Index(
                condition=models.Q(("outcome", "pending")),
                fields=["id"],
                name="webhook_event_queue",
            ),
        ),
        migrations.RunPython(drop_waiting_event_tasks, migrations.RunPython.noop),
    ]
