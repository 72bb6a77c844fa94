from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.pii import EncryptedTextField, mask_id, mask_phone


class Sex(models.TextChoices):
    MALE = "男", _("男")
    FEMALE = "女", _("女")


class Household(models.Model):
    """A household of residents, with an address and the grid that covers it."""

    org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, related_name="households", verbose_name="村/社区"
    )
    grid = models.ForeignKey(
        "orgs.Grid",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="households",
        verbose_name="网格",
    )
    number = models.CharField("户号", max_length=40)
    address = models.CharField("地址", max_length=200, blank=True)

    class Meta:
        verbose_name = "户"
        verbose_name_plural = "户"
        constraints = [
            models.UniqueConstraint(fields=["org", "number"], name="household_number_unique_in_org")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.address}"


class Person(models.Model):
    """A person — member or resident. ``org`` is where the person is registered (branch or village)."""

    org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, related_name="persons", verbose_name="所属组织"
    )
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="persons", verbose_name="户"
    )
    name = models.CharField("姓名", max_length=50, db_index=True)
    name_initials = models.CharField("姓名拼音首字母", max_length=50, db_index=True, blank=True)
    id_number = EncryptedTextField("身份证号", blank=True)
    id_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    sex = models.CharField("性别", max_length=2, choices=Sex.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    education = models.CharField("学历", max_length=20, blank=True)
    phone = EncryptedTextField("联系电话", blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    address = models.CharField("住址", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        constraints = [
            models.UniqueConstraint(
                fields=["id_index"], condition=~Q(id_index=""), name="person_id_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def age_on(self, day: date) -> int | None:
        if not self.birth_date:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class MemberStatus(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class Member(models.Model):
    """A party membership: the person on a branch's roll. ``left_on`` set means off the roll."""

    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, related_name="membership", verbose_name="人员"
    )
    org = models.ForeignKey(
        "orgs.Org", on_delete=models.PROTECT, related_name="members", verbose_name="所在支部"
    )
    status = models.CharField(
        "党员状态", max_length=20, choices=MemberStatus.choices, default=MemberStatus.FULL
    )
    joined_on = models.DateField("入党日期", null=True, blank=True)
    full_on = models.DateField("转正日期", null=True, blank=True)
    party_post = models.CharField("党内职务", max_length=50, blank=True)
    is_village_cadre = models.BooleanField("村（社区）两委干部", default=False)
    is_floating = models.BooleanField("流动党员", default=False)
    left_on = models.DateField("离开日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        indexes = [models.Index(fields=["org", "left_on"])]

    def __str__(self) -> str:
        return self.person.name

    def standing_years(self, day: date) -> int | None:
        """党龄 counts from the date made a full member."""
        if not self.full_on:
            return None
        f = self.full_on
        return max(0, day.year - f.year - ((day.month, day.day) < (f.month, f.day)))
