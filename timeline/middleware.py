"""The reader's language: Dutch at /, English under /en/, and a first visit goes by the browser;
public pages compressed; and the event pictures served from the file system.

Django's LocaleMiddleware would serve `/` in whatever language the browser prefers, which would
make one URL show two different pages (bad for sharing and for the page cache). Here `/` is
Dutch for whoever has not chosen English: a reader who chose English with the language switch,
or who comes for the first time (no language cookie yet) from a browser that prefers English, is
redirected to the English address of the same view.
"""

import re

import brotli
from django.conf import settings
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
    HttpResponseRedirect,
)
from django.middleware.gzip import GZipMiddleware
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from timeline import pictures
from timeline.cache import belongs_to_one_visitor

ACCEPTS_BROTLI = re.compile(r"\bbr\b")
READER_PAGES = {"event_list", "event_detail", "actor_detail", "actor_suggest", "correction_list"}


def _is_unprefixed_reader_page(path: str) -> bool:
    if translation.get_language_from_path(path) is not None:
        return False
    try:
        return resolve(path).url_name in READER_PAGES
    except Resolver404:
        return False


def _prefers_english(request: HttpRequest) -> bool:
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _weight in translation.trans_real.parse_accept_lang_header(header):
        code = code.split("-")[0].lower()
        if code in ("nl", "en"):
            return code == "en"
    return False


class PreferredLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if not _is_unprefixed_reader_page(request.path_info):
            return self.get_response(request)
        stored = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        from_htmx = request.headers.get("HX-Request") == "true"
        # A stored choice (the language switch) wins; without one, the browser's preference.
        wants_english = stored == "en" if stored else _prefers_english(request)
        if wants_english and not from_htmx:
            query = request.META.get("QUERY_STRING", "")
            response = HttpResponseRedirect("/en" + request.path + (f"?{query}" if query else ""))
        else:
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


class PublicCompressionMiddleware(GZipMiddleware):
    """Compression for what anyone may see: the timeline, the event and actor pages, the API,
    the exports (the static files come compressed from WhiteNoise before this runs). Brotli
    where the browser takes it (every current one does), about 7 % smaller than gzip at the
    same speed; gzip otherwise, and for what is streamed (the CSV and calendar exports).

    A compressed page that holds a secret (a CSRF token, a session) beside text an attacker
    can put in it (the search box is echoed) leaks the secret through its length (BREACH).
    The public pages hold no secret: they never use the CSRF token or the session, which is
    also why the page cache may share them (`timeline.cache.belongs_to_one_visitor`). Whatever
    does, the admin and its login above all, goes out uncompressed.
    """

    # Brotli's quality 5: as fast as gzip's default here, a tenth smaller (11 takes 50 times
    # longer for another 9 %).
    brotli_quality = 5

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if belongs_to_one_visitor(request, response):
            return response
        accepts = request.META.get("HTTP_ACCEPT_ENCODING", "")
        if (
            response.streaming
            or response.has_header("Content-Encoding")
            or not ACCEPTS_BROTLI.search(accepts)
        ):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Encoding",))
        compressed = brotli.compress(response.content, quality=self.brotli_quality)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        response.headers["Content-Encoding"] = "br"
        return response


class EditorLanguageMiddleware:
    """The admin in the editor's own language (`EditorPreference`): Dutch unless the editor
    chose English, whatever the browser asks for, so that one desk never mixes two languages.
    After AuthenticationMiddleware, which tells who the editor is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path_info.startswith(reverse("admin:index")):
            from timeline.models import EditorPreference

            language = EditorPreference.language_of(getattr(request, "user", None))
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class PictureFilesMiddleware:
    """Event pictures from the file-system storage under MEDIA_URL, in development and in
    production alike (whitenoise serves only static files). Only names the site itself makes
    (`pictures.NAME`: `pictures/<hash>-<width>.jpg`) are looked up, so no path can leave the
    pictures; a name never changes content, so it is cached for a year. Answered before the
    compression, sessions and CSRF: a JPEG gains nothing from them. With S3 the pictures' URLs
    are the bucket's and nothing comes here."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = settings.MEDIA_URL

    def __call__(self, request: HttpRequest):
        if not request.path.startswith(self.prefix):
            return self.get_response(request)
        name = request.path.removeprefix(self.prefix)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        if not pictures.NAME.fullmatch(name):
            return HttpResponseNotFound("Not found", content_type="text/plain")
        try:
            file = default_storage.open(name, "rb")
        except (FileNotFoundError, NotADirectoryError):
            return HttpResponseNotFound("Not found", content_type="text/plain")
        response = FileResponse(file, content_type="image/jpeg")
        response["Cache-Control"] = pictures.CACHE_CONTROL
        return response
