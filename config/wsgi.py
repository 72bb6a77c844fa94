import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# A bad registration (a summary naming a metric no app registers…) stops the app server at start.
from dangjian.core import registry  # noqa: E402

registry.validate()
