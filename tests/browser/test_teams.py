"""/teams in a real browser: every team with its figures, links to its worklist, workload."""

from __future__ import annotations

from tests.browser.snapshot_helpers import run_analytics
from tower import clock
from tower.data import teams
from tower.data.scope import Scope
from tower.kpis import sla
from tower.rules.policy import cached

BUILTIN_POLICY = cached()  # the policy shipped in tower/rules/policy.yaml
AT_RISK = sla.at_risk_share(BUILTIN_POLICY)

EVERYTHING = Scope.everything()


def test_the_teams_page_shows_each_teams_work_and_links_to_its_worklist(page, live_server, engine_live,
                                                                       sign_in, shot):
    run_analytics(live_server.db_url, snapshots=0)
    sign_in(page, "supervisor")
    page.goto(live_server.url + "/teams")
    page.wait_for_selector("#teams-table")
    with engine_live.begin() as conn:
        expected = teams.summary(conn=conn, scope=EVERYTHING, at_risk=AT_RISK, now=clock.now())
    rows = page.query_selector_all("#teams-table tbody tr")
    assert len(rows) == len(expected)
    busiest = expected.iloc[0]
    assert busiest["open"] > 0  # the seeded orders raised exceptions
    first = rows[0].query_selector_all("td")
    assert first[0].inner_text() == busiest["name"]
    assert int(first[1].inner_text()) == busiest["open"]
    href = first[0].query_selector("a").get_attribute("href")
    assert href == f"/exceptions?team={busiest['team_id']}"
    page.wait_for_selector("#teams-workload-table")
    assert page.locator("#teams-workload-table tbody tr").count() >= 1
    shot(page, "teams")
    page.click("text=Last 30 days")
    page.wait_for_function("location.search.includes('days=30')")
