"""Give the default roles the projects capabilities on databases whose roles already exist.

``ensure_default_roles`` never overwrites a configured role, so a capability new in this release
reaches existing roles only here; nobody can have configured it away, since it did not exist."""

from django.db import migrations

NEW = {"projects.view", "projects.edit"}


def grant(apps, schema_editor):
    from dangjian.accounts.roles import DEFAULT_ROLES

    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(identifier__in=list(DEFAULT_ROLES)):
        wanted = NEW & set(DEFAULT_ROLES[role.identifier][1])
        if wanted - set(role.capabilities):
            role.capabilities = sorted(set(role.capabilities) | wanted)
            role.save(update_fields=["capabilities"])


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial"), ("accounts", "0002_initial")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
