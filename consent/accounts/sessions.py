"""The session engine (SESSION_ENGINE): Django's database sessions, each row also naming its
user (consent.accounts.models.UserSession), written on every save of the session."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from consent.accounts.models import UserSession

        return UserSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        try:
            session.user_id = session._meta.get_field("user").to_python(data.get(SESSION_KEY))
        except ValidationError:  # not a user id: no one's session
            session.user_id = None
        return session
