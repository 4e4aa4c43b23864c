"""Staff roles: each group holds exactly the permissions its work needs.

Permissions of models that do not exist yet are skipped; `roles_sync` runs after
every migrate, so a role gains them when their app arrives."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.translation import gettext_noop

REPRESENTATIVE = gettext_noop("Customer representative")
PRIVACY_OFFICER = gettext_noop("Privacy officer")
MARKETING = gettext_noop("Marketing")

ROLE_PERMISSIONS: dict[str, list[str]] = {
    REPRESENTATIVE: [
        "accounts.view_user",
        "accounts.change_user",
        "accounts.view_subject",
        "policies.view_policydocument",
        "policies.view_policyversion",
        "ledger.view_purpose",
        "ledger.view_consentevent",
        "ledger.view_consentstate",
        "ledger.add_consentevent",
        "suppression.view_suppressionentry",
        "suppression.add_suppressionentry",
        "requests_app.view_subjectrequest",
        "requests_app.add_subjectrequest",
        "requests_app.change_subjectrequest",
        "requests_app.view_representativeoffice",
        "accounts.view_profilechange",
        "accounts.view_passwordcompromisereport",
        "accounts.change_passwordcompromisereport",
        "notifications.view_outboundemail",
    ],
    PRIVACY_OFFICER: [
        "accounts.view_user",
        "accounts.change_user",
        "accounts.view_subject",
        "accounts.view_apikey",
        "policies.view_policydocument",
        "policies.add_policydocument",
        "policies.change_policydocument",
        "policies.view_policyversion",
        "policies.add_policyversion",
        "policies.change_policyversion",
        "policies.publish_policyversion",
        "ledger.view_purpose",
        "ledger.change_purpose",
        "ledger.view_consentevent",
        "ledger.view_consentstate",
        "ledger.add_consentevent",
        "suppression.view_suppressionentry",
        "suppression.add_suppressionentry",
        "suppression.view_suppressionimport",
        "requests_app.view_subjectrequest",
        "requests_app.add_subjectrequest",
        "requests_app.change_subjectrequest",
        "requests_app.view_representativeoffice",
        "requests_app.change_representativeoffice",
        "requests_app.view_thirdparty",
        "requests_app.add_thirdparty",
        "requests_app.change_thirdparty",
        "requests_app.view_disclosure",
        "requests_app.add_disclosure",
        "accounts.view_profilechange",
        "accounts.view_passwordcompromisereport",
        "accounts.change_passwordcompromisereport",
        "notifications.view_outboundemail",
        "notifications.requeue_outboundemail",
    ],
    MARKETING: [
        "ledger.view_purpose",
        "suppression.view_suppressionentry",
        "suppression.add_suppressionentry",
        "suppression.view_suppressionimport",
        "suppression.add_suppressionimport",
    ],
}


def roles_sync() -> None:
    for name, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        match = Q(pk__in=[])
        for perm in perms:
            app_label, codename = perm.split(".")
            match |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(match))
