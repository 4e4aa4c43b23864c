"""Each role can do what its work needs and nothing more, page by page and action by action.

EXPECTED is the specification (docs/operations.md has it in words): for every model the
admin shows, what each role may do with it. A model registered without an entry here fails
`test_every_admin_model_has_a_decision`, so no page reaches a role by accident."""

import datetime
import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from consent.accounts.auth import staff_may
from consent.accounts.models import PasswordCompromiseReport, ProfileChange, User
from consent.accounts.roles import AUDITOR, MARKETING, PRIVACY_OFFICER, REPRESENTATIVE, ROLE_PERMISSIONS
from consent.accounts.services import api_key_create, data_access_record
from consent.ledger.models import EvidenceErasure
from consent.ledger.services import Actor, consent_evidence_erase, ledger_checkpoint_take
from consent.notices.services import notice_run_start
from consent.notifications.models import OutboundEmail
from consent.policies.models import PolicyDocument, PolicyVersion
from consent.policies.services import policy_version_create, policy_version_publish
from consent.suppression.models import SuppressionEntry, SuppressionImport
from consent.suppression.services import suppression_add
from requests_app.disclosures import disclosure_save
from requests_app.erasure import subject_erase
from requests_app.models import RepresentativeOffice, ThirdParty
from requests_app.services import request_submit
from tests.factories import UserFactory, record, staff_in_role, staff_login

pytestmark = pytest.mark.django_db

NO_ROLE = "staff without a role"
ROLES = [REPRESENTATIVE, PRIVACY_OFFICER, MARKETING, AUDITOR, NO_ROLE]
REP, PO, MKT, AUD = REPRESENTATIVE, PRIVACY_OFFICER, MARKETING, AUDITOR

# v: list and open (read-only unless c) · c: change · a: add · d: delete. Absent: nothing (403).
EXPECTED: dict[str, dict[str, str]] = {
    "auth.group": {PO: "v", AUD: "v"},
    "axes.accessattempt": {PO: "vd", AUD: "v"},  # deleting an attempt unlocks an address
    "axes.accesslog": {PO: "v", AUD: "v"},
    "axes.accessfailurelog": {PO: "v", AUD: "v"},
    "otp_totp.totpdevice": {PO: "vd", AUD: "v"},  # deleting a device resets a lost second factor
    "otp_static.staticdevice": {PO: "vd", AUD: "v"},
    "accounts.user": {REP: "vc", PO: "vc", AUD: "v"},  # a customer's profile; staff accounts below
    "accounts.subject": {REP: "v", PO: "v", AUD: "v"},
    "accounts.dataaccess": {PO: "v", AUD: "v"},
    "accounts.apikey": {PO: "vcad", AUD: "v"},
    "policies.policydocument": {REP: "v", PO: "vca", AUD: "v"},
    "policies.policyversion": {REP: "v", PO: "vcad", AUD: "v"},  # a draft; published ones never change
    "ledger.purpose": {REP: "v", PO: "vc", MKT: "v", AUD: "v"},
    "ledger.consentevent": {REP: "v", PO: "v", AUD: "v"},  # the ledger is read-only for everyone
    "ledger.ledgercheckpoint": {PO: "v", AUD: "v"},  # integrity proofs: no personal data
    "ledger.evidenceerasure": {PO: "v", AUD: "v"},
    "accounts.profilechange": {REP: "v", PO: "v", AUD: "v"},  # which fields changed, never the values
    "accounts.passwordcompromisereport": {REP: "vc", PO: "vc", AUD: "v"},  # staff follow up and close it
    "notifications.outboundemail": {REP: "v", PO: "v", AUD: "v"},  # re-queued by an action
    "suppression.suppressionentry": {REP: "v", PO: "v", MKT: "v", AUD: "v"},  # added by services only
    "suppression.suppressionimport": {PO: "va", MKT: "va", AUD: "v"},
    "requests_app.subjectrequest": {REP: "vca", PO: "vca", AUD: "v"},  # moved by the workflow form, never deleted
    "requests_app.representativeoffice": {REP: "v", PO: "vc", AUD: "v"},
    "requests_app.thirdparty": {PO: "vca", AUD: "v"},  # the disclosure register: recorded, never deleted
    "requests_app.disclosure": {PO: "vca", AUD: "v"},
    "requests_app.erasurerecord": {PO: "v", AUD: "v"},  # written by the erasure service only
    "notices.noticerun": {PO: "v", AUD: "v"},  # started by publishing; resumed by an action
}
# Admin actions on each list, beyond "delete selected" (offered exactly with d above).
EXPECTED_ACTIONS: dict[str, dict[str, set[str]]] = {
    "policies.policyversion": {PO: {"publish_selected"}},
    "axes.accessattempt": {PO: {"cleanup_expired_attempts"}},
    "accounts.subject": {REP: {"take_off_marketing"}, PO: {"take_off_marketing"}},
    "accounts.passwordcompromisereport": {REP: {"mark_handled"}, PO: {"mark_handled"}},
    "notifications.outboundemail": {PO: {"requeue"}},
    "requests_app.subjectrequest": {REP: {"assign_to_me", "start_work"}, PO: {"assign_to_me", "start_work"}},
    "notices.noticerun": {PO: {"resume_selected"}},
}
# Lists where bulk deletion is never offered, even with the permission.
NO_BULK_DELETE = {"policies.policyversion"}
# Back-office pages that are not a model's: the roles that may open each (others: 403).
EXPECTED_PAGES: dict[str, set[str]] = {
    "/admin/accounts/subject/{subject}/story/": {REP, PO, AUD},  # a person's whole story
    "/admin/dashboard/": {REP, PO, MKT, AUD},  # aggregates only
}


@pytest.fixture
def objects() -> dict[str, object]:
    """One row of every model the admin shows, keyed by model label."""
    customer = UserFactory(email="maria@example.se")
    staff = UserFactory(email="colleague@example.com", is_staff=True)
    event = record(customer.subject, "marketing_own", "withdrawn", channel="email")
    document = PolicyDocument.objects.create(slug="cookie-notice", kind="cookie_notice", title_en="Cookies")
    draft = policy_version_create(
        document=document,
        label="1.0",
        effective_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        title={"en": "Cookies"},
        body={"en": "Text."},
        summary_of_changes={"en": "First."},
    )
    material = policy_version_create(
        document=PolicyDocument.objects.create(slug="privacy-policy", kind="privacy_policy", title_en="Privacy"),
        label="2.0",
        effective_at=datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC),
        title={"en": "Privacy"},
        body={"en": "New text."},
        summary_of_changes={"en": "Changed."},
        is_material=True,
    )
    policy_version_publish(version=material)
    api_key, _secret = api_key_create(name="crm", scopes=["consent:read"])
    request = RequestFactory().get("/")
    request.user = staff
    access = data_access_record(request=request, kind="profile", subject_id=customer.subject.pk)
    attempt = AccessAttempt.objects.create(username="x@example.com", ip_address="192.0.2.1", failures_since_start=1)
    log = AccessLog.objects.create(username="x@example.com", ip_address="192.0.2.1")
    failure = AccessFailureLog.objects.create(username="x@example.com", ip_address="192.0.2.1")
    totp = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    static = StaticDevice.objects.create(user=staff, name="backup", confirmed=True)
    erased = UserFactory(email="erased@example.com").subject
    record(erased, "research", "withdrawn")
    erased.erased_at = timezone.now()
    erased.save(update_fields=["erased_at"])
    consent_evidence_erase(subject=erased)
    suppression_add(identifiers=["gone@example.com"], reason="complaint", source="test", actor=Actor.system())
    entry = SuppressionEntry.objects.get()
    partner = ThirdParty.objects.create(name="Mailhouse", kind="vendor", country="SE", address="Box 1")
    return {
        "auth.group": Group.objects.get(name=REPRESENTATIVE),
        "axes.accessattempt": attempt,
        "axes.accesslog": log,
        "axes.accessfailurelog": failure,
        "otp_totp.totpdevice": totp,
        "otp_static.staticdevice": static,
        "accounts.user": customer,
        "accounts.subject": customer.subject,
        "accounts.dataaccess": access,
        "accounts.apikey": api_key,
        "policies.policydocument": document,
        "policies.policyversion": draft,
        "ledger.purpose": event.purpose,
        "ledger.consentevent": event,
        "ledger.ledgercheckpoint": ledger_checkpoint_take(),
        "ledger.evidenceerasure": EvidenceErasure.objects.get(),
        "accounts.profilechange": ProfileChange.objects.create(user=customer, fields=["city"], source="portal"),
        "accounts.passwordcompromisereport": PasswordCompromiseReport.objects.create(user=customer),
        "notifications.outboundemail": OutboundEmail.objects.create(
            template="greeting",
            language="sv",
            subject=customer.subject,
            to_address="maria@example.se",
            from_address="privacy@example.com",
            message_id="<1@test>",
        ),  # fmt: skip
        "suppression.suppressionentry": entry,
        "requests_app.subjectrequest": request_submit(
            type="question", channel="web_form", email="maria@example.se", details="Which data do you hold?"
        ),
        "requests_app.representativeoffice": RepresentativeOffice.objects.get(is_default=True),
        "notices.noticerun": notice_run_start(version=material)[0],
        "suppression.suppressionimport": SuppressionImport.objects.create(
            file_name="list.csv", file_size=10, sha256="0" * 64, created_by="test", reason="import"
        ),
        "requests_app.thirdparty": partner,
        "requests_app.disclosure": disclosure_save(
            third_party=partner,
            basis="processing_agreement",
            data_categories=["email"],
            subjects=[customer.subject],
            disclosed_at=timezone.now(),
        ),  # fmt: skip
        "requests_app.erasurerecord": subject_erase(
            subject=UserFactory(email="forget.me@example.com").subject, actor="test", reason="SR-1"
        ),
    }


def _signed_in(client, role: str) -> User:
    user = (
        UserFactory(email="me@example.com", is_staff=True)
        if role == NO_ROLE
        else staff_in_role(role, email="me@example.com")
    )
    staff_login(client, user)
    return user


def _url(label: str, view: str, obj=None) -> str:
    base = f"/admin/{label.replace('.', '/')}/"
    if view in ("list", "add"):
        return base if view == "list" else f"{base}add/"
    return f"{base}{obj.pk}/{view}/"


def _actions(content: str) -> set[str]:
    select = re.search(r'<select name="action"[^>]*>(.*?)</select>', content, re.S)
    return {value for value in re.findall(r'<option value="([^"]+)"', select.group(1)) if value} if select else set()


def test_every_admin_model_has_a_decision():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(EXPECTED)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_and_does_what_its_work_needs_page_by_page(client, objects, role):
    _signed_in(client, role)
    seen = []
    for label, rules in EXPECTED.items():
        may = rules.get(role, "")
        obj = objects[label]
        listing = client.get(_url(label, "list"))
        assert listing.status_code == (200 if "v" in may else 403), (label, "list")
        change = client.get(_url(label, "change", obj))
        assert change.status_code == (200 if "v" in may else 403), (label, "change")
        if "v" in may:
            seen.append(label)
            assert (b'name="_save"' in change.content) == ("c" in may), (label, "save button")
            actions = set(EXPECTED_ACTIONS.get(label, {}).get(role, set()))
            if "d" in may and label not in NO_BULK_DELETE:
                actions.add("delete_selected")
            assert _actions(listing.content.decode()) == actions, (label, "actions")
        assert client.get(_url(label, "add")).status_code == (200 if "a" in may else 403), (label, "add")
        assert client.get(_url(label, "delete", obj)).status_code == (200 if "d" in may else 403), (label, "delete")

    # The index lists exactly the models this role may see.
    index = client.get("/admin/").content.decode()
    for label in EXPECTED:
        assert (f'href="/admin/{label.replace(".", "/")}/"' in index) == (label in seen), (label, "index")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_its_back_office_pages(client, objects, role):
    _signed_in(client, role)
    for page, roles in EXPECTED_PAGES.items():
        url = page.format(subject=objects["accounts.subject"].pk)
        assert client.get(url).status_code == (200 if role in roles else 403), page


@pytest.mark.parametrize("role", ROLES)
def test_no_role_can_write_where_it_may_only_read(client, objects, role):
    _signed_in(client, role)
    for label, rules in EXPECTED.items():
        may = rules.get(role, "")
        obj = objects[label]
        if "c" not in may:
            assert client.post(_url(label, "change", obj), {}).status_code == 403, (label, "change")
        if "d" not in may:
            assert client.post(_url(label, "delete", obj), {"post": "yes"}).status_code == 403, (label, "delete")
            assert type(obj).objects.filter(pk=obj.pk).exists(), label
        if "a" not in may:
            assert client.post(_url(label, "add"), {}).status_code == 403, (label, "add")


@pytest.mark.parametrize("role", [REP, AUD, MKT, NO_ROLE])
def test_only_the_privacy_officer_publishes(client, objects, role):
    _signed_in(client, role)
    draft = objects["policies.policyversion"]
    client.post("/admin/policies/policyversion/", {"action": "publish_selected", "_selected_action": [draft.pk]})
    assert client.post(f"/admin/policies/policyversion/{draft.pk}/publish/").status_code in (302, 403)
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.DRAFT


def test_the_privacy_officer_publishes(client, objects):
    _signed_in(client, PO)
    draft = objects["policies.policyversion"]
    client.post("/admin/policies/policyversion/", {"action": "publish_selected", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.PUBLISHED


def test_the_auditor_cannot_run_the_lockout_clean_up(client, objects):
    _signed_in(client, AUD)
    attempt = objects["axes.accessattempt"]
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    client.post("/admin/axes/accessattempt/", {"action": "cleanup_expired_attempts", "_selected_action": [attempt.pk]})
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


# ---------------------------------------------------------------------------- staff accounts
def _profile_form(user: User, **changes) -> dict:
    form = {
        "email": user.email, "first_name": user.first_name, "last_name": user.last_name, "phone": "",
        "occupation": "", "street_address": "", "postal_code": "", "city": "", "country": user.country,
        "language": user.language, "is_active": "on",
    }  # fmt: skip
    return form | changes


def test_a_representative_corrects_a_customer_but_cannot_raise_anyones_rights(client, objects):
    _signed_in(client, REP)
    customer = objects["accounts.user"]
    group = Group.objects.get(name=PRIVACY_OFFICER)

    response = client.post(
        f"/admin/accounts/user/{customer.pk}/change/",
        _profile_form(customer, last_name="Lindqvist", is_staff="on", is_superuser="on", groups=[group.pk]),
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.last_name == "Lindqvist"
    assert (customer.is_staff, customer.is_superuser, list(customer.groups.all())) == (False, False, [])
    # No password field, and the password page is closed: customers reset their own.
    page = client.get(f"/admin/accounts/user/{customer.pk}/change/").content.decode()
    assert "/password/" not in page
    assert client.get(f"/admin/accounts/user/{customer.pk}/password/").status_code == 403


def test_a_representative_cannot_take_over_a_colleagues_account(client, objects):
    me = _signed_in(client, REP)
    colleague = User.objects.get(email="colleague@example.com")

    page = client.get(f"/admin/accounts/user/{colleague.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    response = client.post(
        f"/admin/accounts/user/{colleague.pk}/change/", _profile_form(colleague, email="attacker@example.com")
    )
    assert response.status_code == 403
    assert client.get(f"/admin/accounts/user/{colleague.pk}/password/").status_code == 403
    assert client.post(f"/admin/accounts/user/{me.pk}/change/", _profile_form(me, is_superuser="on")).status_code == 403
    colleague.refresh_from_db()
    me.refresh_from_db()
    assert colleague.email == "colleague@example.com" and not me.is_superuser


def test_the_privacy_officer_gives_roles_but_never_superuser_rights(client, objects):
    _signed_in(client, PO)
    colleague = User.objects.get(email="colleague@example.com")
    group = Group.objects.get(name=AUDITOR)

    response = client.post(
        f"/admin/accounts/user/{colleague.pk}/change/",
        _profile_form(colleague, is_staff="on", is_superuser="on", groups=[group.pk]),
    )

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert list(colleague.groups.all()) == [group]
    assert colleague.is_superuser is False
    assert client.get(f"/admin/accounts/user/{colleague.pk}/password/").status_code == 200
    boss = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    assert client.post(f"/admin/accounts/user/{boss.pk}/change/", _profile_form(boss)).status_code == 403
    assert client.get(f"/admin/accounts/user/{boss.pk}/password/").status_code == 403


# ---------------------------------------------------------------------------- the API, by session
SCOPE_MATRIX = {
    # scope: roles whose verified session may use it
    "consent:read": {REP, PO, AUD},
    "consent:write": {REP, PO},
    "suppression:read": {PO, MKT, AUD},  # lists and imports: not a representative's work
    "suppression:write": {PO, MKT},
    "requests:write": {REP, PO},
}


@pytest.mark.parametrize("role", ROLES)
def test_api_scopes_of_each_role_session(role):
    user = UserFactory(is_staff=True) if role == NO_ROLE else staff_in_role(role)
    user.is_verified = lambda: True
    for scope, roles in SCOPE_MATRIX.items():
        assert staff_may(user, scope) == (role in roles), scope
    user.is_verified = lambda: False
    assert not any(staff_may(user, scope) for scope in SCOPE_MATRIX)


@pytest.mark.parametrize("role", ROLES)
def test_api_endpoints_answer_each_role_session_as_the_matrix_says(api_client, objects, role):
    user = _signed_in(api_client, role)
    subject = objects["accounts.subject"]
    read = api_client.get(f"/api/v1/subjects/{subject.pk}/consents/")
    assert read.status_code == (200 if role in SCOPE_MATRIX["consent:read"] else 403)
    write = api_client.post(
        "/api/v1/consents/",
        {"subject": {"subject_id": str(subject.pk)}, "purpose": "research", "decision": "withdrawn"},
        format="json",
    )
    assert write.status_code == (201 if role in SCOPE_MATRIX["consent:write"] else 403)
    # The same person signed in without the second factor reaches nothing.
    api_client.logout()
    api_client.force_login(user)
    assert api_client.get(f"/api/v1/subjects/{subject.pk}/consents/").status_code == 403


def test_the_role_lists_name_only_real_permission_shapes():
    for role, perms in ROLE_PERMISSIONS.items():
        assert len(perms) == len(set(perms)), role
        for perm in perms:
            assert re.fullmatch(r"[a-z_]+\.[a-z_]+", perm), (role, perm)
    # The auditor reads; nothing in its list writes.
    assert all(perm.split(".")[1].startswith("view_") for perm in ROLE_PERMISSIONS[AUDITOR])
