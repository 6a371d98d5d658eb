from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext

from timeline import i18n
from timeline.chart import POINT_RADIUS, WIDTH, X0, X1
from timeline.models import Event
from timeline.pictures import CARD_SIZES, EMBED_SIZES, PAGE_SIZES, Picture

register = template.Library()

register.filter("type_name", i18n.type_name)
register.filter("actor_name", i18n.actor_name)


@register.filter
def publication_label(source) -> str:
    """A source's publication date, no more precise than it is known ("januari 2022")."""
    return i18n.date_label(source.published_period.edtf)


@register.filter
def date_label(event) -> str:
    """An event's date in the reader's language, as precise as the text supports."""
    return i18n.date_label(event.edtf, event.part_of_day)


# -- event cards ---------------------------------------------------------------------------------
# The cards of the timeline and of an actor's page are drawn here rather than by a template: a page
# shows 50 of them, and in the template engine they took half of the time of the whole request
# (some 1,000 variables resolved, localised and escaped one by one). format_html escapes every
# value, as the template did; only the fixed markup below is marked safe.


@register.simple_tag
def event_cards(events) -> SafeString:
    """Event cards, one <li> each, for an <ol> of events fetched with what a card shows
    (`Event.objects.with_details()` or the index's `events()`)."""
    # The titles, summaries and names are Dutch, as entered; say so on a page in another language.
    dutch = mark_safe(' lang="nl"') if i18n.reader_language() != "nl" else ""
    participants_label = gettext("Deelnemers")
    corrected_label = gettext("gecorrigeerd")
    return format_html_join(
        "\n",
        '<li><article class="event status-{}" id="event-{}">\n'
        '  <p class="event-meta"><span class="event-type">{}</span> {}'
        ' <span class="event-date">{}</span>{}</p>\n'
        '  <h3 class="event-title"{}><a href="{}">{}</a></h3>\n'
        "  {}{}{}{}\n"
        "</article></li>",
        (
            (
                event.status,
                event.slug,
                capfirst(i18n.type_name(event.type)),
                _status_badge(event),
                date_label(event),
                _corrected_badge(event, corrected_label),
                dutch,
                event.get_absolute_url(),
                event.title,
                picture_html(picture, CARD_SIZES) if (picture := event.shown_picture) else "",
                format_html('<p class="event-summary"{}>{}</p>', dutch, event.summary)
                if event.summary else "",
                _participants(event.participation_list, participants_label),
                format_html_join("", "{}", ((citation_html(c),) for c in event.citation_list)),
            )
            for event in events
        ),
    )


def _status_badge(event) -> SafeString | str:
    if event.status == Event.Status.OCCURRED:
        return ""
    return format_html('<span class="badge badge-{}">{}</span>', event.status, event.get_status_display())


def _corrected_badge(event, label: str) -> SafeString | str:
    if not event.correction_list:
        return ""
    return format_html(
        ' <a class="badge badge-corrected" href="{}#corrections">{}</a>',
        event.get_absolute_url(),
        label,
    )


def _participants(participations, label: str) -> SafeString | str:
    if not participations:
        return ""
    return format_html(
        '<ul class="participants" aria-label="{}">{}</ul>',
        label,
        format_html_join(
            "",
            '<li><a href="{}">{}</a> <span class="role">{}</span></li>',
            (
                (p.actor.get_absolute_url(), i18n.actor_name(p.actor), p.get_role_display())
                for p in participations
            ),
        ),
    )


# -- pictures -----------------------------------------------------------------------------------
# One drawing of an event's picture for every place that shows one: the cards, the event page,
# the embed and the Atom feed (TimelineJS draws its own from the export's `media`).


def picture_html(picture: Picture, sizes: str, *, absolute=None) -> SafeString:
    """The picture in the sizes the browser may choose from, loaded only when scrolled near,
    with room kept for it (width and height) so that nothing moves when it arrives; its caption
    and credit beneath. `absolute` makes the addresses full URLs, for a feed reader."""
    full = absolute or str
    caption = format_html("{} · ", picture.caption) if picture.caption and picture.credit else picture.caption
    credit = (
        format_html('<span class="picture-credit">{}</span>', picture.credit) if picture.credit else ""
    )
    return format_html(
        '<figure class="picture"><img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" '
        'alt="{}" loading="lazy" decoding="async">{}</figure>',
        full(picture.url),
        picture.srcset(full),
        sizes, picture.width, picture.height, picture.alt,
        format_html("<figcaption>{}{}</figcaption>", caption, credit) if caption or credit else "",
    )  # fmt: skip


@register.simple_tag(name="picture")
def picture_tag(picture: Picture | None, where: str = "page") -> SafeString | str:
    """`{% picture event.shown_picture %}` (the event page) or `... "embed"`; nothing without one."""
    if picture is None:
        return ""
    return picture_html(picture, PAGE_SIZES if where == "page" else EMBED_SIZES)


# -- citations ----------------------------------------------------------------------------------
# One drawing of "the quote and the source behind it" for every place that shows one: the cards,
# the event page, the embed, TimelineJS slides and the Atom feed.


def citation_html(citation, *, new_tab: bool = False) -> SafeString:
    """The quote, and the source that supports it: outlet, title (in the source's language; a
    link when it has a URL), its publication date, no more precise than known, and the press
    agencies it credits ("via Interfax").

    `new_tab` for what is shown inside someone else's page (the embed, a TimelineJS slide, a
    feed reader): the source then opens beside it instead of replacing it."""
    source = citation.source
    title = format_html('<cite lang="{}">{}</cite>', source.language, source.title)
    if source.url:
        target = mark_safe(' target="_blank" rel="noopener"') if new_tab else ""
        credit = format_html('<a href="{}"{}>{}, {}</a>', source.url, target, source.outlet, title)
        cite = format_html(' cite="{}"', source.url)
    else:
        credit, cite = format_html("{}, {}", source.outlet, title), ""
    via = format_html(", {} {}", gettext("via"), source.attribution) if source.attribution else ""
    return format_html(
        '<figure class="citation"><blockquote{} lang="{}"><p>{}</p></blockquote>'
        "<figcaption>— {}, {} {}{}</figcaption></figure>",
        cite, source.language, citation.quote, credit, gettext("gepubliceerd"),
        publication_label(source), via,
    )  # fmt: skip


@register.simple_tag(name="citation")
def citation_tag(cited, new_tab: bool = False) -> SafeString:
    """`{% citation c %}`, or `{% citation c new_tab=True %}`: see `citation_html`."""
    return citation_html(cited, new_tab=new_tab)


# -- the chart -----------------------------------------------------------------------------------
# Drawn here for the same reason as the cards: up to 500 marks. Presentation attributes and
# classes only (the CSP allows no style attribute); the gradient of an open end is in <defs>.


@register.simple_tag
def chart_svg(chart) -> SafeString:
    """The chart (`timeline.chart.Chart`) as inline SVG: the axis, the lanes, and in each lane
    its marks or, in density mode, its periods with their counts; every mark and period a link."""
    s, height = chart.scale, chart.height
    target = mark_safe(' target="_blank" rel="noopener"') if chart.new_tab else ""
    urls: dict[str, str] = {}
    parts = [
        format_html(
            '<svg class="chart-svg" viewBox="0 0 {} {}" role="group" aria-labelledby="chart-caption">'
            '<defs><linearGradient id="chart-fade" x1="0" x2="1" y1="0" y2="0">'
            '<stop offset="0" stop-color="#1d5fa8" stop-opacity="0.9"></stop>'
            '<stop offset="1" stop-color="#1d5fa8" stop-opacity="0"></stop>'
            "</linearGradient></defs>",
            WIDTH,
            height,
        ),
        '<g class="chart-axis" aria-hidden="true">',
        format_html('<line class="axis-line" x1="{}" y1="24" x2="{}" y2="24"></line>', X0, X1),
    ]
    parts += [
        format_html(
            '<line class="grid" x1="{x}" y1="20" x2="{x}" y2="{h}"></line>'
            '<text class="tick" x="{tx}" y="15">{label}</text>',
            x=tick.x, tx=tick.x + 2, h=height, label=tick.label,
        )
        for tick in s.ticks
    ]
    parts.append("</g>")
    for lane in chart.lanes:
        parts.append('<g class="lane">')
        parts.append(
            format_html(
                '<rect class="lane-bg" x="{}" y="{}" width="{}" height="{}"></rect>'
                '<text class="lane-label" x="{}" y="{}">{} ({})</text>',
                X0, lane.y, X1 - X0, lane.height, X0 + 4, lane.y + 14, capfirst(lane.label), lane.count,
            )  # fmt: skip
        )
        for b in lane.bins:
            # Up to some 600 of these: escaped directly (each URL once), not through format_html.
            if b.url not in urls:
                urls[b.url] = escape(b.url)
            label = escape(b.label)
            parts.append(
                f'<a href="{urls[b.url]}" aria-label="{label}"><title>{label}</title>'
                f'<rect class="bin level-{b.level}" x="{b.x}" y="{b.y}" width="{b.w}" height="18"></rect></a>'
            )
        for m in lane.marks:
            link = '<a href="{}"{} aria-label="{}"><title>{}</title>'
            parts.append(format_html(link, m.url, target, m.label, m.label))
            parts.append(_mark_shape(m))
            parts.append("</a>")
        parts.append("</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _mark_shape(m) -> SafeString:
    """A mark's shape: a point for a day (a diamond when uncertain), a bar for a range, a
    taller faded band for a week, month or year, a bar fading out for an open end."""
    uncertain = " mark-uncertain" if m.uncertain else ""
    if m.kind == "day" and m.uncertain:
        r = POINT_RADIUS + 1
        return format_html(
            '<path class="mark mark-day mark-uncertain" d="M{} {}l{r} {r}l-{r} {r}l-{r} -{r}z"></path>',
            m.x, m.y - r, r=r,
        )  # fmt: skip
    if m.kind == "day":
        return format_html(
            '<circle class="mark mark-day" cx="{}" cy="{}" r="{}"></circle>', m.x, m.y, POINT_RADIUS
        )
    if m.kind == "open":
        return format_html(
            '<rect class="mark mark-open{}" x="{}" y="{}" width="{}" height="10"'
            ' fill="url(#chart-fade)"></rect>',
            uncertain, m.x, m.y - 5, m.w,
        )  # fmt: skip
    half = 6 if m.kind == "band" else 5
    return format_html(
        '<rect class="mark mark-{}{}" x="{}" y="{}" width="{}" height="{}" rx="2"></rect>',
        m.kind, uncertain, m.x, m.y - half, m.w, 2 * half,
    )  # fmt: skip
