"""Photos of a meeting: checked images, stored with the activity."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from dangjian.core.actors import Actor
from dangjian.core.audit import log_action
from dangjian.core.images import ImageRejected, clean_image

from ..models import (
    Activity,
    ActivityPhoto,
)
from .common import IMAGE_FORMATS, ActivityError, _require


@transaction.atomic
def add_photo(*, actor: Actor, activity: Activity, upload, caption: str = "") -> ActivityPhoto:
    """Store an image through core's image gate (bytes and pixels capped, upright, no EXIF/GPS)."""
    _require(actor, activity.org)
    try:
        image = clean_image(upload, what="照片", formats=tuple(IMAGE_FORMATS))
    except ImageRejected as exc:
        raise ActivityError(exc.messages[0], code=exc.code) from None
    name = f"{timezone.now():%Y%m%d%H%M%S%f}.{image.extension}"
    photo = ActivityPhoto(activity=activity, content_type=image.content_type, caption=caption.strip()[:100])
    photo.image.save(name, ContentFile(image.content, name=name), save=False)
    photo.save()
    log_action(
        actor=actor,
        action="activities.add_photo",
        obj=activity,
        org=activity.org,
        data={"photo": photo.pk, "bytes": len(image.content)},
    )
    return photo
