from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.urls.base import translate_url
from django.utils.http import urlencode

from timeline.i18n import reader_language
from timeline.query.params import view_path


def languages(request: HttpRequest) -> dict:
    """The same view in every language: for hreflang alternates and the language switch."""
    here = view_path(request)
    current = reader_language()
    alternates = []
    for code, name in settings.LANGUAGES:
        url = translate_url(here, code)
        switch = reverse("set_language_get", args=[code]) + "?" + urlencode({"next": url})
        alternates.append({"code": code, "name": name, "url": url, "switch": switch,
                           "current": code == current})
    return {"language_alternates": alternates, "current_language": current}
