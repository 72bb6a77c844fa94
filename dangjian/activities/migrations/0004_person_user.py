"""A person's login moves onto the person (people.Person.user); the stand-in link table goes."""

from django.db import migrations


def copy_links(apps, schema_editor):
    PersonLogin = apps.get_model("activities", "PersonLogin")
    Person = apps.get_model("people", "Person")
    for person_id, user_id in PersonLogin.objects.values_list("person_id", "user_id"):
        Person.objects.filter(pk=person_id).update(user_id=user_id)


def copy_back(apps, schema_editor):
    PersonLogin = apps.get_model("activities", "PersonLogin")
    Person = apps.get_model("people", "Person")
    for person_id, user_id in Person.objects.filter(user__isnull=False).values_list("pk", "user_id"):
        PersonLogin.objects.create(person_id=person_id, user_id=user_id)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0003_version"),
        ("people", "0009_person_user"),
    ]

    operations = [
        migrations.RunPython(copy_links, copy_back),
        migrations.DeleteModel(name="PersonLogin"),
    ]
