import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_asgi_application()

from consent.accounts.services import identity_key_verify  # noqa: E402

identity_key_verify()
