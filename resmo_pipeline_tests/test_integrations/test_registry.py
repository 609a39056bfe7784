"""The integrations registry: a JSON file of non-secret settings, safe against concurrent writers."""

from __future__ import annotations

import json
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from resmo_pipeline.integrations.registry import (
    Integration,
    IntegrationError,
    Registry,
    UnknownIntegrationError,
)


def _add_many(path: str, prefix: str, count: int) -> None:
    registry = Registry(path)
    for index in range(count):
        registry.add(Integration(name=f"{prefix}-{index}", pat_env="SOME_PAT"))
        registry.record_sync(f"{prefix}-{index}", "success")


def test_lifecycle_of_one_entry(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "integrations.json")
    registry.add(Integration(name="Contoso", pat_env="CONTOSO_PAT", interval_s=1800))

    stored = registry.get("CONTOSO")
    assert stored.name == "contoso"
    assert stored.enabled and stored.interval_s == 1800 and stored.pat_env == "CONTOSO_PAT"
    assert not registry.disable("contoso").enabled
    assert not Registry(registry.path).get("contoso").enabled
    assert registry.enable("contoso").enabled
    assert registry.record_sync("contoso", "success").last_sync_status == "success"
    assert [integration.name for integration in registry.list()] == ["contoso"]
    assert registry.delete("contoso").name == "contoso"
    assert registry.list() == []


def test_file_is_private_json_without_temp_leftovers(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "integrations.json")
    registry.add(Integration(name="fabrikam", auth="service-principal", tenant_id="t", client_id="c",
                             client_secret_env="FABRIKAM_SECRET"))
    assert stat.S_IMODE(registry.path.stat().st_mode) == 0o600
    data = json.loads(registry.path.read_text())
    assert data["integrations"][0]["client_secret_env"] == "FABRIKAM_SECRET"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".integrations-")) == []


def test_unknown_organization_names_it_and_points_to_list(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "integrations.json")
    with pytest.raises(UnknownIntegrationError) as caught:
        registry.get("nowhere")
    assert "'nowhere'" in str(caught.value) and "integrations list" in str(caught.value)
    with pytest.raises(UnknownIntegrationError):
        registry.disable("nowhere")


def test_duplicates_and_bad_values_are_refused(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "integrations.json")
    registry.add(Integration(name="contoso", pat_env="PAT"))
    with pytest.raises(IntegrationError, match="already connected"):
        registry.add(Integration(name="CONTOSO", pat_env="OTHER"))
    with pytest.raises(IntegrationError, match="not a valid Azure DevOps organization"):
        Integration(name="bad name!")
    with pytest.raises(IntegrationError, match="Unknown authentication"):
        Integration(name="x", auth="password")
    with pytest.raises(IntegrationError, match="positive"):
        registry.update("contoso", interval_s=0)
    assert registry.get("contoso").interval_s == 3600


@pytest.mark.parametrize("secret", ["x7q2/secret+value==", "q4mz7kx2w3vbnp5rtl6yc8hd9fj0gs1aeu2oi3kx7mz4wq5rtyb6"])
def test_a_secret_given_in_place_of_a_variable_name_is_refused_unseen(secret: str) -> None:
    with pytest.raises(IntegrationError) as caught:
        Integration(name="contoso", pat_env=secret)
    assert secret not in str(caught.value)
    assert "NAME of an environment variable" in str(caught.value)
    assert Integration(name="contoso", pat_env="CONTOSO_READ_ONLY_PAT_FOR_INVENTORY").pat_env


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "integrations.json")
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_add_many, [path, path], ["a", "b"], [15, 15]))
    integrations = Registry(path).list()
    assert len(integrations) == 30
    assert all(integration.last_sync_status == "success" for integration in integrations)


def test_unreadable_registry_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "integrations.json"
    path.write_text("{not json")
    with pytest.raises(IntegrationError, match="not valid JSON"):
        Registry(path).list()
