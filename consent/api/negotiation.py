"""Content negotiation for an API that answers only in JSON."""

from rest_framework.negotiation import DefaultContentNegotiation


class JsonFirstNegotiation(DefaultContentNegotiation):
    """A view with one renderer answers with it, without parsing the Accept header on every
    request (DRF's default does, then refuses with 406 what this API could not give anyway).
    Views with several renderers (the schema: YAML or JSON) negotiate as usual."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if len(renderers) == 1:
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
