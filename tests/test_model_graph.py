"""The declared model graph: every model declares how it is materialized and
what it reads, the reads resolve, the generated doc is current, and no model
re-points a relation at run time."""

from __future__ import annotations

from pathlib import Path

from aicost_cli import models

DOC = Path(__file__).resolve().parents[1] / "docs" / "model-graph.md"


def test_every_model_declares_its_materialization_and_reads() -> None:
    graph = models.graph()  # raises on a missing or unknown declaration
    assert {"operations", "operations_daily", "int_operations_priced"} <= set(graph)
    assert graph["operations"].materialized == "incremental_by_day"
    assert graph["operations_daily"].materialized == "incremental_by_day"


def test_build_order_puts_every_model_after_what_it_reads() -> None:
    order = models.upstream(["operations", "operations_daily"])
    graph = models.graph()
    for position, name in enumerate(order):
        for read in graph[name].reads:
            if read in graph:
                assert order.index(read) < position, (name, read)
    # staging models are the ingest's, not the build's
    assert not [name for name in order if name.startswith("stg_")]


def test_generated_graph_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == models.graph_markdown(), (
        "regenerate: python -m aicost_cli.models > docs/model-graph.md"
    )


def test_no_model_is_aliased_at_run_time() -> None:
    code = (Path(__file__).resolve().parents[1] / "aicost_cli").rglob("*.py")
    for path in code:
        text = path.read_text(encoding="utf-8")
        assert "operations_to_price" not in text, path
        assert "stg_operations" not in text, path


def test_every_format_has_its_staging_model_and_landing_table() -> None:
    from aicost_cli.ingest.formats import REGISTRY
    from aicost_cli.migrations import LANDING_SOURCES

    graph = models.graph()
    assert {f.format.value for f in REGISTRY} == set(LANDING_SOURCES)
    for source in REGISTRY:
        assert graph[source.staging_model].reads == (f"raw_{source.format.value}",)
        assert source.landing_table in graph["int_operations_unioned"].reads
        assert source.policy == "insert_once"  # request logs: an id is landed once
