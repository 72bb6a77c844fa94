from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "dangjian.orgs"
    label = "orgs"
    verbose_name = "组织"

    def ready(self) -> None:
        from dangjian.core import registry

        from . import metrics  # registers its figures
        from .models import Org

        registry.provide("org_steplen", lambda: Org.steplen)
        registry.provide("org_by_code", lambda code: Org.objects.get(code=code))

        from dangjian.core.pickers import PickerSource

        from . import selectors

        # The zone sources list beyond the actor's scope (where a request or a member may be
        # transferred to), so they serve only the transfer forms' capabilities.
        transfers = ("casework.edit", "members.edit")
        for key, choices, only in (
            ("orgs.org", selectors.pickable_orgs, ()),
            ("orgs.grassroots", selectors.pickable_grassroots, ()),
            ("orgs.branch", selectors.pickable_branches, ()),
            ("orgs.zone", selectors.pickable_zone_orgs, transfers),
            ("orgs.zone_branch", selectors.pickable_zone_branches, transfers),
        ):
            registry.register_picker(
                PickerSource(
                    key,
                    choices=choices,
                    search=selectors.search_orgs,
                    label=lambda org: org.name,
                    placeholder="输入组织名称或拼音首字母",
                    values=("pk", "code"),
                    capabilities=only,
                )
            )
        registry.register_examples("orgs.brands", "党建品牌", metrics.brands)
        registry.register_examples("orgs.own_brand", "本级党建品牌", metrics.own_brand)
