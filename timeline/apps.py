from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "timeline"
    verbose_name = "Tijdlijn"

    def ready(self) -> None:
        from timeline import signals  # noqa: F401  (connects the receivers)
