import pytest
from django.db.models import Count

from dangjian.core import metrics, registry
from dangjian.orgs.models import Level, Org


def _founded(year: int):
    return Org.objects.filter(level=Level.BRANCH, founded_on__year=year)


@pytest.fixture
def temp_metric():
    """A metric no reports code knows about: branches founded in the year, registered for one test."""
    metric = metrics.register(
        metrics.Metric(
            key="testing.founded",
            label="新建支部",
            unit="个",
            area="测试领域",
            facts=_founded,
            path_field="path",
            aggregate=Count("pk"),
            order=999,
            breakdown="kind",
            columns=(("code", "组织代码"),),
        )
    )
    yield metric
    metrics.unregister(metric.key)


@pytest.fixture
def only_metrics(monkeypatch):
    """Restrict the registry to the given keys for one test (other modules' metrics stay out)."""

    def restrict(*keys):
        kept = {k: registry.metric(k) for k in keys}
        monkeypatch.setitem(registry._kinds, "metric", kept)

    return restrict
