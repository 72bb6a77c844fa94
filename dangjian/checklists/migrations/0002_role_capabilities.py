"""Give the default roles of an existing installation the checklists capabilities they have in
accounts.roles.DEFAULT_ROLES (ensure_default_roles never rewrites a role that already exists)."""

from django.db import migrations

ADDED = {
    "zone_admin": ["checklists.view", "checklists.manage", "checklists.report", "checklists.review"],
    "staff": ["checklists.view", "checklists.manage", "checklists.review"],
    "liaison": ["checklists.view", "checklists.review"],
    "secretary": ["checklists.view", "checklists.report"],
    "clerk": ["checklists.view", "checklists.report"],
    "viewer": ["checklists.view"],
}


def add(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(identifier__in=ADDED):
        caps = set(role.capabilities or [])
        if not caps >= set(ADDED[role.identifier]):
            role.capabilities = sorted(caps | set(ADDED[role.identifier]))
            role.save(update_fields=["capabilities"])


class Migration(migrations.Migration):
    dependencies = [("checklists", "0001_initial"), ("accounts", "0002_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
