"""Emails from templates, in the recipient's language.

An email named `name` is three templates: `notifications/<name>/subject.txt`,
`body.txt` and `body.html`. The app that sends it ships them (any app's
`templates/notifications/<name>/`); they usually extend `notifications/base.txt` and
`notifications/base.html`, which add the greeting-free frame: who we are, and where to
manage choices. Plain-text templates are rendered with autoescaping off."""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)


@dataclass(frozen=True)
class RenderedEmail:
    language: str
    subject_line: str
    body_text: str
    body_html: str


def email_language(language: str | None) -> str:
    """A language we write emails in: the one asked for, or the site's default."""
    code = (language or "").split("-")[0].lower()
    return code if code in LANGUAGE_CODES else settings.LANGUAGE_CODE


def email_render(*, template: str, context: dict, language: str) -> RenderedEmail:
    """Render the three parts of `template` in `language`. Raises TemplateDoesNotExist for an unknown one."""
    language = email_language(language)
    full_context = {
        "site_url": settings.PUBLIC_BASE_URL,
        "controller_name": settings.CONTROLLER_NAME,
        "controller_contact": settings.CONTROLLER_CONTACT,
        **context,
        "language": language,
    }
    with translation.override(language):
        subject_line = render_to_string(f"notifications/{template}/subject.txt", full_context)
        body_text = render_to_string(f"notifications/{template}/body.txt", full_context)
        body_html = render_to_string(f"notifications/{template}/body.html", full_context)
    return RenderedEmail(
        language=language,
        # A subject line is one line: a template's newlines must not become header folding.
        subject_line=" ".join(subject_line.split())[:255],
        body_text=body_text.strip() + "\n",
        body_html=body_html.strip() + "\n",
    )
