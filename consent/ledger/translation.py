from modeltranslation.translator import TranslationOptions, register

from consent.ledger.models import Purpose


@register(Purpose)
class PurposeTranslation(TranslationOptions):
    fields = ("name", "description")
