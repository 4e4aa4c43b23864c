"""Staff roles: each group holds exactly the permissions its work needs (docs/operations.md).

This module is the one source of truth for the roles. Two things apply it:

- the data migration `accounts.0005_staff_roles` creates the groups, so a fresh
  database has every role before anyone signs in;
- `roles_sync`, run after every `migrate` (signals.after_migrate), gives each group
  exactly the permissions listed here. A permission whose model does not exist yet is
  skipped, and Django creates permissions only after migrations have run, so this
  is how a role gains the permissions of a model that another app adds later: list
  them here, and the next migrate hands them out. A permission added to a group by
  hand is taken away again at the next migrate: roles are changed here, in review.

A staff member's actions are further limited by the admin itself (the ledger is
read-only for everyone, a published policy cannot be edited, staff accounts need
`accounts.manage_staff`), and every admin page and API call by a staff session
needs a second factor (consent.backoffice.sites, consent.accounts.auth.staff_may)."""

from django.apps import apps as global_apps
from django.db.models import Q
from django.utils.translation import gettext_noop

REPRESENTATIVE = gettext_noop("Customer representative")
PRIVACY_OFFICER = gettext_noop("Privacy officer")
MARKETING = gettext_noop("Marketing")
AUDITOR = gettext_noop("Auditor")

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # People on the phone: find a person, read and correct their profile, record their
    # choices and requests, take them off marketing. Their office's people only, once offices
    # exist (consent.accounts.scope). No publishing, no imports, no keys, no staff accounts.
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
    # Everything the platform does for people, plus publishing, keys, staff accounts and their
    # second factors, and the logs (who looked at whom, failed logins).
    PRIVACY_OFFICER: [
        "auth.view_group",
        "accounts.view_user",
        "accounts.change_user",
        "accounts.manage_staff",
        "accounts.view_subject",
        "accounts.view_apikey",
        "accounts.add_apikey",
        "accounts.change_apikey",
        "accounts.delete_apikey",
        "accounts.view_dataaccess",
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
        "otp_static.view_staticdevice",
        "otp_static.delete_staticdevice",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
        "policies.view_policydocument",
        "policies.add_policydocument",
        "policies.change_policydocument",
        "policies.view_policyversion",
        "policies.add_policyversion",
        "policies.change_policyversion",
        "policies.delete_policyversion",
        "policies.publish_policyversion",
        "ledger.view_purpose",
        "ledger.change_purpose",
        "ledger.view_consentevent",
        "ledger.view_consentstate",
        "ledger.add_consentevent",
        "ledger.view_ledgercheckpoint",
        "ledger.view_evidenceerasure",
        "suppression.view_suppressionentry",
        "suppression.add_suppressionentry",
        "suppression.view_suppressionimport",
        "suppression.add_suppressionimport",
        "suppression.scrub_list",
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
        "requests_app.change_disclosure",
        "requests_app.view_erasurerecord",
        "accounts.view_profilechange",
        "accounts.view_passwordcompromisereport",
        "accounts.change_passwordcompromisereport",
        "notifications.view_outboundemail",
        "notifications.requeue_outboundemail",
        "notices.view_noticerun",
        "notices.run_noticerun",
    ],
    # Imports and scrubs: lists in, lists out; never a person's profile or consent record.
    MARKETING: [
        "ledger.view_purpose",
        "suppression.view_suppressionentry",
        "suppression.add_suppressionentry",
        "suppression.view_suppressionimport",
        "suppression.add_suppressionimport",
        "suppression.scrub_list",
    ],
    # Reads everything a privacy officer can, changes nothing, downloads no export. TOTP secrets
    # and backup codes are never shown in the admin (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    AUDITOR: [
        "auth.view_group",
        "accounts.view_user",
        "accounts.view_subject",
        "accounts.view_apikey",
        "accounts.view_dataaccess",
        "accounts.view_profilechange",
        "accounts.view_passwordcompromisereport",
        "notifications.view_outboundemail",
        "notices.view_noticerun",
        "otp_totp.view_totpdevice",
        "otp_static.view_staticdevice",
        "axes.view_accessattempt",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
        "policies.view_policydocument",
        "policies.view_policyversion",
        "ledger.view_purpose",
        "ledger.view_consentevent",
        "ledger.view_consentstate",
        "ledger.view_ledgercheckpoint",
        "ledger.view_evidenceerasure",
        "suppression.view_suppressionentry",
        "suppression.view_suppressionimport",
        "requests_app.view_subjectrequest",
        "requests_app.view_representativeoffice",
        "requests_app.view_thirdparty",
        "requests_app.view_disclosure",
        "requests_app.view_erasurerecord",
    ],
}


def roles_sync(*, apps=global_apps) -> None:
    """Create every role's group and give it exactly the permissions listed above that exist.

    `apps` is the app registry: the global one after migrate, a migration's historical
    one inside the data migration."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        match = Q(pk__in=[])
        for perm in perms:
            app_label, codename = perm.split(".")
            match |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(match))
