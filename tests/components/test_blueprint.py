"""The bundled blueprint is valid for Home Assistant and calls our actions."""

from __future__ import annotations

from pathlib import Path

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint, BlueprintInputs
from homeassistant.core import HomeAssistant
from homeassistant.util.yaml import load_yaml_dict

BLUEPRINT = (
    Path(__file__).resolve().parents[2] / "blueprints/automation/snoop_guard/block_at_night.yaml"
)


async def test_block_at_night_blueprint_is_valid(hass: HomeAssistant) -> None:
    data = await hass.async_add_executor_job(load_yaml_dict, str(BLUEPRINT))
    blueprint = Blueprint(data, expected_domain="automation", schema=AUTOMATION_BLUEPRINT_SCHEMA)
    assert set(blueprint.inputs) == {"devices", "what", "start", "end"}

    inputs = BlueprintInputs(
        blueprint,
        {
            "use_blueprint": {
                "path": "snoop_guard/block_at_night.yaml",
                "input": {"devices": ["d1"]},
            }
        },
    )
    inputs.validate()
    config = inputs.async_substitute()
    assert [t["at"] for t in config["triggers"]] == ["23:00:00", "07:00:00"]
    steps = [choice["sequence"][0] for choice in config["actions"][0]["choose"]]
    assert [s["action"] for s in steps] == ["snoop_guard.block", "snoop_guard.unblock"]
    assert all(s["data"] == {"device_id": ["d1"], "what": "internet"} for s in steps)
