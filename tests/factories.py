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


def subject_for(email: str):
    from consent.accounts.services import subject_get_or_create

    return subject_get_or_create(email=email)


def record(subject, purpose: str, decision: str = "granted", *, channel=None, source="portal", **kwargs):
    from consent.ledger.services import Actor, consent_record

    return consent_record(
        subject=subject,
        purpose=purpose,
        decision=decision,
        channel=channel,
        source=source,
        actor=Actor.subject(),
        **kwargs,
    )


def staff_device(user, *, key: str | None = None):
    """A confirmed TOTP device for `user` (the secret `key`, hex, if given)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    fields = {"key": key} if key else {}
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True, **fields)


def staff_login(client, user):
    """Sign `user` in on `client` (Client or APIClient) with a session that passed the second
    factor, as the back office's sign-in leaves it: what `force_login` alone no longer gives staff."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or staff_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def staff_in_role(role: str, **fields):
    """A staff member in one of the roles of consent.accounts.roles (groups synced first)."""
    from django.contrib.auth.models import Group

    from consent.accounts.roles import roles_sync

    roles_sync()
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=role))
    return user


def ledger_verified(subject=None):
    """`ledger_verify` after a fresh checkpoint (a ledger with events and none is itself a
    finding): the chains' hashes and links are all that is checked, plus the state's copies."""
    from consent.ledger.chain import ledger_verify
    from consent.ledger.services import ledger_checkpoint_take

    ledger_checkpoint_take()
    return ledger_verify(subject=subject)
