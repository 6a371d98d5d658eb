from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "timeline"
    verbose_name = "Tijdlijn"

    def ready(self) -> None:
        from timeline import changes  # noqa: F401  (connects every receiver)
