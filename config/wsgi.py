import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Refuse to serve with an identity key other than the one the stored digests were made with.
from consent.accounts.services import identity_key_verify  # noqa: E402

identity_key_verify()
