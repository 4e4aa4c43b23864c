import factory

from consent.accounts.models import User
from consent.accounts.services import user_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = "Alex"
    last_name = "Martin"
    country = "SE"
    language = "en"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        password = kwargs.pop("password", "correct horse battery")
        return user_create(password=password, **kwargs)
