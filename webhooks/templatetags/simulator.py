"""`{% load simulator %}`: whether to link the simulator for the user looking at a page."""

from django import template

from webhooks.simulator.access import may_simulate as user_may_simulate

register = template.Library()


@register.filter
def may_simulate(user) -> bool:
    return user_may_simulate(user)
