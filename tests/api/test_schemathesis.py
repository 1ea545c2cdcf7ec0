"""Property-based tests of the running API (real HTTP on loopback) from its own OpenAPI
document: every generated request is sent with a token of each role (and the DAL-1-scoped
supervisor); no answer may be a server error or differ from the document (status code,
content type, body schema). The figures are printed at the end (pytest -s)."""

from __future__ import annotations

from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import ROLE_USERS, World

CALLERS = [*ROLE_USERS, "scoped"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FIGURES: Counter = Counter()


def test_every_answer_matches_the_document_for_every_role(world: World, live_api: str) -> None:
    schema = schemathesis.openapi.from_url(live_api + "/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    failures: list[str] = []

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            for caller in CALLERS:
                response = case.call(base_url=live_api, headers=world.auth(caller), timeout=30)
                FIGURES["requests"] += 1
                FIGURES[f"status {response.status_code}"] += 1
                if response.status_code >= 500:
                    FIGURES["server errors"] += 1
                try:
                    case.validate_response(response, checks=CHECKS, headers=world.auth(caller))
                except (Exception, BaseExceptionGroup) as exc:  # collected and reported below
                    FIGURES["violations"] += 1
                    failures.append(f"{case.operation.label} as {caller}: {str(exc)[:400]}")

        run()
        FIGURES["operations"] += 1
    assert not failures, "\n".join(failures[:10])


def test_zz_figures_of_the_run(live_api: str) -> None:
    print("\nschemathesis figures:", dict(sorted(FIGURES.items())))
    assert FIGURES["requests"] > 0
    assert FIGURES["server errors"] == 0 and FIGURES["violations"] == 0
