"""Existing installations: give the default roles their casework capabilities (roles live in the database
and ``ensure_default_roles`` never changes a configured one), and load the shipped holiday calendars."""

from django.db import migrations

GRANTS = {
    "zone_admin": ["casework.view", "casework.edit", "casework.configure"],
    "staff": ["casework.view", "casework.edit", "casework.configure"],
    "secretary": ["casework.view", "casework.edit"],
    "clerk": ["casework.view", "casework.edit"],
    "liaison": ["casework.view"],
    "viewer": ["casework.view"],
}


def grant(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(identifier__in=GRANTS):
        caps = set(role.capabilities or [])
        if not caps & set(GRANTS[role.identifier]) and caps:
            role.capabilities = sorted(caps | set(GRANTS[role.identifier]))
            role.save(update_fields=["capabilities"])


def load_calendar(apps, schema_editor):
    from dangjian.casework.workdays import DEFAULT_CALENDAR, default_days

    CalendarDay = apps.get_model("casework", "CalendarDay")
    rows = [row for year in DEFAULT_CALENDAR for row in default_days(year)]
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, kind=str(k), name=n) for d, k, n in rows if d not in existing]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0001_initial"),
        ("accounts", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RunPython(load_calendar, migrations.RunPython.noop),
    ]
