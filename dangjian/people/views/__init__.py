"""Pages of the roll: roster, person page, import, transfers, development, dues, households."""

from .common import EDUCATION_CHOICES, PAGE_SIZE
from .development import STAGE_STEPS, development_apply, development_list, development_step
from .dues import dues_assess, dues_page, dues_pay, dues_waive
from .households import household_list, resident_new
from .person import (
    MEMBER_EDIT_FIELDS,
    PERSON_EDIT_FIELDS,
    person_detail,
    person_edit,
    person_remove,
    person_reveal,
    person_watch,
)
from .roster import MAX_BRANCH_CHOICES, roster, roster_export
from .transfers import TRANSFER_ACTIONS, transfer_action, transfer_in, transfer_list, transfer_out

__all__ = [
    "EDUCATION_CHOICES",
    "MAX_BRANCH_CHOICES",
    "MEMBER_EDIT_FIELDS",
    "PAGE_SIZE",
    "PERSON_EDIT_FIELDS",
    "STAGE_STEPS",
    "TRANSFER_ACTIONS",
    "development_apply",
    "development_list",
    "development_step",
    "dues_assess",
    "dues_page",
    "dues_pay",
    "dues_waive",
    "household_list",
    "person_detail",
    "person_edit",
    "person_remove",
    "person_reveal",
    "person_watch",
    "resident_new",
    "roster",
    "roster_export",
    "transfer_action",
    "transfer_in",
    "transfer_list",
    "transfer_out",
]
