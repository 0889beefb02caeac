# ruff: noqa: F401, F811  (the `served` fixture is imported, then requested by name)
"""Finding 13: schemathesis against the running API (`/api/openapi.json`, the bootstrap token).
Any 5xx, any status the document does not list, or any answer that breaks its declared schema
fails the run. Fixed seed (derandomized), bounded examples per operation: about a minute here."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security._served import ADMIN_TOKEN, ONLY_SQLITE, Served, served

pytestmark = ONLY_SQLITE
EXAMPLES = int(os.environ.get("SCRM_FUZZ_EXAMPLES", "15"))


def no_server_error(ctx: object, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """No 5xx, except a 502 the operation documents (WeCom is unreachable here on purpose)."""
    status = response.status_code
    documented = case.operation.definition.raw.get("responses", {})
    if status >= 500 and not (status == 502 and "502" in documented):
        raise AssertionError(f"server error {status}: {response.text[:300]}")


def invalid_refused(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> Any:
    """A request that breaks the schema is refused (4xx); 413 counts (the 1 MiB body cap)."""
    if response.status_code == 413:
        return None
    return negative_data_rejection(ctx, response, case)


def _explain(exc: BaseException) -> str:
    """The exception and, for a group (Hypothesis' flaky replays), each one inside it: the
    first failure is what needs fixing, not the report that its replay differed."""
    parts = [f"{type(exc).__name__}: {exc}"]
    for inner in getattr(exc, "exceptions", ()):
        parts.append("  - " + _explain(inner).replace("\n", "\n    "))
    return "\n".join(parts)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_under_schemathesis(served: Served, mode: GenerationMode) -> None:
    """Positive: valid requests. Negative: requests that break the schema (wrong types, out of
    bounds, missing fields), which must be refused with a documented 4xx, never a 5xx."""
    base = served.base
    doc = requests.get(f"{base}/api/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(doc)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    checks = [no_server_error, status_code_conformance, response_schema_conformance]
    if mode == GenerationMode.NEGATIVE:
        checks.append(invalid_refused)
    http = requests.Session()
    seen: Counter[int] = Counter()
    http.hooks["response"].append(lambda r, *a, **k: seen.update([r.status_code]))
    failures: list[str] = []
    count = 0
    operations = [result.ok() for result in schema.get_all_operations()]
    # Corp operations last: a second corp (POST) or a deactivated one (PUT active:false) makes
    # every corp-scoped call of the bootstrap token a 422 "pass ?corp_id=".
    operations.sort(key=lambda op: op.path.startswith("/api/v1/corps"))
    for operation in operations:
        count += 1

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,  # a fixed seed: the same cases every run
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=base, session=http, headers=headers, checks=checks)

        try:
            run()
        # schemathesis raises an exception group; every failing operation is reported.
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            failures.append(f"{operation.label}: {_explain(exc)[:3000]}")
    calls = sum(seen.values())
    print(f"schemathesis {mode.value}: {count} operations, {calls} calls, statuses {seen}")
    assert count > 100  # the whole document was walked
    # The token works: the run got past auth (negative cases also break the header on purpose).
    assert seen[401] < calls * (0.1 if mode == GenerationMode.POSITIVE else 0.67)
    assert not failures, f"{len(failures)} operations failed:\n" + "\n\n".join(failures)
