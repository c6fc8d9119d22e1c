"""The project's own operational records (the apps hold the product's data)."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """One `manage.py db_worker` process, as it last reported itself.

    The task backend records which worker claimed a task (DBTaskResult.worker_ids) but not
    whether that worker still lives: this row says so, so the Operations page can warn when
    no worker runs and a sweep can release the claims of a worker that is gone.
    """

    worker_id = models.CharField(
        max_length=64, help_text="As django-tasks-db writes it in DBTaskResult.worker_ids."
    )
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField()
    stopped_at = models.DateTimeField(
        null=True, blank=True, help_text="Set on a clean exit; empty while it runs or if it died."
    )

    class Meta:
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(fields=["worker_id"], name="worker_heartbeat_worker_id_unique")
        ]
        indexes = [models.Index(fields=["-last_seen"], name="worker_heartbeat_seen_idx")]
        # Only Admins (who hold every permission) see the Operations page.
        permissions = [("view_operations", "Can view the Operations page")]

    def __str__(self) -> str:
        return f"Worker {self.worker_id} on {self.hostname} (pid {self.pid})"
