from django.core.management import call_command
from django.core.management.base import BaseCommand

from timeline.models import Event


class Command(BaseCommand):
    help = "Load fixtures/seed.json into an empty database (use --force to load it anyway)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="load even when events exist")

    def handle(self, *args, force: bool = False, **options) -> None:
        # `make run` calls this every time; an editor's later changes must survive a restart.
        if Event.objects.exists() and not force:
            self.stdout.write("Database already has events; seed not loaded (use --force).")
            return
        call_command(
            "loaddata", "seed", verbosity=options["verbosity"], stdout=self.stdout, stderr=self.stderr
        )
