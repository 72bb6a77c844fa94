from django.conf import settings
from django.db import models


class SummaryText(models.Model):
    """One saved version of a section's prose of the year-end overview, for an org and a year.

    Append-only: an edit adds a version, the latest version is the one used. The figures are not
    stored here — the text holds placeholders bound to metrics, filled when the overview is built."""

    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+", verbose_name="组织")
    year = models.PositiveSmallIntegerField("年度")
    section = models.CharField("章节", max_length=40)
    version = models.PositiveIntegerField("版本")
    heading = models.CharField("标题", max_length=200, blank=True)
    body = models.TextField("正文模板", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE_PATH = "org__path"

    class Meta:
        verbose_name = "年度综述文稿"
        verbose_name_plural = "年度综述文稿"
        ordering = ["org", "year", "section", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "year", "section", "version"], name="summary_text_one_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_id}/{self.year}/{self.section} v{self.version}"
