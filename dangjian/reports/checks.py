"""What the reports app checks of the registry at start (see ``core.registry.validate``)."""

from __future__ import annotations

from django.apps import apps

from dangjian.core import registry

from .summary import METRIC_KEY, PLACEHOLDER
from .summary_sections import DEFAULT_SECTIONS


def summary_references_are_registered() -> list[str]:
    """Every figure and example the default overview names from an installed app is registered.

    Keys of modules not installed yet are the proposed names and are simply left out of the text;
    a key under a present prefix that nothing registers is a rename the overview missed, and would
    silently empty its sentences.
    """
    # A prefix is present when its app is installed or anything registers under it ("members.*").
    present = {config.label for config in apps.get_app_configs()}
    present |= {m.key.split(".")[0] for m in registry.metrics()}
    present |= {e.key.split(".")[0] for e in registry.all_examples()}
    problems = []
    for section in DEFAULT_SECTIONS:
        for match in PLACEHOLDER.finditer(section.heading + "\n" + section.body):
            name = match[1].strip()
            is_example = name.startswith("ex:")
            key = name[3:] if is_example else name
            if not METRIC_KEY.match(key) or key.split(".")[0] not in present:
                continue
            found = registry.examples(key) if is_example else registry.metric_or_none(key)
            if found is None:
                kind = "examples" if is_example else "metric"
                problems.append(
                    f"the overview's section {section.key!r} names {kind} {key!r}, which no app registers"
                )
    return problems
