"""Whatever a query string holds, the timeline and the API answer 200 or 400, never 500."""

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

KEYS = ["actor", "affiliation", "type", "status", "from", "to", "q", "who", "order", "cursor",
        "page", "x"]
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["lavrov", "poetin", "navo", "phone-call", "statement", "expected",
                     "occurred", "desc", "asc", "2022-01-28~lavrov", "2022-13-01~x", "vorige week",
                     "eerder deze week", "2022-01-26", "26 jan", "\x00", "' OR 1=1 --",
                     "<script>", "9999-12-31", "0000-00-00", "-1", "1e309"]),
)
PARAMS = st.lists(st.tuples(st.sampled_from(KEYS), VALUES), max_size=8)


@pytest.mark.parametrize("path", ["/", "/api/events.json", "/actors/suggest/"])
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(params=PARAMS, htmx=st.booleans())
def test_it_never_answers_500(client, seed, path, params, htmx):
    headers = {"HX-Request": "true", "HX-Target": "results"} if htmx else {}
    response = client.get(path + "?" + urlencode(params), headers=headers)
    assert response.status_code in (200, 400), (params, response.status_code)
