"""Writes on organizational life: one transaction and one audit entry each; rule violations raise
ActivityError with a Chinese message and a ``code``."""

from .attendance import Mark, eligible_members, mark_all_present, set_attendance
from .checkin import activity_for_token, check_in, checkin_expires_at, checkin_token
from .common import (
    CASE_DECISIONS,
    CHECKIN_HOURS,
    CHECKIN_SALT,
    DEFAULT_RULES,
    DEFAULT_RULES_FROM,
    EDITABLE_FIELDS,
    IMAGE_FORMATS,
    ActivityError,
)
from .decisions import decision_for, record_decision, record_meeting_decision
from .meetings import record_activity, update_activity
from .photos import add_photo
from .rules import ensure_default_rules, record_appraisals, save_rule
from .training import add_trainees, save_lecturer, save_theme_category, save_training_base

__all__ = [
    "ActivityError",
    "CASE_DECISIONS",
    "CHECKIN_HOURS",
    "CHECKIN_SALT",
    "DEFAULT_RULES",
    "DEFAULT_RULES_FROM",
    "EDITABLE_FIELDS",
    "IMAGE_FORMATS",
    "Mark",
    "activity_for_token",
    "add_photo",
    "add_trainees",
    "check_in",
    "checkin_expires_at",
    "checkin_token",
    "decision_for",
    "eligible_members",
    "ensure_default_rules",
    "mark_all_present",
    "record_activity",
    "record_appraisals",
    "record_decision",
    "record_meeting_decision",
    "save_lecturer",
    "save_rule",
    "save_theme_category",
    "save_training_base",
    "set_attendance",
    "update_activity",
]
