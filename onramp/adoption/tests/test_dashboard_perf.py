"""The adoption page reads the roll-ups only (never the daily activity), a fixed number of
queries, and caches what it reads from them until an import, a rule change or a mapping
changes them.

Worked example (rule k=1, W=28; figures as of Sunday 15 March 2026, the last week end with
usage). Rollout "Launch" over Operations (E1 in Operations, E2 E3 in Team A, E4 E5 in Team B:
5 people), wave "Pilot" over Delivery (E2-E5), live on Monday 2 February. E6 is in Finance.
  E2 uses it every Monday from 2 Feb, E3 from 9 Feb, E4 from 23 Feb; E1 on 2 March only.
  Active on 15 March (a day in 16 Feb..15 Mar): E1 E2 E3 E4 = 4 of 6 people, 66.7%.
  Days from go-live to adoption (Pilot's people): E2 0, E3 7, E4 21; mean 9.3, sd 8.7;
  z = -1.07, -0.27, 1.34: one early adopter, one early majority, one laggard; 5 - 3 = 2 not yet.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from onramp.adoption import dashboard
from onramp.adoption.models import (
    IdentityActivity,
    PersonActivity,
    ProjectActivity,
    UnmatchedIdentity,
)
from onramp.adoption.services import rule_update, unmatched_map, usage_ingest
from onramp.rollout.services import rollout_create, wave_create

D = dt.date
MONDAYS = [D(2026, 2, 2) + dt.timedelta(weeks=i) for i in range(6)]  # 2 Feb .. 9 Mar


def _usage(tmp_path, name: str, rows: list[tuple[dt.date, str]]):
    lines = ["timestamp,user,action"] + [f"{day}T10:00:00,{who},open" for day, who in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def launched(tmp_path, small_org, other_service):
    svc = other_service
    rollout = rollout_create(service=svc, name="Launch", units=[small_org["ops"]])
    wave_create(
        rollout=rollout,
        name="Pilot",
        units=[small_org["delivery"]],
        start_date=D(2026, 1, 26),
        go_live_date=D(2026, 2, 2),
        end_date=D(2026, 4, 30),
        accept_over_capacity=True,
    )
    rows = [(day, "p2@acme.test") for day in MONDAYS]
    rows += [(day, "p3@acme.test") for day in MONDAYS[1:]]
    rows += [(day, "p4@acme.test") for day in MONDAYS[3:]]
    rows += [(D(2026, 3, 2), "bea@acme.test"), (D(2026, 3, 9), "newbie@acme.test")]
    usage_ingest(path=_usage(tmp_path, "usage.csv", rows), service=svc)
    return svc


def _page(client, service) -> str:
    html = client.get(reverse("adoption:service", args=[service.slug])).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def _rate(html: str) -> str:
    return re.search(r'data-kpi="rate">([^<]*)<', html).group(1)


def _category(html: str, name: str) -> tuple[str, str]:
    found = re.search(
        rf"<td>{name}</td><td class=\"num\">(\d+)</td><td class=\"num\">([\d.]+)%", html
    )
    return found.group(1), found.group(2)


def test_the_page_shows_the_worked_example_and_the_same_page_from_the_cache(
    client_for, other_owner, launched
):
    client = client_for(other_owner)
    first = _page(client, launched)
    assert _rate(first) == "66.7%"
    assert "4 of 6" in first
    assert _category(first, "Innovators") == ("0", "0.0")
    assert _category(first, "Early adopters") == ("1", "33.3")
    assert _category(first, "Early majority") == ("1", "33.3")
    assert _category(first, "Laggards") == ("1", "33.3")
    assert '<td>Not yet adopted</td><td class="num">2</td>' in first
    assert "mean 9.3, sd 8.7" in first
    assert _page(client, launched) == first  # the second render reads the cache


def test_the_page_reads_no_daily_activity_and_the_same_queries_whatever_the_usage(
    tmp_path, client_for, other_owner, launched
):
    client = client_for(other_owner)
    url = reverse("adoption:service", args=[launched.slug])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    more = [(day + dt.timedelta(days=d), "p5@acme.test") for day in MONDAYS for d in range(5)]
    with CaptureQueriesContext(connection) as importing:
        usage_ingest(path=_usage(tmp_path, "more.csv", more), service=launched)
    tables = [m._meta.db_table for m in (PersonActivity, ProjectActivity, IdentityActivity)]

    def daily_activity(queries: CaptureQueriesContext) -> list[str]:
        return [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in tables)]

    assert daily_activity(importing)  # the import writes there: the test sees those tables
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as cached:
        assert client.get(url).status_code == 200
    for queries in (small, large, cached):
        assert not daily_activity(queries)
    assert len(small.captured_queries) == len(large.captured_queries) <= 25
    # From the cache: neither the weekly roll-up nor the adopter states are read row by row.
    rows = [q["sql"] for q in cached.captured_queries]
    assert not [q for q in rows if "adoption_unitweek" in q and "week_end" in q.split("FROM")[0]]
    assert not [q for q in rows if "adoption_adopterstate" in q and "adopted_on" in q]


def test_a_new_import_shows_at_once(tmp_path, client_for, other_owner, launched):
    client = client_for(other_owner)
    assert _rate(_page(client, launched)) == "66.7%"
    usage_ingest(
        path=_usage(tmp_path, "e5.csv", [(D(2026, 3, 9), "p5@acme.test")]), service=launched
    )
    html = _page(client, launched)
    assert _rate(html) == "83.3%"  # E5 too: 5 of 6
    assert '<td>Not yet adopted</td><td class="num">1</td>' in html


def test_a_rule_change_shows_at_once(client_for, other_owner, launched):
    client = client_for(other_owner)
    assert _rate(_page(client, launched)) == "66.7%"
    rule_update(service=launched, min_active_days=2, window_days=28)
    # Two Mondays in the window: E2, E3 and E4 (23 Feb, 2 and 9 March); E1 has one day.
    html = _page(client, launched)
    assert _rate(html) == "50.0%"
    # E2 adopts on 9 Feb (7 days), E3 on 16 Feb (14), E4 on 2 March (28).
    assert "mean 16.3" in html


def test_mapping_an_identity_shows_at_once(client_for, other_owner, small_org, launched):
    client = client_for(other_owner)
    assert _rate(_page(client, launched)) == "66.7%"
    unmatched = UnmatchedIdentity.objects.get(service=launched, identity="newbie@acme.test")
    unmatched_map(unmatched=unmatched, person=small_org["people"][5])  # E6, in Finance
    assert _rate(_page(client, launched)) == "83.3%"


def test_without_an_import_or_a_saved_rule_nothing_is_cached(other_service):
    from onramp.adoption.models import AdoptionRule

    rule = AdoptionRule(service=other_service)
    assert dashboard.rollup_key(other_service, rule=rule, batch=None) is None


def test_a_new_import_replaces_the_cached_entries_instead_of_adding_some(
    tmp_path, client_for, other_owner, launched
):
    from django.core.cache import cache

    from onramp.adoption import selectors
    from onramp.adoption.services import rule_for

    def key() -> str | None:
        batch = selectors.batch_list(service=launched).first()
        return dashboard.rollup_key(launched, rule=rule_for(launched), batch=batch)

    client = client_for(other_owner)
    _page(client, launched)
    before = key()
    usage_ingest(
        path=_usage(tmp_path, "e5.csv", [(D(2026, 3, 9), "p5@acme.test")]), service=launched
    )
    _page(client, launched)
    after = key()
    assert before and after and before != after
    for part in ("weekly:52", "adopted"):
        slot = f"adoption:rollup:{launched.pk}:{part}"
        assert cache.get(slot)[0] == after
        assert cache.get(f"{before}:{part}") is None and cache.get(f"{after}:{part}") is None
