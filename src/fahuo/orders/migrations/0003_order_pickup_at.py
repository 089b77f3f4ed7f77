from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0002_order_status_delivered'),
    ]

    operations = [
        migrations.AddField(
            model_name='order',
            name='pickup_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
