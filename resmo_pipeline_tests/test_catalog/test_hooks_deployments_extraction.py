"""Columns of service hooks and deployment groups read from published and hand-made items; consumer input
values never survive the scrub, whatever the consumer."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.catalog.service_hooks import REDACTED, scrub_subscription
from resmo_pipeline.inventory.rows import build_frame

EXAMPLES = Path("/work/shared/reference/api-examples")
NOW = datetime(2026, 11, 28, 12, 0, 0)


def rows(type_name: str, items: list[dict[str, Any]], context: dict[str, Any] | None = None) -> pd.DataFrame:
    rt = RESOURCE_TYPES[type_name]
    records = [(item, dict(context or {})) for item in items]
    if rt.explode is not None:
        records = [(part, c) for item, c in records for part in rt.explode(item)]
    frame, _ = build_frame(rt, records, "fabrikam", NOW)
    assert list(frame.columns) == rt.column_names
    return frame.set_index("resource_id", drop=False)


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="reference examples not available")
def test_deployment_groups_from_the_published_example() -> None:
    document = json.loads((EXAMPLES / "distributedTask__GET__distributedtask_DeploymentGroups__Page_.json")
                          .read_text(encoding="utf-8-sig"))
    frame = rows("deployment_groups", document["responses"]["200"]["body"]["value"],
                 {"project_id": "91879ed9-819b-46f3-9e0b-52ed4b20c04c", "project_name": "DeploymentGroupRESTSample"})
    row = frame.loc["91879ed9-819b-46f3-9e0b-52ed4b20c04c/14"]
    assert row["name"] == "MyDeploymentGroup12" and row["pool_id"] == 9
    assert row["pool_name"] == "DeploymentGroupRESTSample-MyDeploymentGroup12"
    assert row["machine_count"] == 0 and row["online_machine_count"] == 0
    assert pd.isna(row["machine_tags"])


def test_every_unknown_consumer_input_is_redacted_and_urls_lose_all_but_the_host() -> None:
    item = {
        "id": "s1", "consumerId": "jenkins", "actionDescription": "Build on https://ci.example/job?t=QUERYSECRET",
        "consumerInputs": {"serverBaseUrl": "https://admin:PW@ci.example:8443/jenkins?t=QUERYSECRET",
                           "username": "admin", "userToken": "JENKINSTOKEN", "buildName": "deploy", "empty": ""},
    }
    scrubbed = scrub_subscription(item)
    text = json.dumps(scrubbed)
    for secret in ("QUERYSECRET", "PW@", "JENKINSTOKEN", "8443", "/jenkins"):
        assert secret not in text
    inputs = scrubbed["consumerInputs"]
    assert inputs == {"serverBaseUrl": "https://ci.example", "username": REDACTED, "userToken": REDACTED,
                      "buildName": "deploy", "empty": ""}
    assert item["consumerInputs"]["userToken"] == "JENKINSTOKEN", "the item itself is not changed"
    row = rows("service_hooks", [item]).iloc[0]
    assert row["target_host"] == "ci.example" and bool(row["target_uses_https"])
    assert bool(row["has_basic_auth"]) and bool(row["has_secret_inputs"])
    assert "JENKINSTOKEN" not in row["raw"] and pd.isna(row["project_id"])


def test_a_subscription_without_credentials() -> None:
    row = rows("service_hooks", [{"id": "s2", "consumerId": "webHooks", "publisherInputs": {"projectId": "p1"},
                                  "consumerInputs": {"url": "http://plain.example/hook",
                                                     "basicAuthPassword": "", "resourceDetailsToSend": "all"}}]).iloc[0]
    assert row["target_scheme"] == "http" and bool(row["target_uses_https"]) is False
    assert not bool(row["has_basic_auth"]) and not bool(row["has_secret_inputs"])
    assert json.loads(row["publisher_inputs"]) == {"projectId": "p1"}
