"""Reading lists as the mail platforms and spreadsheets write them (fixtures written here,
in the shapes of those exports: header names, quoting, extra columns, dates)."""

import codecs
import io

import pytest
from django.utils import translation

from consent.suppression.files import EMAIL, PHONE, SHA256, RefusedFile, header_key, layout_detect, rows_read


def addresses(data: bytes, **options) -> list[str]:
    layout = layout_detect(data[:65536], **options)
    return [row[layout.column] for _line, row in rows_read(io.BytesIO(data), layout)]


EXPORTS = {
    # Mailchimp audience export (unsubscribed / cleaned): quoted, many columns, dates.
    "mailchimp": (
        b'"Email Address","First Name","Last Name","MEMBER_RATING","OPTIN_TIME","OPTIN_IP","CONFIRM_TIME",'
        b'"UNSUB_TIME","UNSUB_CAMPAIGN_TITLE","UNSUB_REASON","LEID","EUID","NOTES"\n'
        b'"ann@example.com","Ann","Lee",2,"2024-03-01 10:11:12","","2024-03-01 10:12:00","2025-01-02 08:00:00",'
        b'"Spring sale, part 2","No longer interested",12345,"abc123",""\n'
        b'"bo@example.org","Bo","","1","","","","2025-01-03 09:00:00","Newsletter","",12346,"abc124","Said: ""stop"""\n'
    ),
    # Brevo (Sendinblue) contact export: semicolons, upper-case attribute names.
    "brevo": b"EMAIL;FIRSTNAME;LASTNAME;SMS;EMAIL_BLACKLISTED;ADDED_TIME\nann@example.com;Ann;Lee;+46701234567;Yes;2024-01-05\nbo@example.org;Bo;;;Yes;2024-02-06\n",
    # SendGrid suppression download: email and a Unix time.
    "sendgrid": b"email,created\nann@example.com,1706745600\nbo@example.org,1706832000\n",
    # SendGrid bounces: reason text holding commas, quoted.
    "sendgrid_bounces": b'created,email,reason,status\n1706745600,ann@example.com,"550 5.1.1 user unknown, mailbox gone",5.1.1\n1706832000,bo@example.org,"552 quota, full",5.2.2\n',
    # Amazon SES account suppression list export.
    "ses": b"EmailAddress,Reason,LastUpdateTime\nann@example.com,BOUNCE,2024-05-01T10:00:00Z\nbo@example.org,COMPLAINT,2024-05-02T11:00:00Z\n",
    # Klaviyo suppressed profiles.
    "klaviyo": b"Email,Suppression Reason,Suppression Date,Phone Number\nann@example.com,User suppressed,2024-06-01,\nbo@example.org,Hard bounce,2024-06-02,+33612345678\n",
    # HubSpot contacts export.
    "hubspot": b'"Record ID","First Name","Last Name","Email","Marketing contact status","Unsubscribed from all email"\n"101","Ann","Lee","ann@example.com","Non-marketing contact","true"\n"102","Bo","","bo@example.org","Non-marketing contact","true"\n',
    # Mailjet contacts export (tab-separated variant).
    "mailjet": b"email\tname\tcreated_at\tis_excluded\nann@example.com\tAnn\t2024-01-01\ttrue\nbo@example.org\tBo\t2024-01-02\ttrue\n",
    # Campaign Monitor unsubscribes.
    "campaign_monitor": b'"Email Address","Name","Date Unsubscribed","Unsubscribe Reason"\n"ann@example.com","Ann Lee","1/2/2025 8:00:00 AM","Too many emails"\n"bo@example.org","Bo","1/3/2025 9:00:00 AM",""\n',
    # Excel in a Swedish locale: "CSV (semikolonavgränsad)", Windows-1252, CRLF.
    "excel_sv": "Förnamn;Efternamn;E-postadress;Ort\r\nÅsa;Ödqvist;ann@example.com;Göteborg\r\nBo;Ärlig;bo@example.org;Malmö\r\n".encode(
        "cp1252"
    ),
    # Excel in a French locale, with its `sep=` hint line.
    "excel_fr": "sep=;\r\nPrénom;Nom;Adresse e-mail;Désabonné le\r\nAnn;Lée;ann@example.com;02/01/2025\r\nBo;Bœuf;bo@example.org;03/01/2025\r\n".encode(
        "cp1252"
    ),
    # A French CRM: "Courriel".
    "courriel": b"Courriel,Nom\nann@example.com,Ann\nbo@example.org,Bo\n",
}


@pytest.mark.parametrize("name", list(EXPORTS))
def test_platform_exports_are_read_without_editing(name):
    assert addresses(EXPORTS[name]) == ["ann@example.com", "bo@example.org"]


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-8-sig", "utf-8", "cp1252", "latin-1"]
)
def test_encodings(encoding):
    text = "Namn,E-post\r\nÅke Öst,ake@exempel.se\r\nZoë,zoe@exemple.fr\r\n"
    if encoding == "utf-16-le-bom":
        data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        data = codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    layout = layout_detect(data)
    rows = [row for _line, row in rows_read(io.BytesIO(data), layout)]
    assert rows == [["Åke Öst", "ake@exempel.se"], ["Zoë", "zoe@exemple.fr"]]


def test_utf16_without_bom_is_recognised():
    data = "email\nann@example.com\n".encode("utf-16-le")
    assert addresses(data) == ["ann@example.com"]


def test_a_file_without_a_header_whose_first_column_holds_addresses():
    assert addresses(b"ann@example.com,Ann\nbo@example.org,Bo\n") == ["ann@example.com", "bo@example.org"]


def test_a_header_in_no_language_we_know_is_found_by_its_content():
    layout = layout_detect(b"Kundnr,Adresse_Elektronisch_Post\n1,ann@example.com\n2,bo@example.org\n")
    assert (layout.column, layout.kind, layout.has_header) == (1, EMAIL, True)


def test_a_column_of_sha256_hashes():
    layout = layout_detect(b"sha256_email,added\n" + b"ab" * 32 + b",2024-01-01\n")
    assert (layout.column, layout.kind) == (0, SHA256)


def test_a_phone_column():
    layout = layout_detect(b"Name;Mobilnummer\nAnn;+46701234567\n")
    assert (layout.column, layout.kind) == (1, PHONE)


def test_the_uploader_can_name_the_column():
    data = b"work,private\nann@work.example,ann@home.example\n"
    assert addresses(data, column_name="Private") == ["ann@home.example"]
    with pytest.raises(RefusedFile, match="no column named"):
        layout_detect(data, column_name="mail")


def test_line_numbers_count_physical_lines_of_multiline_quoted_fields():
    data = b'email,note\r\na@example.com,"two\r\nlines"\r\n\r\nb@example.com,x\r\n'
    layout = layout_detect(data)
    assert [line for line, _row in rows_read(io.BytesIO(data), layout)] == [2, 5]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes(range(256)) * 40, "not text"),
        (b"PK\x03\x04" + b"\x00" * 100, "Excel workbook"),
        (b"%PDF-1.7\n" + bytes(range(256)), "PDF"),
        (b'[{"email": "ann@example.com"}]', "JSON"),
        (b'{\n  "unsubscribes": ["ann@example.com"]\n}\n', "JSON"),
        (b'<?xml version="1.0"?>\n<list><email>ann@example.com</email></list>\n', "XML or HTML"),
        (b"<!DOCTYPE html>\n<html><body>Sign in</body></html>\n", "XML or HTML"),
        (b"name,city\nAnn,Lund\nBo,Nice\n", "No column"),
        (b"", "empty"),
    ],
)
def test_files_that_are_not_lists_of_addresses_are_refused_whole(data, message):
    with pytest.raises(RefusedFile, match=message):
        layout_detect(data)


def test_a_refusal_quotes_a_few_columns_each_cut_short_however_long_the_first_line():
    header = ",".join(f"field number {n} " + "x" * 100 for n in range(500))
    with pytest.raises(RefusedFile) as refused:
        layout_detect(header.encode() + b"\n1,2\n")
    message = str(refused.value)
    assert "field number 19 " in message and "field number 20 " not in message
    assert "(500 in all)" in message
    assert len(message) < 1200
    with pytest.raises(RefusedFile) as refused:
        layout_detect(b"a" * 100_000)
    assert len(str(refused.value)) < 300


def test_a_refused_file_is_named_in_the_uploaders_language():
    with translation.override("sv"), pytest.raises(RefusedFile) as refused:
        layout_detect(b"%PDF-1.7\n" + bytes(range(256)))
    assert str(refused.value) == "Filen är ett PDF-dokument, inte en CSV-textfil."


def test_header_keys_fold_case_accents_and_punctuation():
    assert header_key("Adresse e-mail") == "adresseemail"
    assert header_key("E-postadress") == "epostadress"
    assert header_key(" EMAIL_ADDRESS ") == "emailaddress"
