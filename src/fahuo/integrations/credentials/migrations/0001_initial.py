# The ProviderAccount model moved here from carriers: the table (carriers_provideraccount) and its
# rows stay as they are, only Django's state changes hands (carriers 0007 drops it from carriers).

import django.db.models.deletion
from django.db import migrations, models

import fahuo.kit.privacy


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("carriers", "0006_connection_state_and_branch"),
        ("orders", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ProviderAccount",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("provider", models.CharField(max_length=20)),
                        ("name", models.CharField(max_length=80)),
                        ("base_url", models.CharField(blank=True, max_length=200)),
                        ("credentials", fahuo.kit.privacy.EncryptedTextField(default="{}")),
                        ("active", models.BooleanField(default=True)),
                        ("token_expires_at", models.DateTimeField(blank=True, null=True)),
                        ("token_refreshed_at", models.DateTimeField(blank=True, null=True)),
                        ("last_error", models.CharField(blank=True, max_length=300)),
                        ("last_error_at", models.DateTimeField(blank=True, null=True)),
                        ("fetch_orders", models.BooleanField(default=True)),
                        ("ship_back", models.BooleanField(default=True)),
                        (
                            "carrier",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="accounts",
                                to="carriers.carrier",
                            ),
                        ),
                        (
                            "shop",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="accounts",
                                to="orders.shop",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "carriers_provideraccount",
                        "ordering": ["provider", "name"],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
