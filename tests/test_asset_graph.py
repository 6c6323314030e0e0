"""The asset graph as reviewed: a changed graph (an asset, a dependency, a check or a group
added, removed or moved) shows up as a diff of tests/__snapshots__/test_asset_graph.ambr.

After an intended change: `.venv/bin/python -m pytest tests/test_asset_graph.py
--snapshot-update`, then review and commit the snapshot with the change."""

from __future__ import annotations

from pipelines.definitions import defs


def describe_graph() -> dict[str, dict]:
    graph = defs.resolve_asset_graph()
    described = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        described[key.to_user_string()] = {
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "checks": sorted(check.name for check in node.check_keys),
        }
    return described


def test_the_asset_graph_is_the_reviewed_one(snapshot):
    assert describe_graph() == snapshot


def test_the_graph_flows_from_files_to_the_snapshot():
    graph = describe_graph()
    assert graph["landing/enterprise_returns"]["deps"] == ["raw_inventory"]
    assert "landing/pending_partitions" in graph["int_partitions_to_rebuild"]["deps"]
    assert "mart_kpi" in graph["published_snapshot"]["deps"]
    groups = {name: node["group"] for name, node in graph.items()}
    assert groups["int_partitions_to_rebuild"] == "intermediate"
    # intermediate models read only ingestion, seeds, staging and other intermediate models
    for name, node in graph.items():
        if node["group"] == "intermediate":
            assert {groups[dep] for dep in node["deps"]} <= {
                "ingestion",
                "seeds",
                "staging",
                "intermediate",
            }, name
