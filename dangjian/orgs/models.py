from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from dangjian.core.dates import add_years
from dangjian.core.pinyin import name_initials


class Level(models.TextChoices):
    WORKING_COMMITTEE = "working_committee", _("党工委")
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    GROUP = "group", _("党小组")


GRASSROOTS_LEVELS = (Level.COMMITTEE, Level.GENERAL_BRANCH, Level.BRANCH)


class Kind(models.TextChoices):
    ZONE = "zone", _("区域")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    ORGAN = "organ", _("机关")
    SCHOOL = "school", _("学校")
    ENTERPRISE = "enterprise", _("企业")
    NON_PUBLIC = "non_public", _("非公企业")
    SOCIAL = "social", _("社会组织")
    SITE = "site", _("项目工地")
    INDUSTRIAL = "industrial", _("工业社区")


# Committee term length in years by kind (configurable per org through Org.term_years).
DEFAULT_TERM_YEARS = {Kind.VILLAGE: 5, Kind.COMMUNITY: 5}
TERM_WARNING_DAYS = 90


class Org(MP_Node):
    """A party organization. ``path`` (treebeard materialized path) is what every scope filters on."""

    steplen = 4
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    node_order_by = None

    code = models.CharField("组织代码", max_length=32, unique=True)
    name = models.CharField("组织名称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    # Pinyin initials of the name, for the picker (三海社区党委 → shsqdw); kept by save().
    name_initials = models.CharField("名称拼音首字母", max_length=50, blank=True, editable=False)
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    address = models.CharField("地址", max_length=200, blank=True)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    brand = models.CharField("党建品牌", max_length=100, blank=True)
    term_years = models.PositiveSmallIntegerField("班子任期（年）", default=5)
    active = models.BooleanField("在用", default=True)
    # Optimistic locking (core.versioning): a stale edit is refused, never applied.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    SCOPE_PATH = "path"

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        indexes = [
            models.Index(fields=["kind", "level"]),
            # LIKE 'prefix%' uses this index on PostgreSQL whatever the database collation.
            models.Index(fields=["path"], name="orgs_org_path_pattern", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Filled here rather than in a service: treebeard's add_root/add_child save the node themselves.
        self.name_initials = name_initials(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_initials"}
        super().save(*args, **kwargs)

    @property
    def is_grassroots(self) -> bool:
        return self.level in GRASSROOTS_LEVELS


class CommitteeTerm(models.Model):
    """One elected committee (届) of an organization; the 换届 falls due ``term_years`` after election."""

    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="terms", verbose_name="组织")
    elected_on = models.DateField("选举日期")
    term_years = models.PositiveSmallIntegerField("任期（年）")
    # Derived from elected_on + term_years by the service; stored so "due soon" is one indexed query.
    due_on = models.DateField("应换届日期", db_index=True)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        ordering = ["-elected_on"]
        verbose_name = "班子届次"
        verbose_name_plural = "班子届次"
        constraints = [
            models.UniqueConstraint(fields=["org", "elected_on"], name="one_term_per_election_day")
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.elected_on:%Y}届"

    @staticmethod
    def due_date(elected_on: date, term_years: int) -> date:
        return add_years(elected_on, term_years)


class Post(models.TextChoices):
    # Declared in the order committees list their members.
    SECRETARY = "secretary", _("书记")
    DEPUTY = "deputy", _("副书记")
    ORGANIZATION = "organization", _("组织委员")
    PROPAGANDA = "propaganda", _("宣传委员")
    DISCIPLINE = "discipline", _("纪检委员")
    YOUTH = "youth", _("青年委员")
    WOMEN = "women", _("妇女委员")
    OTHER = "other", _("委员")


class CommitteePost(models.Model):
    term = models.ForeignKey(
        CommitteeTerm, on_delete=models.CASCADE, related_name="posts", verbose_name="届次"
    )
    post = models.CharField("职务", max_length=20, choices=Post.choices)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name="人员",
    )
    holder_name = models.CharField("姓名", max_length=50)
    started_on = models.DateField("任职日期", null=True, blank=True)
    ended_on = models.DateField("离任日期", null=True, blank=True)

    SCOPE_PATH = "term__org__path"

    class Meta:
        ordering = ["term", "post", "id"]
        verbose_name = "班子职务"
        verbose_name_plural = "班子职务"

    def __str__(self) -> str:
        return f"{self.get_post_display()} {self.holder_name}"


class LiaisonGroup(models.Model):
    """A supervision group of the zone's leading group; members read and supervise the orgs' subtrees."""

    zone = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="liaison_groups", verbose_name="所属"
    )
    name = models.CharField("名称", max_length=50)
    leader_name = models.CharField("组长", max_length=50, blank=True)
    orgs = models.ManyToManyField(Org, related_name="supervised_by", blank=True, verbose_name="联系组织")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="liaison_groups", blank=True)
    active = models.BooleanField(default=True)

    SCOPE_PATH = "zone__path"

    class Meta:
        ordering = ["id"]
        verbose_name = "联络组"
        verbose_name_plural = "联络组"
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="liaison_group_name_unique")]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    """网格: community → grid → building, with its 网格长 and the households it covers."""

    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="grids", verbose_name="社区")
    name = models.CharField("网格名称", max_length=50)
    leader_name = models.CharField("网格长", max_length=50, blank=True)
    buildings = models.CharField("楼栋", max_length=200, blank=True)

    class Meta:
        ordering = ["org", "name"]
        verbose_name = "网格"
        verbose_name_plural = "网格"
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="grid_name_unique_in_org")]

    def __str__(self) -> str:
        return self.name
