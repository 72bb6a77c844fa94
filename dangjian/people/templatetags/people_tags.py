from django import template

register = template.Library()


@register.filter
def age_on_filter(person, day):
    age = person.age_on(day)
    return "" if age is None else age


@register.filter
def standing_filter(member, day):
    years = member.standing_years(day)
    return "" if years is None else years


@register.filter
def overdue(transfer, day):
    return transfer.is_overdue(day)


@register.filter
def fen(amount):
    from dangjian.core.money import fmt_yuan

    return fmt_yuan(amount or 0)


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)
