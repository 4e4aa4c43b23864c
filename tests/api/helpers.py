def error_field(response) -> str:
    """The field a 400 names first, after checking it is the API's validation error shape."""
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "invalid"
    return next(iter(body["details"]))
