"""The "Editors" group: everything an editor needs in the admin, nothing more.

Staff users in this group (not superusers) add, change, delete and view every timeline model and
read the audit history. Permissions are normally created after the last migration has run, so
they are created here first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"
MODELS = [
    "timeline",
    "actor",
    "alias",
    "eventtype",
    "source",
    "event",
    "participation",
    "citation",
]
ACTIONS = ["add", "change", "delete", "view"]


def create_editors_group(apps, schema_editor) -> None:
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in MODELS for action in ACTIONS]
    codenames += [f"view_historical{model}" for model in MODELS]
    permissions = Permission.objects.filter(
        content_type__app_label="timeline", codename__in=codenames
    )
    missing = set(codenames) - set(permissions.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"Permissions missing for the Editors group: {sorted(missing)}")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*permissions)


def remove_editors_group(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0002_history_and_version"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
