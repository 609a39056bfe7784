"""`resmo-pipeline integrations ...` against the simulator over HTTP, with a real Dagster instance and warehouse."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from resmo_pipeline import settings
from resmo_pipeline.cli import main
from resmo_pipeline.definitions import build_definitions
from resmo_pipeline.instance import get_instance
from resmo_pipeline.integrations.credentials import MissingSecretError, build_credential, token_cache_path
from resmo_pipeline.integrations.registry import Integration, Registry
from resmo_pipeline.inventory.partitions import ORGANIZATIONS_PARTITION, ensure_organizations
from resmo_pipeline.inventory.resources import AzureDevOpsResource
from resmo_pipeline.inventory.schedules import inventory_poll_schedule
from resmo_pipeline.warehouse.access import write_connection


def _partitions() -> list[str]:
    with get_instance() as instance:
        return list(instance.get_dynamic_partitions(ORGANIZATIONS_PARTITION))


def _files_containing(root: Path, needle: str) -> list[Path]:
    encoded = needle.encode()
    return [path for path in root.rglob("*") if path.is_file() and encoded in path.read_bytes()]


def _authority_host(simulator: Any) -> str:
    return simulator.entra.authority.rsplit("/", 1)[0]


def test_add_with_a_good_pat_stores_no_secret(
    simulator: Any, resmo_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TEST_ADO_PAT", simulator.pat)
    code = main(["integrations", "add", simulator.organization.upper(), "--auth", "pat", "--pat-env",
                 "TEST_ADO_PAT", "--base-url", simulator.base_url, "--interval", "30m"])
    output = capsys.readouterr()
    assert code == 0, output.err

    org = simulator.organization.lower()
    stored = Registry().get(org)
    assert (stored.auth, stored.pat_env, stored.interval_s, stored.enabled) == ("pat", "TEST_ADO_PAT", 1800, True)
    assert _partitions() == [org]
    assert f"Connected {org}" in output.out
    assert _files_containing(resmo_home, simulator.pat) == []
    assert simulator.pat not in output.out + output.err

    assert main(["integrations", "list"]) == 0
    listing = capsys.readouterr().out
    assert org in listing and "enabled" in listing and "never" in listing


def test_add_with_a_bad_pat_explains_and_stores_nothing(
    simulator: Any, resmo_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WRONG_PAT", "not-a-valid-token-0123456789")
    code = main(["integrations", "add", simulator.organization, "--pat-env", "WRONG_PAT",
                 "--base-url", simulator.base_url])
    error = capsys.readouterr().err
    assert code == 1
    assert "$WRONG_PAT" in error and repr(simulator.organization.lower()) in error
    assert "the service said" in error and "401" in error
    assert "not-a-valid-token" not in error
    assert Registry().list() == []
    assert _partitions() == []


def test_missing_secret_variable_is_named_never_shown(resmo_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNSET_PAT_VAR", raising=False)
    with pytest.raises(MissingSecretError, match="UNSET_PAT_VAR is not set"):
        build_credential(Integration(name="contoso", pat_env="UNSET_PAT_VAR"))


@pytest.mark.parametrize("how", ["secret", "certificate"])
def test_add_with_a_service_principal_through_msal(
    how: str, simulator: Any, resmo_home: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    entra = simulator.entra
    monkeypatch.setenv("TEST_SP_SECRET", entra.client_secret)
    secret_args = (["--client-secret-env", "TEST_SP_SECRET"] if how == "secret"
                   else ["--certificate", str(entra.certificate_path)])
    code = main(["integrations", "add", simulator.organization, "--auth", "service-principal",
                 "--tenant-id", entra.tenant_id, "--client-id", entra.client_id, *secret_args,
                 "--authority-host", _authority_host(simulator), "--ca-file", str(entra.ca_file),
                 "--base-url", simulator.base_url])
    output = capsys.readouterr()
    assert code == 0, output.err
    stored = Registry().get(simulator.organization)
    assert stored.auth == "service-principal" and stored.client_id == entra.client_id
    assert (stored.certificate_path is None) == (how == "secret")
    assert _files_containing(resmo_home, entra.client_secret) == []
    assert _partitions() == [simulator.organization.lower()]


def _scheduled_organizations(registry: Registry) -> list[str]:
    resources = {"azure_devops": AzureDevOpsResource(registry_path=str(registry.path))}
    with get_instance() as instance, dg.build_schedule_context(
        instance=instance, resources=resources, scheduled_execution_time=datetime.now(UTC),
        repository_def=build_definitions().get_repository_def(),
    ) as context:
        data = inventory_poll_schedule.evaluate_tick(context)
    return sorted(request.partition_key for request in data.run_requests or [])


def test_disable_pauses_polling_and_enable_resumes(resmo_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry = Registry()
    for name in ("alpha", "beta"):
        registry.add(Integration(name=name, pat_env="SOME_PAT"))
    with get_instance() as instance:
        ensure_organizations(instance, ["alpha", "beta"])
    assert _scheduled_organizations(registry) == ["alpha", "beta"]

    assert main(["integrations", "disable", "alpha"]) == 0
    assert "paused" in capsys.readouterr().out
    assert not registry.get("alpha").enabled
    assert _scheduled_organizations(registry) == ["beta"]

    assert main(["integrations", "enable", "alpha"]) == 0
    assert _scheduled_organizations(registry) == ["alpha", "beta"]

    assert main(["integrations", "disable", "gamma"]) == 1
    assert "integrations list" in capsys.readouterr().err


def test_delete_purges_exactly_one_organization(resmo_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry = Registry()
    for name in ("alpha", "beta"):
        registry.add(Integration(name=name, pat_env="SOME_PAT"))
        token_cache_path(name).write_text("{}")
    with get_instance() as instance:
        ensure_organizations(instance, ["alpha", "beta"])
    with write_connection(settings.warehouse_path()) as conn:
        conn.execute("CREATE SCHEMA azure_devops")
        conn.execute("CREATE TABLE azure_devops.projects (organization VARCHAR, resource_id VARCHAR, raw JSON)")
        conn.execute("CREATE TABLE azure_devops.repositories (organization VARCHAR, resource_id VARCHAR)")
        conn.execute("INSERT INTO azure_devops.projects VALUES ('alpha', 'p1', '{}'), ('alpha', 'p2', '{}'), "
                     "('beta', 'p1', '{}')")
        conn.execute("INSERT INTO azure_devops.repositories VALUES ('alpha', 'r1'), ('beta', 'r1'), ('beta', 'r2')")

    assert main(["integrations", "list"]) == 0
    listing = capsys.readouterr().out
    assert any(line.split()[:1] == ["alpha"] and line.split()[-3:] == ["3", "-", "-"] for line in listing.splitlines())

    assert main(["integrations", "delete", "alpha", "--yes"]) == 0
    output = capsys.readouterr().out
    assert "https://dev.azure.com/alpha/_usersSettings/tokens" in output
    assert "3 warehouse rows purged" in output

    with write_connection(settings.warehouse_path()) as conn:
        left = conn.execute(
            "SELECT organization, count(*) FROM (SELECT organization FROM azure_devops.projects UNION ALL "
            "SELECT organization FROM azure_devops.repositories) GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    assert left == [("beta", 3)]
    assert _partitions() == ["beta"]
    assert not token_cache_path("alpha").exists() and token_cache_path("beta").exists()
    assert [integration.name for integration in registry.list()] == ["beta"]


def test_discover_with_an_all_organizations_pat_adds_them(
    simulator: Any, resmo_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALL_ORGS_PAT", simulator.issue_pat(scopes=("vso.profile", "vso.project"),
                                                           all_organizations=True))
    code = main(["integrations", "discover", "--auth", "pat", "--pat-env", "ALL_ORGS_PAT",
                 "--base-url", simulator.base_url, "--all"])
    output = capsys.readouterr()
    assert code == 0, output.err
    org = simulator.organization.lower()
    assert org in output.out
    assert Registry().get(org).pat_env == "ALL_ORGS_PAT"
    assert _partitions() == [org]
    assert json.loads(settings.registry_path().read_text())["integrations"][0]["name"] == org


def test_discover_with_an_organization_pat_explains_the_all_organizations_need(
    simulator: Any, resmo_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ONE_ORG_PAT", simulator.issue_pat(scopes=("vso.profile", "vso.project")))
    code = main(["integrations", "discover", "--auth", "pat", "--pat-env", "ONE_ORG_PAT",
                 "--base-url", simulator.base_url])
    assert code == 1
    assert "All accessible organizations" in capsys.readouterr().err


def test_add_with_a_managed_identity(
    simulator: Any, resmo_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IDENTITY_ENDPOINT", simulator.entra.identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", simulator.entra.identity_header)
    code = main(["integrations", "add", simulator.organization, "--auth", "managed-identity",
                 "--base-url", simulator.base_url])
    output = capsys.readouterr()
    assert code == 0, output.err
    assert Registry().get(simulator.organization).auth == "managed-identity"
    assert _files_containing(resmo_home, simulator.entra.identity_header) == []


def test_device_code_sign_in_is_cached_per_organization_and_deleted_with_it(
    simulator: Any, resmo_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entra = simulator.entra
    org = simulator.organization.lower()
    code = main(["integrations", "add", org, "--auth", "device-code", "--tenant-id", entra.tenant_id,
                 "--client-id", entra.client_id, "--authority-host", _authority_host(simulator),
                 "--ca-file", str(entra.ca_file), "--base-url", simulator.base_url])
    output = capsys.readouterr()
    assert code == 0, output.err
    assert "enter the code" in output.err
    cache = token_cache_path(org)
    assert cache.exists() and stat.S_IMODE(cache.stat().st_mode) == 0o600

    assert main(["integrations", "delete", org, "--yes"]) == 0
    assert "token cache removed" in capsys.readouterr().out
    assert not cache.exists()
    assert _partitions() == [] and Registry().list() == []


def test_discover_by_device_code_signs_in_once_for_every_organization(
    simulator: Any, resmo_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entra = simulator.entra
    org = simulator.organization.lower()
    code = main(["integrations", "discover", "--auth", "device-code", "--tenant-id", entra.tenant_id,
                 "--client-id", entra.client_id, "--authority-host", _authority_host(simulator),
                 "--ca-file", str(entra.ca_file), "--base-url", simulator.base_url, "--add", org])
    output = capsys.readouterr()
    assert code == 0, output.err
    assert output.err.count("enter the code") == 1
    assert Registry().get(org).auth == "device-code"
    assert stat.S_IMODE(token_cache_path(org).stat().st_mode) == 0o600
    assert _partitions() == [org]


def test_add_with_a_wrong_client_secret_explains_and_stores_nothing(
    simulator: Any, resmo_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    entra = simulator.entra
    wrong = "wrong-secret-3f9a7c1e5b"
    monkeypatch.setenv("WRONG_SP_SECRET", wrong)
    code = main(["integrations", "add", simulator.organization, "--auth", "service-principal",
                 "--tenant-id", entra.tenant_id, "--client-id", entra.client_id,
                 "--client-secret-env", "WRONG_SP_SECRET", "--authority-host", _authority_host(simulator),
                 "--ca-file", str(entra.ca_file), "--base-url", simulator.base_url])
    error = capsys.readouterr().err
    assert code == 1
    assert f"service principal {entra.client_id}" in error and "$WRONG_SP_SECRET" in error
    assert wrong not in error
    assert Registry().list() == [] and _partitions() == []
