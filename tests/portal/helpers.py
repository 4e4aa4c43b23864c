import re

PASSWORD = "a long Passw0rd phrase"


def registration_data(client, *, country: str = "", language_header: str = "en", **overrides) -> dict:
    """What a person fills in on /accounts/register/, with the hidden policy fields the page gave."""
    url = "/accounts/register/" + (f"?country={country}" if country else "")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language_header).content.decode()
    hidden = dict(re.findall(r'name="(policy_\w+)" value="([^"]*)"', page))
    data = {
        "email": "maria.lind@example.se",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "first_name": "Maria",
        "last_name": "Lind",
        "age": "34",
        "phone": "+46 70 123 45 67",
        "street_address": "Storgatan 1",
        "postal_code": "111 22",
        "city": "Stockholm",
        "country": country or "SE",
        "language": "sv",
        "occupation": "Translator",
        "marketing_own": ["email", "phone", "postal"],
        **hidden,
    }
    data.update(overrides)
    return data
