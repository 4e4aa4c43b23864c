"""JSON in: what Python's json module accepts but this API cannot answer is refused as a 400."""

import codecs
import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

# A lone surrogate can only arrive as a \uD800-\uDFFF escape: bytes cannot encode one in UTF-8.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _has_lone_surrogate(data) -> bool:
    pending = [data]  # a loop, not recursion: the data may be nested as deep as json allows
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, but a body nested too deep or holding a lone UTF-16 surrogate
    (`"\\ud800"`, valid JSON that is no Unicode text) is a 400, not a 500 later on."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            raise ParseError(_("JSON parse error - nested too deeply.")) from None
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(reason)s") % {"reason": exc}) from None
        if _SURROGATE_ESCAPE.search(raw) and _has_lone_surrogate(data):
            raise ParseError(_("JSON parse error - a string holds an unpaired UTF-16 surrogate."))
        return data
