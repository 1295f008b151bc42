"""`newsmon rules explain`: claims with their rule and spans, and why a sentence has none."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import DEFAULT_TOPIC
from tests import paths


def test_explain_prints_claims_and_reasons() -> None:
    result = CliRunner().invoke(
        app,
        [
            "rules",
            "explain",
            "--date",
            "2025-09-04",
            "Russia demands a written pledge of non-membership. Analysts believe that the Kremlin "
            "wants that in writing.",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "CLAIM russia/nato_membership/rejects" in result.output
    assert "CLAIM russia/legally_binding/demands" in result.output
    assert "stance [demands]@7-14" in result.output
    assert "no claim: 'wants': attributed to analyst/commentator 'Analysts'" in result.output


def test_explain_uses_the_topic_rules_file(tmp_path: Path) -> None:
    topic = yaml.safe_load(Path(DEFAULT_TOPIC).read_text(encoding="utf-8"))
    rules_path = paths.REPO / "monitor" / "topics" / "default.rules.yaml"
    rules = yaml.safe_load(rules_path.read_text(encoding="utf-8"))
    rules["sides"]["russia"]["tracked"] = False
    rules["sides"]["ukraine"]["tracked"] = True
    rules.pop("second_opinion")  # trained on Russia's claims: another side needs its own model
    (tmp_path / "my.rules.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    topic["rules"] = "my.rules.yaml"
    (tmp_path / "topic.yaml").write_text(yaml.safe_dump(topic), encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "--config",
            str(tmp_path / "topic.yaml"),
            "rules",
            "explain",
            "--date",
            "2025-09-04",
            "Kyiv rejects any cap on the size of its army.",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "CLAIM ukraine/military_limits/rejects" in result.output


ARTICLE = (
    "Moscow hands over its paper\n\n"
    "ISTANBUL, June 2 - Russia's delegation handed over a memorandum on Monday.\n"
    "It also calls for the lifting of Western sanctions.\n"
)


def test_explain_reads_a_whole_article_from_a_file_and_shows_carried_context(
    tmp_path: Path,
) -> None:
    page = tmp_path / "article.txt"
    page.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["rules", "explain", "--date", "2025-06-02", "--file", str(page)]
    )
    assert result.exit_code == 0, result.output
    assert "CLAIM russia/sanctions/demands" in result.output
    assert "carried from" in result.output and "memorandum" in result.output


def test_explain_reads_stdin_and_rejects_nothing_to_explain(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["rules", "explain", "--date", "2025-06-02", "-"], input=ARTICLE
    )
    assert result.exit_code == 0, result.output
    assert "CLAIM russia/sanctions/demands" in result.output
    empty = CliRunner().invoke(app, ["rules", "explain", "-"], input="  \n")
    assert empty.exit_code == 2
    assert "nothing to explain" in empty.output
    missing = CliRunner().invoke(app, ["rules", "explain", "--file", str(tmp_path / "none")])
    assert missing.exit_code == 2
    assert "cannot read" in missing.output
