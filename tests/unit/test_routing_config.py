"""Routing topics and the team's skills are checked against each other at start (#18)."""

from __future__ import annotations

import pytest

from crm_core.errors import InvalidInput
from routing.config import load_config


def test_shipped_config_topics_are_all_skills_the_demo_team_has() -> None:
    from crm_core.demo.support import SKILLS

    config = load_config()
    assert config.skills and set(config.intent_topics.values()) <= set(config.skills)
    assert set(config.skills) == set(SKILLS)  # the demo team can take every topic


def test_a_topic_no_skill_has_fails_at_start(tmp_path) -> None:
    path = tmp_path / "routing.yml"
    path.write_text("skills: [orders, product]\n"
                    "intent_topics: {cancel_order: orders, product_question: products}\n")
    with pytest.raises(InvalidInput) as err:
        load_config(path)
    assert "products" in str(err.value) and "skills: orders, product" in str(err.value)


def test_without_a_skill_list_topics_are_not_checked(tmp_path) -> None:
    path = tmp_path / "routing.yml"
    path.write_text("intent_topics: {cancel_order: anything}\n")
    assert load_config(path).intent_topics == {"cancel_order": "anything"}
