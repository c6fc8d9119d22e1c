"""A legacy message is keyed by its row id and a digest of its raw values, not the row id alone.

The row id alone made a second legacy database (another bot, another number, a fresh file)
lose every message whose id the first had used (conversations/legacy/identity.py). Rows
imported before keep a NULL digest: the digest is of the legacy file's raw values, which
only the file holds, so the importer gives each its digest the next time it reads the file
the row came from, when the row id and the content agree (conversations/legacy/carry_over.py);
until then such a row conflicts with nothing, and no import writes a NULL digest again.
Reversing it fails, as it should, once a second file's messages share row ids with the
first's: the old key cannot hold them both.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("conversations", "0012_conversation_preferences_and_follow_up")]

    operations = [
        migrations.AlterField(
            model_name="message",
            name="legacy_id",
            field=models.BigIntegerField(
                blank=True,
                editable=False,
                help_text="The row id in the legacy Flask bot's database it was imported from.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="legacy_digest",
            field=models.BigIntegerField(
                blank=True,
                editable=False,
                help_text="A digest of the legacy row's raw values, so a re-import adds nothing.",
                null=True,
            ),
        ),
        migrations.RemoveConstraint(model_name="message", name="message_legacy_id_unique"),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                condition=models.Q(("legacy_id__isnull", False)),
                fields=("legacy_id", "legacy_digest"),
                name="message_legacy_key_unique",
            ),
        ),
    ]
