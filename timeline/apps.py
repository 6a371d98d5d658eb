from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimelineConfig(AppConfig):
    name = "timeline"
    verbose_name = _("Tijdlijn")

    def ready(self) -> None:
        from timeline import changes  # noqa: F401  (connects every receiver)
