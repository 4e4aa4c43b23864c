from modeltranslation.translator import TranslationOptions, register

from consent.policies.models import PolicyDocument, PolicyVersion


@register(PolicyDocument)
class PolicyDocumentTranslation(TranslationOptions):
    fields = ("title",)


@register(PolicyVersion)
class PolicyVersionTranslation(TranslationOptions):
    fields = ("title", "summary_of_changes", "body")
