from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One row of the append-only, hash-chained audit log.

    Database triggers (migration 0002) refuse UPDATE and DELETE; ``manage.py verify_audit`` recomputes
    the chain. Rows are written only by ``core.audit.log_action`` inside the service's transaction.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    SCOPE_PATH = "org_path"

    class Meta:
        ordering = ["-id"]
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"


class Figure(models.Model):
    """A registered metric's stored value for one year on one org, counting only the facts recorded on
    that org itself (the level where facts attach): a subtree's figure is the sum over its paths, one
    grouped query by path prefix whatever the size of the city. ``label`` "" is the whole figure, any
    other label one value of the metric's breakdown. A rate keeps its numerator in ``value`` and its
    denominator in ``denominator`` (sums of both roll up; their quotient does not). Written only by
    ``core.figures``."""

    metric = models.CharField(max_length=80)
    year = models.PositiveSmallIntegerField()
    path = models.CharField(max_length=255)
    label = models.CharField(max_length=120, default="", blank=True)
    value = models.BigIntegerField(default=0)
    denominator = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "统计数据"
        verbose_name_plural = "统计数据"
        constraints = [
            models.UniqueConstraint(fields=["metric", "year", "path", "label"], name="figure_one_value"),
        ]
        indexes = [models.Index(fields=["year", "label", "path"], name="figure_year_label_path")]

    def __str__(self) -> str:
        return f"{self.metric} {self.year} {self.path} {self.label}={self.value}"


class FigureBuild(models.Model):
    """(metric, year) whose figures are stored and complete since ``built_at``: without a row, pages
    compute the metric live."""

    metric = models.CharField(max_length=80)
    year = models.PositiveSmallIntegerField()
    built_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["metric", "year"], name="figure_build_once")]

    def __str__(self) -> str:
        return f"{self.metric} {self.year} @ {self.built_at:%Y-%m-%d %H:%M}"


class FigureDirty(models.Model):
    """Facts of ``model`` on the org at ``path`` changed: its metrics' stored figures there are to be
    recomputed (any year). Written in the writing transaction, so a write never commits without it;
    ``path`` "" asks for the model's metrics to be rebuilt whole (a rule or the tree changed)."""

    model = models.CharField(max_length=100)
    path = models.CharField(max_length=255, blank=True)
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["path"], name="figure_dirty_path")]

    def __str__(self) -> str:
        return f"{self.model} {self.path or '*'}"
