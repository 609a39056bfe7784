"""Notification configuration: clear errors for bad files, a working default."""

from __future__ import annotations

from pathlib import Path

import pytest

from resmo_pipeline.notify.config import NotificationConfigError, load_config, parse_config


def test_default_config_sends_everything_to_the_local_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESMO_HOME", str(tmp_path))
    monkeypatch.delenv("RESMO_NOTIFICATIONS", raising=False)
    config = load_config()
    assert list(config.channels) == ["local-log"]
    assert config.subscriptions[0].channels == ("local-log",)
    assert "change" in config.subscriptions[0].events and "new_finding" in config.subscriptions[0].events


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"channels": {"x": {"type": "pager"}}}, "unknown type 'pager'"),
        ({"channels": {"x": {"type": "slack", "url_env": "A", "colour": "red"}}}, "unknown option(s) colour"),
        ({"channels": {"x": {"type": "log"}}, "subscriptions": [{"name": "s", "channels": ["y"]}]},
         "unknown: ['y']"),
        ({"channels": {"x": {"type": "log"}}, "subscriptions": [{"name": "s", "events": ["boom"],
                                                                 "channels": ["x"]}]}, "unknown event(s)"),
    ],
)
def test_bad_configuration_names_the_problem(document: dict, expected: str) -> None:
    with pytest.raises(NotificationConfigError) as info:
        parse_config(document, source="notifications.yaml")
    assert expected in str(info.value)
    assert "notifications.yaml" in str(info.value)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notifications.yaml"
    path.write_text("channels: [unclosed")
    with pytest.raises(NotificationConfigError, match="not valid YAML"):
        load_config(path)
