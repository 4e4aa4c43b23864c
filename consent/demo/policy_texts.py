"""Demo policy texts for seed_demo: a fictional conferencing company, Nordlys Meetings.

Written for this project; every version exists in English, Swedish and French.

Each body is assembled from the section texts below, so that a section shared
by several versions is written once and the differences between versions are
exactly the sections that were added or reworded. The public names are
``PRIVACY_POLICY`` and ``COOKIE_NOTICE`` (and ``DOCUMENTS``, both in order).
"""

LANGUAGES = ("en", "sv", "fr")


def _body(texts, keys):
    """Join the named sections, per language, into one Markdown-ish body."""
    return {lang: "\n\n".join(texts[lang][key] for key in keys) + "\n" for lang in LANGUAGES}


# ---------------------------------------------------------------------------
# Privacy policy: section texts
# ---------------------------------------------------------------------------

_PP_TEXT = {
    # ------------------------------------------------------------------ en
    "en": {
        "intro": """\
Nordlys Meetings SAS ("Nordlys", "we") provides online meetings, webinars and dial-in audio bridges. This policy explains what personal information we handle when you use them, why, and what choices you have.""",
        "notice_1": """\
## 1. Notice

Nordlys Meetings SAS, headquartered in Lyon, France, is responsible for the personal information described here. We collect:

- **Registration data:** your name, email address, phone number, postal address, occupation and company, when you open an account or register for a webinar.
- **Meeting usage data:** when meetings start and end, who joined and for how long, dial-in numbers used, device and browser type, and connection quality. We do not listen to meetings. A meeting is recorded only when the host turns recording on, and participants are told.
- **Anonymous and aggregate information:** statistics that do not identify anyone.

We use this information to provide, bill and secure our services, to answer your questions and, as described under Choice, to tell you about our products.""",
        "notice_2": """\
## 1. Notice

Nordlys Meetings SAS, headquartered in Lyon, France, is responsible for the personal information described here. We collect:

- **Registration data:** your name, email address, phone number, postal address, occupation and company, when you open an account or register for a webinar.
- **Meeting usage data:** when meetings start and end, who joined and for how long, dial-in numbers used, device and browser type, and connection quality. We do not listen to meetings.
- **Recordings and transcripts:** a meeting is recorded only when the host turns recording on, and participants are told. If the host also turns on transcription, a written transcript is created from the recording.
- **Anonymous and aggregate information:** statistics that do not identify anyone.

We use this information to provide, bill and secure our services, to answer your questions and, as described under Choice, to tell you about our products.""",
        "retention_1": """\
We keep personal information only for as long as we need it for these purposes.""",
        "retention_11": """\
### How long we keep information

We keep registration data while your account is open and for two years after it is closed, to handle billing questions and legal claims. Meeting usage data is kept for 13 months and then deleted or turned into anonymous statistics. Recordings stay in the host's account until the host deletes them.""",
        "retention_2": """\
### How long we keep information

| Information | Retention period |
|---|---|
| Registration data | While your account is open, plus two years |
| Invoices and billing records | Ten years (French accounting law) |
| Meeting usage data | 13 months, then deleted or anonymised |
| Recordings and transcripts | Until the host deletes them, at most 12 months |
| Support requests | Three years after the request is closed |
| Marketing opt-outs | As long as needed to honour your choice |""",
        "choice_1": """\
## 2. Choice

Where the law allows, we send you news about our own products and events unless you opt out. You can opt out of each channel separately: email, phone or post.

We give your contact details to partners for their own marketing only if you opt in.

We may invite you to take part in market research or surveys about our services unless you ask us not to.

To unsubscribe or change your choices:

- use the unsubscribe link in every marketing email;
- update your preferences in the customer portal;
- contact your local Nordlys representative (see Contact).

Service messages such as meeting invitations and invoices are not marketing and are always sent.""",
        "choice_11": """\
## 2. Choice

Where the law allows, we send you news about our own products and events unless you opt out. You can opt out of each channel separately: email, phone or post.

We give your contact details to partners for their own marketing only if you opt in by ticking the separate partner box. You can withdraw that consent at any time.

We may invite you to take part in market research or surveys about our services unless you ask us not to. Taking part is always voluntary.

To unsubscribe or change your choices:

- use the unsubscribe link in every marketing email;
- update your preferences in the customer portal;
- contact your local Nordlys representative (see Contact).

Changes take effect within ten working days. Service messages such as meeting invitations and invoices are not marketing and are always sent.""",
        "access_1": """\
## 3. Access and correction

You can ask to review, correct or delete the personal information we hold about you, or to receive a copy of it in a common electronic format. Many details can be changed directly in the customer portal.

Before we act on a request, we verify your identity, for example by asking you to confirm the request from the email address on your account. We reply within one month if you are in the European Economic Area (EEA) and within 45 days if you live in California.""",
        "access_11": """\
## 3. Access and correction

You can ask to review, correct or delete the personal information we hold about you, or to receive a copy of it in a common electronic format. Many details can be changed directly in the customer portal.

Before we act on a request, we verify your identity, for example by asking you to confirm the request from the email address on your account. We reply within one month if you are in the European Economic Area (EEA) and within 45 days if you live in California. If a request is complex, we may extend these deadlines as the law permits and will tell you why in advance. If the law requires us to keep some information, we explain what and why.""",
        "security": """\
## 4. Security

Your account is protected by a password. We store passwords only in hashed form and encrypt all connections to our services.

Keep your password to yourself. If you think someone else knows it, change it and tell us promptly at privacy@nordlys.example.""",
        "complaints": """\
## 5. Complaints

If you are unhappy with how we handle your information, tell us: we will investigate and report back. You may also complain to your data protection authority, such as the CNIL (France) or IMY (Sweden).""",
        "disclosure_1": """\
## 6. Legal disclosure and transfers

We do not sell your personal information. We disclose it only:

- to **service providers** that host our platform, route calls, process payments or send email for us, under written agreements that limit their use of it and require them to keep it secure;
- when required by **law or legal process**, or to protect the rights and safety of our users, Nordlys or others;
- to a buyer or successor in a **sale or merger** of all or part of our business, unless you object after we notify you.

Your information may be stored in any country where we or our processors have facilities.""",
        "disclosure_2": """\
## 6. Legal disclosure and transfers

We do not sell your personal information. We disclose it only:

- to **service providers** that host our platform, route calls, process payments or send email for us, under written agreements that limit their use of it and require them to keep it secure;
- to a **cloud transcription provider**, when a host turns on transcription; it processes the recording only to produce the transcript and deletes its copy afterwards;
- when required by **law or legal process**, or to protect the rights and safety of our users, Nordlys or others;
- to a buyer or successor in a **sale or merger** of all or part of our business, unless you object after we notify you.

Your information may be stored in any country where we or our processors have facilities.

### Transfers outside the EEA

Some of our processors, such as our transcription provider, handle information outside the EEA, and so does our San Francisco office. Where the European Commission has not found the destination country to offer adequate protection, we use the Commission's standard contractual clauses, with extra safeguards such as encryption where needed. You can ask us for a copy of these clauses.""",
        "anonymous": """\
## 7. Anonymous information

We use anonymous information only as aggregate statistics, such as peak load on our audio bridges. These statistics cannot be linked to you, and we may publish or share them.""",
        "cookies_1": """\
## 8. Cookies

Our websites and web meeting client use cookies. Our Cookie Notice explains which ones we use, why, and how you can change your choices.""",
        "cookies_2": """\
## 8. Cookies

Our websites and web meeting client use cookies. Our Cookie Notice explains which ones we use, including optional advertising cookies, how we honour the Global Privacy Control signal, and how you can change your choices.""",
        "third_party": """\
## 9. Third-party sites

Links to other websites, such as a host's own site, are not covered by this policy. Please read those sites' own privacy policies.""",
        "children": """\
## 10. Children

Our services are not intended for children under 13, and we do not knowingly collect their personal information. If you believe a child under 13 has given us information, contact us and we will delete it.""",
        "changes": """\
## 11. Changes to this policy

For a material change, such as a new purpose or a new kind of recipient, we show a prominent notice on our websites and in the portal and ask you to accept the new version before you continue. Minor changes, such as clearer wording, take effect when published; continuing to use the services means you accept them.""",
        "contact_1": """\
## 12. Contact

- Email: privacy@nordlys.example
- Post: Nordlys Meetings SAS, Privacy Office, 12 rue de la République, 69002 Lyon, France

Representative offices:

- Stockholm: Nordlys Meetings, Sveavägen 44, 111 34 Stockholm, Sweden
- San Francisco: Nordlys Meetings Inc., 350 Market Street, Suite 900, San Francisco, CA 94105, USA""",
        "contact_11": """\
## 12. Contact

- Email: privacy@nordlys.example
- Post: Nordlys Meetings SAS, Privacy Office, 12 rue de la République, 69002 Lyon, France

Representative offices:

- Stockholm: Nordlys Meetings, Sveavägen 44, 111 34 Stockholm, Sweden
- Paris: Nordlys Meetings, 27 rue du Faubourg Saint-Antoine, 75011 Paris, France
- San Francisco: Nordlys Meetings Inc., 350 Market Street, Suite 900, San Francisco, CA 94105, USA""",
        "california": """\
## California residents

Under California Civil Code section 1798.83, California residents may ask us once a year for details of the personal information we disclosed to third parties for their own direct marketing during the previous calendar year. Write to privacy@nordlys.example or our San Francisco office; we answer within 30 days.""",
    },
    # ------------------------------------------------------------------ sv
    "sv": {
        "intro": """\
Nordlys Meetings SAS (”Nordlys”, ”vi”) tillhandahåller onlinemöten, webbinarier och ljudkonferenser med inringning. Den här policyn förklarar vilka personuppgifter vi behandlar när du använder tjänsterna, varför vi gör det och vilka val du har.""",
        "notice_1": """\
## 1. Information

Nordlys Meetings SAS, med huvudkontor i Lyon i Frankrike, är personuppgiftsansvarig för de uppgifter som beskrivs här. Vi samlar in:

- **Registreringsuppgifter:** ditt namn, din e-postadress, ditt telefonnummer, din postadress, ditt yrke och ditt företag, när du skapar ett konto eller anmäler dig till ett webbinarium.
- **Uppgifter om mötesanvändning:** när möten börjar och slutar, vem som deltog och hur länge, vilka inringningsnummer som användes, typ av enhet och webbläsare samt anslutningens kvalitet. Vi lyssnar inte på möten. Ett möte spelas in bara när värden slår på inspelning, och deltagarna får veta det.
- **Anonym och sammanställd information:** statistik som inte identifierar någon.

Vi använder uppgifterna för att tillhandahålla, fakturera och skydda våra tjänster, för att svara på dina frågor och, enligt avsnittet Val, för att berätta om våra produkter.""",
        "notice_2": """\
## 1. Information

Nordlys Meetings SAS, med huvudkontor i Lyon i Frankrike, är personuppgiftsansvarig för de uppgifter som beskrivs här. Vi samlar in:

- **Registreringsuppgifter:** ditt namn, din e-postadress, ditt telefonnummer, din postadress, ditt yrke och ditt företag, när du skapar ett konto eller anmäler dig till ett webbinarium.
- **Uppgifter om mötesanvändning:** när möten börjar och slutar, vem som deltog och hur länge, vilka inringningsnummer som användes, typ av enhet och webbläsare samt anslutningens kvalitet. Vi lyssnar inte på möten.
- **Inspelningar och transkriptioner:** ett möte spelas in bara när värden slår på inspelning, och deltagarna får veta det. Om värden också slår på transkribering skapas en skriftlig transkription av inspelningen.
- **Anonym och sammanställd information:** statistik som inte identifierar någon.

Vi använder uppgifterna för att tillhandahålla, fakturera och skydda våra tjänster, för att svara på dina frågor och, enligt avsnittet Val, för att berätta om våra produkter.""",
        "retention_1": """\
Vi sparar personuppgifter bara så länge vi behöver dem för dessa ändamål.""",
        "retention_11": """\
### Hur länge vi sparar uppgifter

Vi sparar registreringsuppgifter så länge ditt konto är öppet och i två år efter att det har avslutats, för att kunna hantera faktureringsfrågor och rättsliga anspråk. Uppgifter om mötesanvändning sparas i 13 månader och raderas sedan eller görs om till anonym statistik. Inspelningar finns kvar i värdens konto tills värden raderar dem.""",
        "retention_2": """\
### Hur länge vi sparar uppgifter

| Uppgifter | Lagringstid |
|---|---|
| Registreringsuppgifter | Så länge kontot är öppet, plus två år |
| Fakturor och faktureringsunderlag | Tio år (fransk bokföringslag) |
| Uppgifter om mötesanvändning | 13 månader, därefter raderas eller anonymiseras de |
| Inspelningar och transkriptioner | Tills värden raderar dem, högst 12 månader |
| Supportärenden | Tre år efter att ärendet har avslutats |
| Avregistreringar från marknadsföring | Så länge det behövs för att respektera ditt val |""",
        "choice_1": """\
## 2. Val

Där lagen tillåter det skickar vi nyheter om våra egna produkter och evenemang till dig, om du inte tackar nej. Du kan tacka nej till varje kanal för sig: e-post, telefon eller post.

Vi lämnar ut dina kontaktuppgifter till samarbetspartner för deras egen marknadsföring bara om du har tackat ja.

Vi kan bjuda in dig att delta i marknadsundersökningar eller enkäter om våra tjänster, om du inte ber oss att låta bli.

Så avregistrerar du dig eller ändrar dina val:

- använd avregistreringslänken som finns i varje marknadsföringsmejl;
- ändra dina inställningar i kundportalen;
- kontakta din lokala Nordlys-representant (se Kontakt).

Tjänstemeddelanden som mötesinbjudningar och fakturor är inte marknadsföring och skickas alltid.""",
        "choice_11": """\
## 2. Val

Där lagen tillåter det skickar vi nyheter om våra egna produkter och evenemang till dig, om du inte tackar nej. Du kan tacka nej till varje kanal för sig: e-post, telefon eller post.

Vi lämnar ut dina kontaktuppgifter till samarbetspartner för deras egen marknadsföring bara om du har tackat ja genom att kryssa i den separata rutan för partner. Du kan när som helst återkalla det samtycket.

Vi kan bjuda in dig att delta i marknadsundersökningar eller enkäter om våra tjänster, om du inte ber oss att låta bli. Det är alltid frivilligt att delta.

Så avregistrerar du dig eller ändrar dina val:

- använd avregistreringslänken som finns i varje marknadsföringsmejl;
- ändra dina inställningar i kundportalen;
- kontakta din lokala Nordlys-representant (se Kontakt).

Ändringar börjar gälla inom tio arbetsdagar. Tjänstemeddelanden som mötesinbjudningar och fakturor är inte marknadsföring och skickas alltid.""",
        "access_1": """\
## 3. Tillgång och rättelse

Du kan be att få granska, rätta eller radera de personuppgifter vi har om dig, eller att få en kopia av dem i ett vanligt elektroniskt format. Många uppgifter kan du ändra direkt i kundportalen.

Innan vi hanterar en begäran kontrollerar vi din identitet, till exempel genom att be dig bekräfta begäran från den e-postadress som är kopplad till ditt konto. Vi svarar inom en månad om du befinner dig i Europeiska ekonomiska samarbetsområdet (EES) och inom 45 dagar om du bor i Kalifornien.""",
        "access_11": """\
## 3. Tillgång och rättelse

Du kan be att få granska, rätta eller radera de personuppgifter vi har om dig, eller att få en kopia av dem i ett vanligt elektroniskt format. Många uppgifter kan du ändra direkt i kundportalen.

Innan vi hanterar en begäran kontrollerar vi din identitet, till exempel genom att be dig bekräfta begäran från den e-postadress som är kopplad till ditt konto. Vi svarar inom en månad om du befinner dig i Europeiska ekonomiska samarbetsområdet (EES) och inom 45 dagar om du bor i Kalifornien. Om en begäran är komplicerad kan vi förlänga tidsfristerna i den mån lagen tillåter, och då berättar vi i förväg varför. Om lagen kräver att vi sparar vissa uppgifter förklarar vi vilka och varför.""",
        "security": """\
## 4. Säkerhet

Ditt konto skyddas av ett lösenord. Vi lagrar lösenord bara i hashad form och krypterar alla anslutningar till våra tjänster.

Håll ditt lösenord för dig själv. Om du tror att någon annan känner till det, byt det och meddela oss snarast på privacy@nordlys.example.""",
        "complaints": """\
## 5. Klagomål

Om du är missnöjd med hur vi hanterar dina uppgifter, säg till: vi utreder saken och återkommer till dig. Du kan också klaga hos din dataskyddsmyndighet, till exempel CNIL (Frankrike) eller IMY (Sverige).""",
        "disclosure_1": """\
## 6. Utlämnande enligt lag och överföringar

Vi säljer inte dina personuppgifter. Vi lämnar bara ut dem:

- till **tjänsteleverantörer** som driftar vår plattform, kopplar samtal, hanterar betalningar eller skickar e-post åt oss, enligt skriftliga avtal som begränsar deras användning av uppgifterna och kräver att de skyddar dem;
- när **lag eller rättslig process** kräver det, eller för att skydda rättigheter och säkerhet för våra användare, Nordlys eller andra;
- till en köpare eller efterträdare vid **försäljning eller sammanslagning** av hela eller delar av vår verksamhet, om du inte invänder efter att vi har meddelat dig.

Dina uppgifter kan lagras i alla länder där vi eller våra personuppgiftsbiträden har anläggningar.""",
        "disclosure_2": """\
## 6. Utlämnande enligt lag och överföringar

Vi säljer inte dina personuppgifter. Vi lämnar bara ut dem:

- till **tjänsteleverantörer** som driftar vår plattform, kopplar samtal, hanterar betalningar eller skickar e-post åt oss, enligt skriftliga avtal som begränsar deras användning av uppgifterna och kräver att de skyddar dem;
- till en **molntjänst för transkribering** när en värd slår på transkribering; leverantören behandlar inspelningen bara för att ta fram transkriptionen och raderar sin kopia efteråt;
- när **lag eller rättslig process** kräver det, eller för att skydda rättigheter och säkerhet för våra användare, Nordlys eller andra;
- till en köpare eller efterträdare vid **försäljning eller sammanslagning** av hela eller delar av vår verksamhet, om du inte invänder efter att vi har meddelat dig.

Dina uppgifter kan lagras i alla länder där vi eller våra personuppgiftsbiträden har anläggningar.

### Överföringar utanför EES

Vissa av våra personuppgiftsbiträden, till exempel vår transkriberingsleverantör, hanterar uppgifter utanför EES, och det gör även vårt kontor i San Francisco. Om Europeiska kommissionen inte har beslutat att mottagarlandet har en adekvat skyddsnivå använder vi kommissionens standardavtalsklausuler, vid behov med extra skyddsåtgärder som kryptering. Du kan be oss om en kopia av klausulerna.""",
        "anonymous": """\
## 7. Anonym information

Vi använder anonym information bara i form av sammanställd statistik, till exempel den högsta belastningen på våra konferensbryggor. Statistiken kan inte kopplas till dig, och vi kan publicera eller dela den.""",
        "cookies_1": """\
## 8. Kakor (cookies)

Våra webbplatser och vår webbklient för möten använder kakor. I vår information om kakor förklarar vi vilka vi använder, varför och hur du kan ändra dina val.""",
        "cookies_2": """\
## 8. Kakor (cookies)

Våra webbplatser och vår webbklient för möten använder kakor. I vår information om kakor förklarar vi vilka vi använder, inklusive valfria kakor för annonsering, hur vi respekterar signalen Global Privacy Control och hur du kan ändra dina val.""",
        "third_party": """\
## 9. Andra webbplatser

Länkar till andra webbplatser, till exempel en värds egen webbplats, omfattas inte av den här policyn. Läs de webbplatsernas egna integritetspolicyer.""",
        "children": """\
## 10. Barn

Våra tjänster är inte avsedda för barn under 13 år, och vi samlar inte medvetet in deras personuppgifter. Om du tror att ett barn under 13 år har lämnat uppgifter till oss, kontakta oss så raderar vi dem.""",
        "changes": """\
## 11. Ändringar i policyn

Vid en väsentlig ändring, till exempel ett nytt ändamål eller en ny typ av mottagare, visar vi ett tydligt meddelande på våra webbplatser och i portalen och ber dig godkänna den nya versionen innan du fortsätter. Mindre ändringar, till exempel tydligare formuleringar, gäller från det att de publiceras; om du fortsätter att använda tjänsterna godkänner du dem.""",
        "contact_1": """\
## 12. Kontakt

- E-post: privacy@nordlys.example
- Post: Nordlys Meetings SAS, Privacy Office, 12 rue de la République, 69002 Lyon, Frankrike

Representationskontor:

- Stockholm: Nordlys Meetings, Sveavägen 44, 111 34 Stockholm, Sverige
- San Francisco: Nordlys Meetings Inc., 350 Market Street, Suite 900, San Francisco, CA 94105, USA""",
        "contact_11": """\
## 12. Kontakt

- E-post: privacy@nordlys.example
- Post: Nordlys Meetings SAS, Privacy Office, 12 rue de la République, 69002 Lyon, Frankrike

Representationskontor:

- Stockholm: Nordlys Meetings, Sveavägen 44, 111 34 Stockholm, Sverige
- Paris: Nordlys Meetings, 27 rue du Faubourg Saint-Antoine, 75011 Paris, Frankrike
- San Francisco: Nordlys Meetings Inc., 350 Market Street, Suite 900, San Francisco, CA 94105, USA""",
        "california": """\
## Invånare i Kalifornien

Enligt avsnitt 1798.83 i Kaliforniens civillag (California Civil Code) kan invånare i Kalifornien en gång per år be oss om uppgifter om de personuppgifter som vi under föregående kalenderår har lämnat ut till tredje parter för deras egen direktmarknadsföring. Skriv till privacy@nordlys.example eller till vårt kontor i San Francisco; vi svarar inom 30 dagar.""",
    },
    # ------------------------------------------------------------------ fr
    "fr": {
        "intro": """\
Nordlys Meetings SAS (« Nordlys », « nous ») fournit des services de réunions en ligne, de webinaires et d'audioconférences accessibles par téléphone. La présente politique explique quelles données personnelles nous traitons lorsque vous utilisez ces services, pourquoi, et de quels choix vous disposez.""",
        "notice_1": """\
## 1. Information

Nordlys Meetings SAS, dont le siège est à Lyon (France), est responsable des données personnelles décrites ici. Nous collectons :

- **Données d'inscription :** vos nom, adresse e-mail, numéro de téléphone, adresse postale, profession et entreprise, lorsque vous ouvrez un compte ou vous inscrivez à un webinaire.
- **Données d'utilisation des réunions :** l'heure de début et de fin des réunions, les participants et la durée de leur présence, les numéros d'appel utilisés, le type d'appareil et de navigateur, ainsi que la qualité de la connexion. Nous n'écoutons pas les réunions. Une réunion n'est enregistrée que si l'organisateur active l'enregistrement, et les participants en sont informés.
- **Informations anonymes et agrégées :** des statistiques qui ne permettent d'identifier personne.

Nous utilisons ces données pour fournir, facturer et sécuriser nos services, pour répondre à vos questions et, comme indiqué à la rubrique Choix, pour vous présenter nos produits.""",
        "notice_2": """\
## 1. Information

Nordlys Meetings SAS, dont le siège est à Lyon (France), est responsable des données personnelles décrites ici. Nous collectons :

- **Données d'inscription :** vos nom, adresse e-mail, numéro de téléphone, adresse postale, profession et entreprise, lorsque vous ouvrez un compte ou vous inscrivez à un webinaire.
- **Données d'utilisation des réunions :** l'heure de début et de fin des réunions, les participants et la durée de leur présence, les numéros d'appel utilisés, le type d'appareil et de navigateur, ainsi que la qualité de la connexion. Nous n'écoutons pas les réunions.
- **Enregistrements et transcriptions :** une réunion n'est enregistrée que si l'organisateur active l'enregistrement, et les participants en sont informés. Si l'organisateur active également la transcription, un texte écrit est produit à partir de l'enregistrement.
- **Informations anonymes et agrégées :** des statistiques qui ne permettent d'identifier personne.

Nous utilisons ces données pour fournir, facturer et sécuriser nos services, pour répondre à vos questions et, comme indiqué à la rubrique Choix, pour vous présenter nos produits.""",
        "retention_1": """\
Nous ne conservons les données personnelles que le temps nécessaire à ces finalités.""",
        "retention_11": """\
### Durée de conservation

Nous conservons les données d'inscription tant que votre compte est ouvert et pendant deux ans après sa clôture, afin de traiter les questions de facturation et les éventuels litiges. Les données d'utilisation des réunions sont conservées 13 mois, puis supprimées ou transformées en statistiques anonymes. Les enregistrements restent dans le compte de l'organisateur jusqu'à ce qu'il les supprime.""",
        "retention_2": """\
### Durée de conservation

| Données | Durée de conservation |
|---|---|
| Données d'inscription | Tant que le compte est ouvert, plus deux ans |
| Factures et pièces comptables | Dix ans (droit comptable français) |
| Données d'utilisation des réunions | 13 mois, puis suppression ou anonymisation |
| Enregistrements et transcriptions | Jusqu'à leur suppression par l'organisateur, 12 mois au maximum |
| Demandes d'assistance | Trois ans après la clôture de la demande |
| Oppositions à la prospection | Aussi longtemps que nécessaire pour respecter votre choix |""",
        "choice_1": """\
## 2. Choix

Lorsque la loi le permet, nous vous envoyons des informations sur nos propres produits et événements, sauf si vous vous y opposez. Vous pouvez vous opposer séparément à chaque canal : e-mail, téléphone ou courrier postal.

Nous ne communiquons vos coordonnées à des partenaires, pour leur propre prospection, que si vous l'avez accepté.

Nous pouvons vous inviter à participer à des études de marché ou à des enquêtes sur nos services, sauf si vous nous demandez de ne pas le faire.

Pour vous désabonner ou modifier vos choix :

- utilisez le lien de désabonnement présent dans chaque e-mail commercial ;
- mettez à jour vos préférences dans le portail client ;
- contactez votre représentant Nordlys local (voir Contact).

Les messages de service, comme les invitations aux réunions et les factures, ne relèvent pas de la prospection et sont toujours envoyés.""",
        "choice_11": """\
## 2. Choix

Lorsque la loi le permet, nous vous envoyons des informations sur nos propres produits et événements, sauf si vous vous y opposez. Vous pouvez vous opposer séparément à chaque canal : e-mail, téléphone ou courrier postal.

Nous ne communiquons vos coordonnées à des partenaires, pour leur propre prospection, que si vous l'avez accepté en cochant la case distincte prévue à cet effet. Vous pouvez retirer ce consentement à tout moment.

Nous pouvons vous inviter à participer à des études de marché ou à des enquêtes sur nos services, sauf si vous nous demandez de ne pas le faire. La participation est toujours facultative.

Pour vous désabonner ou modifier vos choix :

- utilisez le lien de désabonnement présent dans chaque e-mail commercial ;
- mettez à jour vos préférences dans le portail client ;
- contactez votre représentant Nordlys local (voir Contact).

Les modifications prennent effet sous dix jours ouvrés. Les messages de service, comme les invitations aux réunions et les factures, ne relèvent pas de la prospection et sont toujours envoyés.""",
        "access_1": """\
## 3. Accès et rectification

Vous pouvez demander à consulter, rectifier ou supprimer les données personnelles que nous détenons sur vous, ou à en recevoir une copie dans un format électronique courant. De nombreuses informations peuvent être modifiées directement dans le portail client.

Avant de traiter une demande, nous vérifions votre identité, par exemple en vous demandant de la confirmer depuis l'adresse e-mail associée à votre compte. Nous répondons dans un délai d'un mois si vous vous trouvez dans l'Espace économique européen (EEE) et de 45 jours si vous résidez en Californie.""",
        "access_11": """\
## 3. Accès et rectification

Vous pouvez demander à consulter, rectifier ou supprimer les données personnelles que nous détenons sur vous, ou à en recevoir une copie dans un format électronique courant. De nombreuses informations peuvent être modifiées directement dans le portail client.

Avant de traiter une demande, nous vérifions votre identité, par exemple en vous demandant de la confirmer depuis l'adresse e-mail associée à votre compte. Nous répondons dans un délai d'un mois si vous vous trouvez dans l'Espace économique européen (EEE) et de 45 jours si vous résidez en Californie. Si une demande est complexe, nous pouvons prolonger ces délais dans les limites prévues par la loi, et nous vous en indiquons la raison à l'avance. Si la loi nous oblige à conserver certaines données, nous vous expliquons lesquelles et pourquoi.""",
        "security": """\
## 4. Sécurité

Votre compte est protégé par un mot de passe. Nous ne stockons les mots de passe que sous forme hachée et chiffrons toutes les connexions à nos services.

Ne communiquez votre mot de passe à personne. Si vous pensez que quelqu'un d'autre le connaît, changez-le et prévenez-nous rapidement à l'adresse privacy@nordlys.example.""",
        "complaints": """\
## 5. Réclamations

Si vous n'êtes pas satisfait de la manière dont nous traitons vos données, dites-le-nous : nous examinerons la question et vous ferons part de nos conclusions. Vous pouvez également introduire une réclamation auprès de votre autorité de protection des données, par exemple la CNIL (France) ou l'IMY (Suède).""",
        "disclosure_1": """\
## 6. Divulgation légale et transferts

Nous ne vendons pas vos données personnelles. Nous ne les communiquons que :

- à des **prestataires de services** qui hébergent notre plateforme, acheminent les appels, traitent les paiements ou envoient des e-mails pour notre compte, dans le cadre de contrats écrits qui limitent l'usage qu'ils peuvent en faire et les obligent à les protéger ;
- lorsque la **loi ou une procédure judiciaire** l'exige, ou pour protéger les droits et la sécurité de nos utilisateurs, de Nordlys ou de tiers ;
- à un acquéreur ou successeur en cas de **cession ou de fusion** de tout ou partie de notre activité, sauf si vous vous y opposez après en avoir été informé.

Vos données peuvent être stockées dans tout pays où nous-mêmes ou nos sous-traitants disposons d'installations.""",
        "disclosure_2": """\
## 6. Divulgation légale et transferts

Nous ne vendons pas vos données personnelles. Nous ne les communiquons que :

- à des **prestataires de services** qui hébergent notre plateforme, acheminent les appels, traitent les paiements ou envoient des e-mails pour notre compte, dans le cadre de contrats écrits qui limitent l'usage qu'ils peuvent en faire et les obligent à les protéger ;
- à un **prestataire de transcription dans le cloud**, lorsqu'un organisateur active la transcription ; ce prestataire ne traite l'enregistrement que pour produire la transcription, puis supprime sa copie ;
- lorsque la **loi ou une procédure judiciaire** l'exige, ou pour protéger les droits et la sécurité de nos utilisateurs, de Nordlys ou de tiers ;
- à un acquéreur ou successeur en cas de **cession ou de fusion** de tout ou partie de notre activité, sauf si vous vous y opposez après en avoir été informé.

Vos données peuvent être stockées dans tout pays où nous-mêmes ou nos sous-traitants disposons d'installations.

### Transferts hors de l'EEE

Certains de nos sous-traitants, comme notre prestataire de transcription, traitent des données hors de l'EEE, de même que notre bureau de San Francisco. Lorsque la Commission européenne n'a pas reconnu au pays de destination un niveau de protection adéquat, nous utilisons les clauses contractuelles types de la Commission, complétées si nécessaire par des garanties supplémentaires comme le chiffrement. Vous pouvez nous demander une copie de ces clauses.""",
        "anonymous": """\
## 7. Informations anonymes

Nous n'utilisons les informations anonymes que sous forme de statistiques agrégées, comme la charge maximale de nos ponts de conférence audio. Ces statistiques ne peuvent pas être rattachées à vous, et nous pouvons les publier ou les partager.""",
        "cookies_1": """\
## 8. Cookies

Nos sites web et notre client web de réunion utilisent des cookies. Notre information sur les cookies explique lesquels nous utilisons, pourquoi, et comment modifier vos choix.""",
        "cookies_2": """\
## 8. Cookies

Nos sites web et notre client web de réunion utilisent des cookies. Notre information sur les cookies explique lesquels nous utilisons, y compris les cookies publicitaires facultatifs, comment nous respectons le signal Global Privacy Control, et comment modifier vos choix.""",
        "third_party": """\
## 9. Sites tiers

Les liens vers d'autres sites, comme le site propre d'un organisateur, ne sont pas couverts par la présente politique. Consultez les politiques de confidentialité de ces sites.""",
        "children": """\
## 10. Enfants

Nos services ne sont pas destinés aux enfants de moins de 13 ans, et nous ne collectons pas sciemment leurs données personnelles. Si vous pensez qu'un enfant de moins de 13 ans nous a communiqué des informations, contactez-nous et nous les supprimerons.""",
        "changes": """\
## 11. Modifications de la présente politique

En cas de modification importante, par exemple une nouvelle finalité ou un nouveau type de destinataire, nous affichons un avis bien visible sur nos sites web et dans le portail, et nous vous demandons d'accepter la nouvelle version avant de continuer. Les modifications mineures, comme une formulation plus claire, prennent effet dès leur publication ; en continuant à utiliser les services, vous les acceptez.""",
        "contact_1": """\
## 12. Contact

- E-mail : privacy@nordlys.example
- Courrier : Nordlys Meetings SAS, Privacy Office, 12 rue de la République, 69002 Lyon, France

Bureaux de représentation :

- Stockholm : Nordlys Meetings, Sveavägen 44, 111 34 Stockholm, Suède
- San Francisco : Nordlys Meetings Inc., 350 Market Street, Suite 900, San Francisco, CA 94105, États-Unis""",
        "contact_11": """\
## 12. Contact

- E-mail : privacy@nordlys.example
- Courrier : Nordlys Meetings SAS, Privacy Office, 12 rue de la République, 69002 Lyon, France

Bureaux de représentation :

- Stockholm : Nordlys Meetings, Sveavägen 44, 111 34 Stockholm, Suède
- Paris : Nordlys Meetings, 27 rue du Faubourg Saint-Antoine, 75011 Paris, France
- San Francisco : Nordlys Meetings Inc., 350 Market Street, Suite 900, San Francisco, CA 94105, États-Unis""",
        "california": """\
## Résidents de Californie

En vertu de l'article 1798.83 du Code civil de Californie, les résidents de Californie peuvent nous demander, une fois par an, des précisions sur les données personnelles que nous avons communiquées à des tiers pour leur propre prospection directe au cours de l'année civile précédente. Écrivez à privacy@nordlys.example ou à notre bureau de San Francisco ; nous répondons dans un délai de 30 jours.""",
    },
}


# ---------------------------------------------------------------------------
# Cookie notice: section texts
# ---------------------------------------------------------------------------

_CN_TEXT = {
    # ------------------------------------------------------------------ en
    "en": {
        "intro": """\
This notice explains how Nordlys Meetings SAS uses cookies and similar technologies on its websites, customer portal and web meeting client, and how you can control them. It complements our Privacy Policy.""",
        "what": """\
## What cookies are

Cookies are small text files that a website stores in your browser so that it can recognise the browser on later visits. Similar technologies, such as local storage and tracking pixels, work in much the same way, and in this notice we call them all cookies. Some are set by us; others are set by services we use.""",
        "necessary": """\
## Strictly necessary cookies

These cookies keep you signed in, remember your cookie choices, spread traffic across our servers and protect meetings against misuse. The service cannot work without them, so they are always on.""",
        "analytics_1": """\
## Analytics cookies

Analytics cookies tell us how visitors use our websites, for example which pages are popular and where errors occur, so that we can improve the service. They are set only if you allow them.""",
        "analytics_11": """\
## Analytics cookies

Analytics cookies count visits and show us how our websites and meeting client are used, for example which pages are popular and where errors occur, so that we can improve the service. We look only at combined statistics and do not use these cookies to build profiles of individuals. They are set only if you allow them.""",
        "personalisation": """\
## Personalisation cookies

These cookies remember your preferences, such as language, time zone, audio device and meeting layout, so that you do not have to set them every time. They are set only if you allow them. Without them the service still works, but it will ask for those settings again.""",
        "advertising_2": """\
## Advertising and remarketing cookies

With your permission, we and our advertising partners use these cookies to measure our campaigns and to show Nordlys ads on other websites to people who have visited ours. They are off unless you turn them on. We never use the content of your meetings for advertising.""",
        "gpc_2": """\
## Global Privacy Control

If your browser or an extension sends the Global Privacy Control (GPC) signal, we treat it as a request to opt out of advertising cookies and of the sale or sharing of your personal information, including for cross-context behavioural advertising. We apply it automatically to that browser, and if you are signed in we also record it on your account.""",
        "lifetime_11": """\
## How long cookies last

Session cookies are deleted when you close your browser. Other cookies expire automatically: strictly necessary and personalisation cookies after at most 12 months, analytics cookies after 13 months. We ask you to confirm your choices again at least every 13 months.""",
        "lifetime_2": """\
## How long cookies last

Session cookies are deleted when you close your browser. Other cookies expire automatically: strictly necessary and personalisation cookies after at most 12 months, analytics cookies after 13 months and advertising cookies after 6 months. We ask you to confirm your choices again at least every 13 months.""",
        "choices_1": """\
## Changing your choices

On your first visit, a banner lets you accept or refuse each optional category. You can change your mind at any time through the "Cookie settings" link at the bottom of every page. You can also block or delete cookies in your browser settings, but blocking strictly necessary cookies will stop parts of the service from working.""",
        "choices_2": """\
## Changing your choices

On your first visit, a banner lets you accept or refuse each optional category: analytics, personalisation and advertising. Refusing is as easy as accepting. You can change your mind at any time through the "Cookie settings" link at the bottom of every page; if your browser sends GPC, advertising is shown there as switched off. You can also block or delete cookies in your browser settings, but blocking strictly necessary cookies will stop parts of the service from working.""",
        "contact_1": """\
## Contact

Questions about cookies can be sent to privacy@nordlys.example or to Nordlys Meetings SAS, Privacy Office, 12 rue de la République, 69002 Lyon, France. Our representative offices in Stockholm and San Francisco can also help.""",
        "contact_11": """\
## Contact

Questions about cookies can be sent to privacy@nordlys.example or to Nordlys Meetings SAS, Privacy Office, 12 rue de la République, 69002 Lyon, France. Our representative offices in Stockholm, Paris and San Francisco can also help.""",
    },
    # ------------------------------------------------------------------ sv
    "sv": {
        "intro": """\
Här förklarar Nordlys Meetings SAS hur vi använder kakor (cookies) och liknande tekniker på våra webbplatser, i kundportalen och i webbklienten för möten, och hur du kan styra dem. Informationen kompletterar vår integritetspolicy.""",
        "what": """\
## Vad kakor är

Kakor är små textfiler som en webbplats sparar i din webbläsare för att kunna känna igen webbläsaren vid senare besök. Liknande tekniker, till exempel lokal lagring och spårningspixlar, fungerar på ungefär samma sätt, och i den här informationen kallar vi dem alla för kakor. Vissa sätts av oss, andra av tjänster som vi använder.""",
        "necessary": """\
## Strikt nödvändiga kakor

De här kakorna håller dig inloggad, kommer ihåg dina val om kakor, fördelar trafiken mellan våra servrar och skyddar möten mot missbruk. Tjänsten fungerar inte utan dem, så de är alltid aktiva.""",
        "analytics_1": """\
## Analyskakor

Analyskakor visar oss hur besökare använder våra webbplatser, till exempel vilka sidor som är populära och var fel uppstår, så att vi kan förbättra tjänsten. De sätts bara om du tillåter det.""",
        "analytics_11": """\
## Analyskakor

Analyskakor räknar besök och visar oss hur våra webbplatser och vår mötesklient används, till exempel vilka sidor som är populära och var fel uppstår, så att vi kan förbättra tjänsten. Vi tittar bara på sammanställd statistik och använder inte de här kakorna för att skapa profiler av enskilda personer. De sätts bara om du tillåter det.""",
        "personalisation": """\
## Kakor för anpassning

De här kakorna kommer ihåg dina inställningar, till exempel språk, tidszon, ljudenhet och möteslayout, så att du inte behöver göra om dem varje gång. De sätts bara om du tillåter det. Utan dem fungerar tjänsten ändå, men den frågar efter inställningarna igen.""",
        "advertising_2": """\
## Kakor för annonsering och remarketing

Med ditt tillstånd använder vi och våra annonspartner de här kakorna för att mäta våra kampanjer och för att visa annonser för Nordlys på andra webbplatser för personer som har besökt våra. De är avstängda om du inte slår på dem. Vi använder aldrig innehållet i dina möten för annonsering.""",
        "gpc_2": """\
## Global Privacy Control

Om din webbläsare eller ett tillägg skickar signalen Global Privacy Control (GPC) behandlar vi den som en begäran om att avstå från kakor för annonsering och från försäljning eller delning av dina personuppgifter, även för beteendebaserad annonsering över olika webbplatser och tjänster. Vi tillämpar signalen automatiskt för den webbläsaren, och om du är inloggad registrerar vi den också på ditt konto.""",
        "lifetime_11": """\
## Hur länge kakor finns kvar

Sessionskakor raderas när du stänger webbläsaren. Andra kakor upphör att gälla automatiskt: strikt nödvändiga kakor och kakor för anpassning efter högst 12 månader, analyskakor efter 13 månader. Vi ber dig bekräfta dina val på nytt minst var 13:e månad.""",
        "lifetime_2": """\
## Hur länge kakor finns kvar

Sessionskakor raderas när du stänger webbläsaren. Andra kakor upphör att gälla automatiskt: strikt nödvändiga kakor och kakor för anpassning efter högst 12 månader, analyskakor efter 13 månader och kakor för annonsering efter 6 månader. Vi ber dig bekräfta dina val på nytt minst var 13:e månad.""",
        "choices_1": """\
## Ändra dina val

Vid ditt första besök kan du i en banner godkänna eller neka varje valfri kategori. Du kan när som helst ändra dig via länken ”Inställningar för kakor” längst ned på varje sida. Du kan också blockera eller radera kakor i webbläsarens inställningar, men om du blockerar strikt nödvändiga kakor slutar delar av tjänsten att fungera.""",
        "choices_2": """\
## Ändra dina val

Vid ditt första besök kan du i en banner godkänna eller neka varje valfri kategori: analys, anpassning och annonsering. Det är lika enkelt att neka som att godkänna. Du kan när som helst ändra dig via länken ”Inställningar för kakor” längst ned på varje sida; om din webbläsare skickar GPC visas annonsering där som avstängd. Du kan också blockera eller radera kakor i webbläsarens inställningar, men om du blockerar strikt nödvändiga kakor slutar delar av tjänsten att fungera.""",
        "contact_1": """\
## Kontakt

Frågor om kakor kan skickas till privacy@nordlys.example eller till Nordlys Meetings SAS, Privacy Office, 12 rue de la République, 69002 Lyon, Frankrike. Våra representationskontor i Stockholm och San Francisco kan också hjälpa dig.""",
        "contact_11": """\
## Kontakt

Frågor om kakor kan skickas till privacy@nordlys.example eller till Nordlys Meetings SAS, Privacy Office, 12 rue de la République, 69002 Lyon, Frankrike. Våra representationskontor i Stockholm, Paris och San Francisco kan också hjälpa dig.""",
    },
    # ------------------------------------------------------------------ fr
    "fr": {
        "intro": """\
La présente information explique comment Nordlys Meetings SAS utilise des cookies et des technologies similaires sur ses sites web, son portail client et son client web de réunion, et comment vous pouvez les contrôler. Elle complète notre politique de confidentialité.""",
        "what": """\
## Qu'est-ce qu'un cookie ?

Un cookie est un petit fichier texte qu'un site web enregistre dans votre navigateur afin de pouvoir le reconnaître lors de vos visites suivantes. Des technologies similaires, comme le stockage local et les pixels de suivi, fonctionnent à peu près de la même façon ; dans la présente information, nous les appelons toutes « cookies ». Certains sont déposés par nous, d'autres par des services que nous utilisons.""",
        "necessary": """\
## Cookies strictement nécessaires

Ces cookies vous permettent de rester connecté, mémorisent vos choix en matière de cookies, répartissent le trafic entre nos serveurs et protègent les réunions contre les abus. Le service ne peut pas fonctionner sans eux ; ils sont donc toujours actifs.""",
        "analytics_1": """\
## Cookies de mesure d'audience

Les cookies de mesure d'audience nous indiquent comment les visiteurs utilisent nos sites web, par exemple quelles pages sont les plus consultées et où surviennent les erreurs, afin que nous puissions améliorer le service. Ils ne sont déposés qu'avec votre accord.""",
        "analytics_11": """\
## Cookies de mesure d'audience

Les cookies de mesure d'audience comptent les visites et nous montrent comment nos sites web et notre client de réunion sont utilisés, par exemple quelles pages sont les plus consultées et où surviennent les erreurs, afin que nous puissions améliorer le service. Nous n'examinons que des statistiques globales et n'utilisons pas ces cookies pour établir le profil de personnes. Ils ne sont déposés qu'avec votre accord.""",
        "personalisation": """\
## Cookies de personnalisation

Ces cookies mémorisent vos préférences, comme la langue, le fuseau horaire, le périphérique audio et la disposition des réunions, pour que vous n'ayez pas à les régler à chaque fois. Ils ne sont déposés qu'avec votre accord. Sans eux, le service fonctionne quand même, mais il vous redemandera ces réglages.""",
        "advertising_2": """\
## Cookies publicitaires et de reciblage

Avec votre accord, nos partenaires publicitaires et nous-mêmes utilisons ces cookies pour mesurer nos campagnes et pour afficher des publicités Nordlys sur d'autres sites aux personnes qui ont visité les nôtres. Ils restent désactivés tant que vous ne les activez pas. Nous n'utilisons jamais le contenu de vos réunions à des fins publicitaires.""",
        "gpc_2": """\
## Global Privacy Control

Si votre navigateur ou une extension envoie le signal Global Privacy Control (GPC), nous le traitons comme une demande d'opposition aux cookies publicitaires ainsi qu'à la vente ou au partage de vos données personnelles, y compris à des fins de publicité comportementale intersites. Nous l'appliquons automatiquement à ce navigateur et, si vous êtes connecté, nous l'enregistrons également dans votre compte.""",
        "lifetime_11": """\
## Durée de vie des cookies

Les cookies de session sont supprimés lorsque vous fermez votre navigateur. Les autres expirent automatiquement : les cookies strictement nécessaires et de personnalisation après 12 mois au maximum, les cookies de mesure d'audience après 13 mois. Nous vous demandons de confirmer vos choix au moins tous les 13 mois.""",
        "lifetime_2": """\
## Durée de vie des cookies

Les cookies de session sont supprimés lorsque vous fermez votre navigateur. Les autres expirent automatiquement : les cookies strictement nécessaires et de personnalisation après 12 mois au maximum, les cookies de mesure d'audience après 13 mois et les cookies publicitaires après 6 mois. Nous vous demandons de confirmer vos choix au moins tous les 13 mois.""",
        "choices_1": """\
## Modifier vos choix

Lors de votre première visite, un bandeau vous permet d'accepter ou de refuser chaque catégorie facultative. Vous pouvez changer d'avis à tout moment grâce au lien « Paramètres des cookies » en bas de chaque page. Vous pouvez aussi bloquer ou supprimer les cookies dans les réglages de votre navigateur, mais le blocage des cookies strictement nécessaires empêchera certaines parties du service de fonctionner.""",
        "choices_2": """\
## Modifier vos choix

Lors de votre première visite, un bandeau vous permet d'accepter ou de refuser chaque catégorie facultative : mesure d'audience, personnalisation et publicité. Refuser est aussi simple qu'accepter. Vous pouvez changer d'avis à tout moment grâce au lien « Paramètres des cookies » en bas de chaque page ; si votre navigateur envoie le signal GPC, la publicité y apparaît comme désactivée. Vous pouvez aussi bloquer ou supprimer les cookies dans les réglages de votre navigateur, mais le blocage des cookies strictement nécessaires empêchera certaines parties du service de fonctionner.""",
        "contact_1": """\
## Contact

Vos questions sur les cookies peuvent être adressées à privacy@nordlys.example ou à Nordlys Meetings SAS, Privacy Office, 12 rue de la République, 69002 Lyon, France. Nos bureaux de représentation de Stockholm et de San Francisco peuvent également vous aider.""",
        "contact_11": """\
## Contact

Vos questions sur les cookies peuvent être adressées à privacy@nordlys.example ou à Nordlys Meetings SAS, Privacy Office, 12 rue de la République, 69002 Lyon, France. Nos bureaux de représentation de Stockholm, de Paris et de San Francisco peuvent également vous aider.""",
    },
}


# ---------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------

_PP_VERSION_TITLE = {
    "en": "Nordlys Meetings Privacy Policy",
    "sv": "Integritetspolicy för Nordlys Meetings",
    "fr": "Politique de confidentialité de Nordlys Meetings",
}

PRIVACY_POLICY = {
    "slug": "privacy-policy",
    "kind": "privacy_policy",
    "title": {
        "en": "Privacy Policy",
        "sv": "Integritetspolicy",
        "fr": "Politique de confidentialité",
    },
    "versions": [
        {
            "label": "1.0",
            "effective_at": "2024-01-15",
            "is_material": False,
            "title": dict(_PP_VERSION_TITLE),
            "summary_of_changes": {
                "en": "First version.",
                "sv": "Första versionen.",
                "fr": "Première version.",
            },
            "body": _body(
                _PP_TEXT,
                (
                    "intro",
                    "notice_1",
                    "retention_1",
                    "choice_1",
                    "access_1",
                    "security",
                    "complaints",
                    "disclosure_1",
                    "anonymous",
                    "cookies_1",
                    "third_party",
                    "children",
                    "changes",
                    "contact_1",
                    "california",
                ),
            ),
        },
        {
            "label": "1.1",
            "effective_at": "2025-03-01",
            "is_material": False,
            "title": dict(_PP_VERSION_TITLE),
            "summary_of_changes": {
                "en": (
                    "Clarified wording in Choice (the separate partner opt-in box, withdrawing "
                    "consent, changes taking effect within ten working days, surveys being "
                    "voluntary) and in Access and correction (how deadlines can be extended and "
                    "what happens when the law requires us to keep data). Added a paragraph on "
                    "how long we keep information. Added our new Paris office to Contact."
                ),
                "sv": (
                    "Tydligare formuleringar i Val (den separata rutan för samtycke till "
                    "partner, återkallelse av samtycke, att ändringar börjar gälla inom tio "
                    "arbetsdagar och att enkäter är frivilliga) och i Tillgång och rättelse (hur "
                    "tidsfristerna kan förlängas och vad som gäller när lagen kräver att vi "
                    "sparar uppgifter). Nytt stycke om hur länge vi sparar uppgifter. Vårt nya "
                    "kontor i Paris har lagts till under Kontakt."
                ),
                "fr": (
                    "Formulations clarifiées dans Choix (case distincte pour le consentement "
                    "aux partenaires, retrait du consentement, prise d'effet sous dix jours "
                    "ouvrés, caractère facultatif des enquêtes) et dans Accès et rectification "
                    "(prolongation des délais et cas où la loi nous oblige à conserver des "
                    "données). Ajout d'un paragraphe sur la durée de conservation. Ajout de "
                    "notre nouveau bureau de Paris dans Contact."
                ),
            },
            "body": _body(
                _PP_TEXT,
                (
                    "intro",
                    "notice_1",
                    "retention_11",
                    "choice_11",
                    "access_11",
                    "security",
                    "complaints",
                    "disclosure_1",
                    "anonymous",
                    "cookies_1",
                    "third_party",
                    "children",
                    "changes",
                    "contact_11",
                    "california",
                ),
            ),
        },
        {
            "label": "2.0",
            "effective_at": "2026-06-01",
            "is_material": True,
            "title": dict(_PP_VERSION_TITLE),
            "summary_of_changes": {
                "en": (
                    "Material change. When a host turns on transcription, meeting recordings "
                    "are now sent to a cloud transcription provider: recordings and transcripts "
                    "are described under Notice and the provider is listed as a new recipient. "
                    'New subsection "Transfers outside the EEA" explaining that we rely on the '
                    "European Commission's standard contractual clauses. The retention paragraph "
                    "is replaced by a retention table, including recordings and transcripts. "
                    "The Cookies section now mentions optional advertising cookies and the "
                    "Global Privacy Control signal."
                ),
                "sv": (
                    "Väsentlig ändring. När en värd slår på transkribering skickas "
                    "mötesinspelningar nu till en molntjänst för transkribering: inspelningar "
                    "och transkriptioner beskrivs under Information, och leverantören finns med "
                    "som en ny mottagare. Nytt underavsnitt ”Överföringar utanför EES” som "
                    "förklarar att vi använder Europeiska kommissionens standardavtalsklausuler. "
                    "Stycket om lagringstid har ersatts av en tabell, som även omfattar "
                    "inspelningar och transkriptioner. Avsnittet om kakor nämner nu valfria "
                    "kakor för annonsering och signalen Global Privacy Control."
                ),
                "fr": (
                    "Modification importante. Lorsqu'un organisateur active la transcription, "
                    "les enregistrements de réunion sont désormais transmis à un prestataire de "
                    "transcription dans le cloud : les enregistrements et transcriptions sont "
                    "décrits dans Information et ce prestataire figure comme nouveau "
                    "destinataire. Nouvelle sous-section « Transferts hors de l'EEE » expliquant "
                    "que nous utilisons les clauses contractuelles types de la Commission "
                    "européenne. Le paragraphe sur la conservation est remplacé par un tableau "
                    "des durées, qui couvre aussi les enregistrements et transcriptions. La "
                    "rubrique Cookies mentionne désormais les cookies publicitaires facultatifs "
                    "et le signal Global Privacy Control."
                ),
            },
            "body": _body(
                _PP_TEXT,
                (
                    "intro",
                    "notice_2",
                    "retention_2",
                    "choice_11",
                    "access_11",
                    "security",
                    "complaints",
                    "disclosure_2",
                    "anonymous",
                    "cookies_2",
                    "third_party",
                    "children",
                    "changes",
                    "contact_11",
                    "california",
                ),
            ),
        },
    ],
}

_CN_VERSION_TITLE = {
    "en": "Nordlys Meetings Cookie Notice",
    "sv": "Information om kakor från Nordlys Meetings",
    "fr": "Information sur les cookies de Nordlys Meetings",
}

COOKIE_NOTICE = {
    "slug": "cookie-notice",
    "kind": "cookie_notice",
    "title": {
        "en": "Cookie Notice",
        "sv": "Information om kakor",
        "fr": "Information sur les cookies",
    },
    "versions": [
        {
            "label": "1.0",
            "effective_at": "2024-01-15",
            "is_material": False,
            "title": dict(_CN_VERSION_TITLE),
            "summary_of_changes": {
                "en": "First version.",
                "sv": "Första versionen.",
                "fr": "Première version.",
            },
            "body": _body(
                _CN_TEXT,
                (
                    "intro",
                    "what",
                    "necessary",
                    "analytics_1",
                    "personalisation",
                    "choices_1",
                    "contact_1",
                ),
            ),
        },
        {
            "label": "1.1",
            "effective_at": "2025-03-01",
            "is_material": False,
            "title": dict(_CN_VERSION_TITLE),
            "summary_of_changes": {
                "en": (
                    "Clarified the description of analytics cookies (they also cover the "
                    "meeting client and are used only for combined statistics, not individual "
                    "profiles). Added a section on how long cookies last. Added our Paris "
                    "office to Contact."
                ),
                "sv": (
                    "Tydligare beskrivning av analyskakor (de omfattar även mötesklienten och "
                    "används bara för sammanställd statistik, inte för profiler av enskilda). "
                    "Nytt avsnitt om hur länge kakor finns kvar. Vårt kontor i Paris har lagts "
                    "till under Kontakt."
                ),
                "fr": (
                    "Description clarifiée des cookies de mesure d'audience (ils couvrent aussi "
                    "le client de réunion et ne servent qu'à des statistiques globales, pas au "
                    "profilage). Nouvelle section sur la durée de vie des cookies. Ajout de "
                    "notre bureau de Paris dans Contact."
                ),
            },
            "body": _body(
                _CN_TEXT,
                (
                    "intro",
                    "what",
                    "necessary",
                    "analytics_11",
                    "personalisation",
                    "lifetime_11",
                    "choices_1",
                    "contact_11",
                ),
            ),
        },
        {
            "label": "2.0",
            "effective_at": "2026-06-01",
            "is_material": True,
            "title": dict(_CN_VERSION_TITLE),
            "summary_of_changes": {
                "en": (
                    "Material change. New category of advertising and remarketing cookies, off "
                    "unless you turn them on, with a 6-month lifetime. We now honour the Global "
                    "Privacy Control signal as an opt-out of advertising cookies and of the sale "
                    "or sharing of personal information. The cookie banner and settings list the "
                    "advertising category, and refusing is as easy as accepting."
                ),
                "sv": (
                    "Väsentlig ändring. Ny kategori med kakor för annonsering och remarketing, "
                    "avstängda om du inte slår på dem, med en livslängd på 6 månader. Vi "
                    "respekterar nu signalen Global Privacy Control som ett nej till kakor för "
                    "annonsering och till försäljning eller delning av personuppgifter. "
                    "Bannern och inställningarna för kakor visar kategorin annonsering, och det "
                    "är lika enkelt att neka som att godkänna."
                ),
                "fr": (
                    "Modification importante. Nouvelle catégorie de cookies publicitaires et de "
                    "reciblage, désactivés tant que vous ne les activez pas, d'une durée de vie "
                    "de 6 mois. Nous respectons désormais le signal Global Privacy Control comme "
                    "une opposition aux cookies publicitaires et à la vente ou au partage des "
                    "données personnelles. Le bandeau et les paramètres des cookies présentent "
                    "la catégorie publicité, et refuser est aussi simple qu'accepter."
                ),
            },
            "body": _body(
                _CN_TEXT,
                (
                    "intro",
                    "what",
                    "necessary",
                    "analytics_11",
                    "personalisation",
                    "advertising_2",
                    "gpc_2",
                    "lifetime_2",
                    "choices_2",
                    "contact_11",
                ),
            ),
        },
    ],
}

DOCUMENTS = (PRIVACY_POLICY, COOKIE_NOTICE)
