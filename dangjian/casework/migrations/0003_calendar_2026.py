"""Load the 2026 holiday arrangement into installations migrated before it shipped (days staff have
already entered for 2026 are kept as they are)."""

from django.db import migrations


def load_2026(apps, schema_editor):
    from dangjian.casework.workdays import default_days

    CalendarDay = apps.get_model("casework", "CalendarDay")
    rows = default_days(2026)
    existing = set(CalendarDay.objects.filter(date__year=2026).values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, kind=str(k), name=n) for d, k, n in rows if d not in existing]
    )


class Migration(migrations.Migration):
    dependencies = [("casework", "0002_grant_capabilities_and_calendar")]
    operations = [migrations.RunPython(load_2026, migrations.RunPython.noop)]
