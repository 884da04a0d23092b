"""Reference rows that migrations load (the country's provinces and communes, the delivery zones)
and that must be there whenever the tables exist.

`manage.py flush` (and every transactional test's teardown, which flushes) empties all tables,
migration-loaded rows included, then sends post_migrate, as it does for Django's own content types.
Each app registers here the loader its data migration runs; after migrate or flush, a loader runs
again when its table is empty. The loaders are idempotent.
"""
import importlib

from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def restore_when_empty(app_label: str, model_name: str, migration: str, function: str):
    """Connect a post_migrate receiver: when `app_label.model_name` has no rows, run
    `function(apps, None)` from the migration module `migration`."""

    def restore(sender, app_config=None, using="default", apps=None, **kwargs):
        if app_config is None or app_config.label != app_label:
            return
        apps = apps or global_apps  # flush sends no `apps`; migrate sends the migrated state
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:  # migrated to before the model existed
            return
        if not model.objects.using(using).exists():
            getattr(importlib.import_module(migration), function)(apps, None)

    post_migrate.connect(restore, dispatch_uid=f"reference_data.{app_label}.{model_name}", weak=False)


def _sync_province_group(sender, app_config=None, using="default", **kwargs):
    """After the last app's post_migrate (each app's permissions exist by then): the province
    officers' group and its permissions (shop.permissions.sync_province_group)."""
    configs = list(global_apps.get_app_configs())
    if app_config is None or app_config is not configs[-1]:
        return
    from shop.permissions import sync_province_group

    sync_province_group(using)


post_migrate.connect(_sync_province_group, dispatch_uid="reference_data.province_group", weak=False)
