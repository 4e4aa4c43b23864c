"""The nine purposes of the privacy policy, with their names in every language."""

from django.db import migrations

PURPOSES = [
    # code, kind, lawful basis, withdrawable, channels, {lang: (name, description)}
    ("primary_use", "opt_in", "contract", False, [], {
        "en": ("Delivering the service", "Running your account and the meetings you book: needed for the service itself, so it ends only when you close the account."),
        "sv": ("Att leverera tjänsten", "Att sköta ditt konto och de möten du bokar: det behövs för själva tjänsten och upphör först när du avslutar kontot."),
        "fr": ("Fourniture du service", "La gestion de votre compte et des réunions que vous réservez : nécessaire au service lui-même, elle ne prend fin qu’à la clôture du compte."),
    }),
    ("marketing_own", "opt_out", "legitimate_interest", True, ["email", "phone", "postal"], {
        "en": ("Our own marketing", "News and offers about our own services, by email, phone or post, unless you tell us to stop."),
        "sv": ("Vår egen marknadsföring", "Nyheter och erbjudanden om våra egna tjänster via e-post, telefon eller post, om du inte ber oss sluta."),
        "fr": ("Notre propre prospection", "Actualités et offres sur nos propres services, par e-mail, téléphone ou courrier, sauf si vous nous demandez d’arrêter."),
    }),
    ("marketing_third_party", "opt_in", "consent", True, ["email", "phone", "postal"], {
        "en": ("Partners' marketing", "Offers from carefully chosen partners, sent only if you say yes."),
        "sv": ("Partners marknadsföring", "Erbjudanden från noga utvalda partner, som bara skickas om du säger ja."),
        "fr": ("Prospection de nos partenaires", "Des offres de partenaires choisis avec soin, envoyées uniquement si vous acceptez."),
    }),
    ("research", "opt_out", "legitimate_interest", True, ["email", "phone"], {
        "en": ("Market research and surveys", "Occasional questions about how we can improve, unless you ask us not to contact you for this."),
        "sv": ("Marknadsundersökningar och enkäter", "Enstaka frågor om hur vi kan bli bättre, om du inte ber oss att inte kontakta dig för detta."),
        "fr": ("Études de marché et enquêtes", "Des questions ponctuelles pour nous améliorer, sauf si vous nous demandez de ne pas vous contacter à cet effet."),
    }),
    ("transfer_abroad", "opt_out", "legitimate_interest", True, [], {
        "en": ("Transfer of data abroad", "Storing and processing your data in the countries where we and our processors have facilities."),
        "sv": ("Överföring av uppgifter utomlands", "Lagring och behandling av dina uppgifter i de länder där vi och våra biträden har anläggningar."),
        "fr": ("Transfert de données à l’étranger", "Le stockage et le traitement de vos données dans les pays où nous et nos sous-traitants disposons d’installations."),
    }),
    ("transfer_in_sale", "opt_out", "legitimate_interest", True, [], {
        "en": ("Transfer in a sale or merger", "Passing your data to a buyer if the business is sold or merged, unless you object."),
        "sv": ("Överföring vid försäljning eller fusion", "Att dina uppgifter följer med till en köpare om verksamheten säljs eller går samman, om du inte invänder."),
        "fr": ("Transfert en cas de cession ou de fusion", "La transmission de vos données à un acquéreur en cas de cession ou de fusion de l’entreprise, sauf opposition de votre part."),
    }),
    ("cookies_analytics", "opt_in", "consent", True, [], {
        "en": ("Analytics cookies", "Counting visits and measuring how the site is used, in aggregate."),
        "sv": ("Analyskakor", "Att räkna besök och mäta hur webbplatsen används, på sammanställd nivå."),
        "fr": ("Cookies de mesure d’audience", "Compter les visites et mesurer l’utilisation du site, de façon agrégée."),
    }),
    ("cookies_personalisation", "opt_in", "consent", True, [], {
        "en": ("Personalisation cookies", "Remembering your settings and tailoring what you see."),
        "sv": ("Anpassningskakor", "Att komma ihåg dina inställningar och anpassa det du ser."),
        "fr": ("Cookies de personnalisation", "Mémoriser vos réglages et adapter ce que vous voyez."),
    }),
    ("cookies_advertising", "opt_in", "consent", True, [], {
        "en": ("Advertising cookies", "Showing you our ads on other sites (remarketing)."),
        "sv": ("Annonskakor", "Att visa dig våra annonser på andra webbplatser (remarketing)."),
        "fr": ("Cookies publicitaires", "Vous montrer nos publicités sur d’autres sites (reciblage)."),
    }),
]


def seed_purposes(apps, schema_editor):
    Purpose = apps.get_model("ledger", "Purpose")
    for position, (code, kind, basis, withdrawable, channels, texts) in enumerate(PURPOSES):
        defaults = {
            "kind": kind,
            "lawful_basis": basis,
            "withdrawable": withdrawable,
            "channels": channels,
            "position": position,
            "name": texts["en"][0],
            "description": texts["en"][1],
        }
        for lang, (name, description) in texts.items():
            defaults[f"name_{lang}"] = name
            defaults[f"description_{lang}"] = description
        Purpose.objects.update_or_create(code=code, defaults=defaults)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(seed_purposes, migrations.RunPython.noop)]
