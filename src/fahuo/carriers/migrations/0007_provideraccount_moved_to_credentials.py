# ProviderAccount moved to fahuo.integrations.credentials (app label "credentials"), which keeps the
# table carriers_provideraccount: only Django's state forgets the model here; no data moves.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("carriers", "0006_connection_state_and_branch"),
        ("credentials", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ProviderAccount")],
            database_operations=[],
        ),
    ]
