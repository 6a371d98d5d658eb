"""Keep derived columns honest however a row is written: admin, code or a fixture load.

Django's `loaddata` saves rows "raw" (no `save()` override runs), but it does send these
signals, so the EDTF bounds and the search text are derived here rather than in `save()`.
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from timeline.models import Actor, Alias, Citation, Event, Participation


@receiver(pre_save, sender=Event)
def derive_event_dates(sender, instance: Event, **kwargs) -> None:
    instance.derive_dates()


@receiver(post_save, sender=Event)
def refresh_event_search_text(sender, instance: Event, **kwargs) -> None:
    instance.refresh_search_text()


@receiver(post_save, sender=Participation)
@receiver(post_delete, sender=Participation)
@receiver(post_save, sender=Citation)
@receiver(post_delete, sender=Citation)
def refresh_search_text_of_event(sender, instance, **kwargs) -> None:
    event = Event.objects.filter(pk=instance.event_id).first()
    if event is not None:
        event.refresh_search_text()


@receiver(post_save, sender=Actor)
@receiver(post_save, sender=Alias)
@receiver(post_delete, sender=Alias)
def refresh_search_text_of_actor_events(sender, instance, **kwargs) -> None:
    actor_id = instance.pk if sender is Actor else instance.actor_id
    for event in Event.objects.filter(participations__actor_id=actor_id).distinct():
        event.refresh_search_text()
