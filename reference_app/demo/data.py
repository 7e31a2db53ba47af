"""What the demo territory is made of: communes, pickup points, shops and people.

Communes are real (INSEE codes; names, postal codes and centres come from the bundled
gazetteer at load time). Shops, people, street numbers, SIREN numbers and phone numbers are
invented: SIRENs pass the Luhn check, phone numbers sit in the ranges ARCEP keeps for fiction
(03 53 48…, 06 39 98…). The catalogue is in ``products.csv``.

Shops and pickup points stand at positions of their own, a few hundred metres apart in their
town, as if the operator had placed them on the map: the demo has no geocoder, and without
them every shop of a town would stand at its commune's centre, one marker on the courier's
map. Shoppers' addresses stay at their commune's centre, flagged approximate, as checkout
leaves them when the geocoder is off.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from importlib import resources

from shop_core.catalogue.model import Unit
from shop_core.catalogue.services import ProductInput
from shop_core.merchants.model import Trade
from shop_core.money import cents_from_euros
from shop_core.slugs import slugify
from shop_core.vat import VatRate

DOMAIN = "ternois.demo"
PASSWORD = "cabas-demo"


@dataclass(frozen=True, slots=True)
class TerritorySpec:
    name: str
    slug: str
    tagline: str
    primary_color: str
    accent_color: str
    commission_rate_bp: int
    order_cutoff: dt.time


TERRITORY = TerritorySpec(
    name="Ternois",
    slug="ternois",
    tagline="Les commerçants du Ternois, livrés jusqu'à votre porte",
    primary_color="#2f6b3a",  # country green: white text on it passes WCAG AA
    accent_color="#e0a526",  # wheat
    commission_rate_bp=500,
    order_cutoff=dt.time(18, 0),
)

SLOTS = [
    ("matin", "Matin (9 h – 12 h)", dt.time(9), dt.time(12)),
    ("apres-midi", "Après-midi (14 h – 18 h)", dt.time(14), dt.time(18)),
]

#: Served communes, by INSEE code: Saint-Pol and its neighbours, the Ternoise valley up to
#: Anvin, the Pernois, Heuchin, and the Canche and Authie valleys down to Frévent and Auxi.
COMMUNES = [
    "62767",  # Saint-Pol-sur-Ternoise
    "62763",  # Saint-Michel-sur-Ternoise
    "62367",  # Gauchin-Verloingt
    "62686",  # Ramecourt
    "62717",  # Roëllecourt
    "62442",  # Hernicourt
    "62436",  # Herlin-le-Sec
    "62180",  # Brias
    "62831",  # Troisvaux
    "62641",  # Ostreville
    "62883",  # Wavrans-sur-Ternoise
    "62797",  # Siracourt
    "62258",  # Croisette
    "62580",  # Monchy-Breton
    "62820",  # Tincques
    "62036",  # Anvin
    "62451",  # Heuchin
    "62652",  # Pernes
    "62166",  # Bours
    "62835",  # Valhuon
    "62740",  # Sains-lès-Pernes
    "62805",  # Tangry
    "62361",  # Frévent
    "62631",  # Nuncq-Hautecôte
    "62513",  # Ligny-sur-Canche
    "62158",  # Boubers-sur-Canche
    "62154",  # Bonnières
    "62060",  # Auxi-le-Château
]


@dataclass(frozen=True, slots=True)
class Point:
    name: str
    kind: str
    address: str
    insee: str
    #: Where the point stands (WGS84), as the operator would have placed it on the map.
    lat: float
    lon: float
    notes: str
    #: Open on these weekdays (0 = Monday), in these windows each.
    days: range
    windows: tuple[tuple[dt.time, dt.time], ...]

    @property
    def hours(self) -> list[tuple[int, dt.time, dt.time]]:
        return [(day, opens, closes) for day in self.days for opens, closes in self.windows]


PICKUP_POINTS = [
    # The former railway station of Auxi-le-Château, turned into Ternois Com's tiers-lieu.
    Point(
        name="Tiers-lieu de l'ancienne gare",
        kind="tiers_lieu",
        address="6 place de la Gare",
        insee="62060",
        lat=50.2338,
        lon=2.1128,
        notes="Accueil du mardi au samedi, 9 h – 12 h et 14 h – 18 h.",
        days=range(1, 6),
        windows=((dt.time(9), dt.time(12)), (dt.time(14), dt.time(18))),
    ),
    Point(
        name="Mairie de Saint-Pol-sur-Ternoise",
        kind="mairie",
        address="Place de l'Hôtel de Ville",
        insee="62767",
        lat=50.3816,
        lon=2.3344,
        notes="À l'accueil de la mairie, du lundi au vendredi, 8 h 30 – 12 h et 13 h 30 – 17 h.",
        days=range(5),
        windows=((dt.time(8, 30), dt.time(12)), (dt.time(13, 30), dt.time(17))),
    ),
]


#: Where the rounds start and end (the commune's centre stands for the address).
DEPOT = ("Dépôt des tournées du Ternois", "Zone d'activités", "62436")  # Herlin-le-Sec


@dataclass(frozen=True, slots=True)
class RoundSpec:
    name: str
    courier: int  # index in COURIERS
    communes: tuple[str, ...]


#: Two rounds, Monday to Saturday: the Ternoise valley and the Pernois to the north, the
#: Canche and Authie valleys to the south. Both pass through Saint-Pol.
ROUNDS = [
    RoundSpec(
        "Ternoise et Pernois",
        0,
        (
            "62767",
            "62763",
            "62367",
            "62717",
            "62442",
            "62180",
            "62831",
            "62641",
            "62883",
            "62580",
            "62820",
            "62036",
            "62451",
            "62652",
            "62166",
            "62835",
            "62740",
            "62805",
        ),
    ),
    RoundSpec(
        "Canche et Authie",
        1,
        (
            "62767",
            "62686",
            "62436",
            "62797",
            "62258",
            "62361",
            "62631",
            "62513",
            "62158",
            "62154",
            "62060",
        ),
    ),
]
ROUND_DAYS = range(0, 6)  # Monday to Saturday
ROUND_HOURS = (dt.time(8, 0), dt.time(18, 30))
ROUND_CAPACITY = 40  # parcels


@dataclass(frozen=True, slots=True)
class Shop:
    """A demo merchant. ``hours`` reads like a shop door: "mar-sam 08:00-12:30 14:30-19:00"."""

    key: str
    trade_name: str
    legal_name: str
    trade: Trade
    siren: str
    siret: str
    insee: str
    address: str
    #: Where the shop stands (WGS84), as the operator would have placed it on the map.
    lat: float
    lon: float
    owner: str
    phone: str
    hours: str
    description: str
    vat_franchise: bool = False
    assisted: bool = False
    pending: bool = False
    click_and_collect: bool = True

    @property
    def email(self) -> str:
        """The owner's login: the shop's slug at the demo domain."""
        return f"{slugify(self.trade_name)}@{DOMAIN}"


SHOPS = [
    Shop(
        key="fournil",
        trade_name="Au Fournil de la Ternoise",
        legal_name="SARL Caron et Fils",
        trade=Trade.BOULANGERIE,
        siren="984390799",
        siret="98439079900018",
        insee="62767",
        address="14 rue d'Hesdin",
        lat=50.3809,
        lon=2.3297,
        owner="Olivier Caron",
        phone="03 53 48 10 01",
        hours="mar-sam 06:30-13:00 15:00-19:30 ; dim 07:00-12:30",
        description="Pains au levain cuits sur sole, viennoiseries pur beurre et tartes au "
        "sucre comme on les fait dans le Ternois depuis trois générations.",
    ),
    Shop(
        key="wimet",
        trade_name="Boulangerie Wimet",
        legal_name="EURL Wimet",
        trade=Trade.BOULANGERIE,
        siren="579782046",
        siret="57978204600018",
        insee="62060",
        address="21 rue du Général de Gaulle",
        lat=50.2322,
        lon=2.1188,
        owner="Aurélie Wimet",
        phone="03 53 48 10 02",
        hours="lun 07:00-13:00 ; mer-sam 07:00-13:00 15:30-19:00 ; dim 07:00-12:30",
        description="La boulangerie du centre d'Auxi-le-Château : baguettes, pains spéciaux "
        "et pâtisseries du week-end.",
    ),
    Shop(
        key="delattre",
        trade_name="Boucherie Delattre",
        legal_name="Delattre Bernard",
        trade=Trade.BOUCHERIE,
        siren="609734611",
        siret="60973461100013",
        insee="62060",
        address="3 place du Marché",
        lat=50.2311,
        lon=2.1165,
        owner="Bernard Delattre",
        phone="03 53 48 10 03",
        hours="mar-sam 08:00-12:30 14:30-19:00 ; dim 08:30-12:00",
        description="Viandes d'éleveurs de l'Authie et de la Canche, bœuf rouge flamand, "
        "volailles Label Rouge. La boutique en ligne est tenue avec l'aide de l'animation "
        "du territoire.",
        assisted=True,
    ),
    Shop(
        key="lefebvre",
        trade_name="Charcuterie Lefebvre",
        legal_name="SARL Lefebvre Traiteur",
        trade=Trade.CHARCUTERIE,
        siren="407380385",
        siret="40738038500010",
        insee="62361",
        address="22 rue de Doullens",
        lat=50.2738,
        lon=2.289,
        owner="Martine Lefebvre",
        phone="03 53 48 10 04",
        hours="mar-sam 08:30-12:30 15:00-19:00",
        description="Charcuterie maison, potjevleesch, carbonade et plats du jour à emporter.",
    ),
    Shop(
        key="cloche",
        trade_name="La Cloche à Fromages",
        legal_name="SAS La Cloche",
        trade=Trade.FROMAGERIE,
        siren="565788221",
        siret="56578822100010",
        insee="62767",
        address="5 rue des Procureurs",
        lat=50.3826,
        lon=2.333,
        owner="Hélène Bécart",
        phone="03 53 48 10 05",
        hours="mar-ven 09:00-12:30 15:00-19:00 ; sam 08:30-18:00",
        description="Maroilles, Vieux-Lille, Rollot et Boulette d'Avesnes affinés dans notre "
        "cave, et les grands fromages de France.",
    ),
    Shop(
        key="chenes",
        trade_name="Ferme des Trois Chênes",
        legal_name="EARL des Trois Chênes",
        trade=Trade.MARAICHER,
        siren="619270176",
        siret="61927017600016",
        insee="62367",
        address="8 chemin des Prés",
        lat=50.3898,
        lon=2.315,
        owner="Thomas Deprez",
        phone="06 39 98 10 06",
        hours="mer 14:00-18:30 ; ven 14:00-18:30 ; sam 09:00-12:30",
        description="Légumes de plein champ et de serre cultivés sans traitement chimique de "
        "synthèse, récoltés la veille de la livraison.",
    ),
    Shop(
        key="dufour",
        trade_name="Ferme Dufour",
        legal_name="GAEC Dufour",
        trade=Trade.FERME,
        siren="687461244",
        siret="68746124400018",
        insee="62451",
        address="12 rue de Fruges",
        lat=50.4772,
        lon=2.2712,
        owner="Claire Dufour",
        phone="06 39 98 10 07",
        hours="mar 16:00-19:00 ; ven 16:00-19:00 ; sam 09:00-12:00",
        description="Lait cru, yaourts, beurre et œufs de nos poules en plein air, volailles "
        "élevées sur la ferme à Heuchin.",
    ),
    Shop(
        key="epicerie",
        trade_name="L'Épicerie de Pernes",
        legal_name="SARL Épicerie de Pernes",
        trade=Trade.EPICERIE,
        siren="559489323",
        siret="55948932300019",
        insee="62652",
        address="8 Grand'Place",
        lat=50.4853,
        lon=2.4077,
        owner="Karim Haddad",
        phone="03 53 48 10 08",
        hours="lun-sam 08:30-12:30 14:30-19:00 ; dim 09:00-12:00",
        description="L'épicerie du bourg : produits du Nord, vrac, conserves et le "
        "nécessaire de la maison.",
    ),
    Shop(
        key="maree",
        trade_name="La Marée de la Canche",
        legal_name="SAS Marée de la Canche",
        trade=Trade.POISSONNERIE,
        siren="853471803",
        siret="85347180300017",
        insee="62361",
        address="4 place du Marché",
        lat=50.276,
        lon=2.2878,
        owner="Ludovic Flament",
        phone="03 53 48 10 09",
        hours="mar-jeu 08:00-12:30 ; ven 08:00-12:30 15:30-19:00 ; sam 08:00-12:30",
        description="Poissons et coquillages débarqués à Boulogne-sur-Mer, livrés à la "
        "boutique chaque matin.",
    ),
    Shop(
        key="fleurs",
        trade_name="Fleurs de Ternoise",
        legal_name="Fleurs de Ternoise SARL",
        trade=Trade.FLEURISTE,
        siren="756037867",
        siret="75603786700014",
        insee="62767",
        address="27 rue de Béthune",
        lat=50.3853,
        lon=2.3368,
        owner="Sandrine Lagache",
        phone="03 53 48 10 10",
        hours="mar-sam 09:00-12:15 14:00-19:00 ; dim 09:00-12:30",
        description="Bouquets de saison, plantes et compositions pour toutes les occasions.",
    ),
    Shop(
        key="moulin",
        trade_name="Brasserie du Moulin",
        legal_name="SAS Brasserie du Moulin",
        trade=Trade.BRASSERIE,
        siren="898988282",
        siret="89898828200015",
        insee="62883",
        address="2 rue du Moulin",
        lat=50.4091,
        lon=2.2881,
        owner="Julien Bouchez",
        phone="03 53 48 10 11",
        hours="ven 16:00-19:00 ; sam 10:00-18:00",
        description="Bières brassées au bord de la Ternoise avec l'orge de la plaine d'Artois. "
        "L'abus d'alcool est dangereux pour la santé.",
    ),
    Shop(
        key="cellier",
        trade_name="Le Cellier Saint-Polois",
        legal_name="SARL Le Cellier",
        trade=Trade.CAVISTE,
        siren="407342146",
        siret="40734214600013",
        insee="62767",
        address="6 rue d'Arras",
        lat=50.3803,
        lon=2.3384,
        owner="Philippe Leclercq",
        phone="03 53 48 10 12",
        hours="mar-sam 09:30-12:30 14:30-19:30 ; dim 10:00-12:30",
        description="Vins de vignerons, cidres et poirés du Nord, spiritueux. "
        "L'abus d'alcool est dangereux pour la santé.",
    ),
    Shop(
        key="vannier",
        trade_name="L'Atelier du Vannier",
        legal_name="Duhamel Lucien (entrepreneur individuel)",
        trade=Trade.ARTISAN,
        siren="598859767",
        siret="59885976700017",
        insee="62158",
        address="1 rue de la Canche",
        lat=50.2905,
        lon=2.2345,
        owner="Lucien Duhamel",
        phone="06 39 98 10 13",
        hours="mer 14:00-18:00 ; sam 10:00-12:00 14:00-18:00",
        description="Paniers, cabas et corbeilles tressés à la main en osier de la vallée. "
        "Micro-entreprise : TVA non applicable.",
        vat_franchise=True,
    ),
    Shop(
        key="rucher",
        trade_name="Rucher de la Canche",
        legal_name="Lemaire Pauline (entrepreneur individuel)",
        trade=Trade.FERME,
        siren="765619895",
        siret="76561989500012",
        insee="62631",
        address="15 rue Principale",
        lat=50.3062,
        lon=2.2851,
        owner="Pauline Lemaire",
        phone="06 39 98 10 14",
        hours="sam 10:00-12:00",
        description="Miels de fleurs des vallées de la Canche et de l'Authie. Boutique en "
        "attente de validation par le territoire.",
        pending=True,
    ),
]

OPERATOR = ("Sophie Leclercq", f"animation@{DOMAIN}", "06 39 98 20 01")
COURIERS = [
    ("Thomas Lenglet", f"livreur@{DOMAIN}", "06 39 98 20 02"),
    ("Karima Haddou", f"livreuse@{DOMAIN}", "06 39 98 20 03"),
]
#: Who hands over the parcels at a pickup point: (name, e-mail, phone, index in PICKUP_POINTS).
POINT_STAFF = [
    ("Nadine Dubois", f"mairie-saint-pol@{DOMAIN}", "03 21 03 00 10", 1),
]


@dataclass(frozen=True, slots=True)
class Shopper:
    full_name: str
    insee: str
    street: str
    phone: str
    instructions: str = ""

    @property
    def email(self) -> str:
        first, last = self.full_name.split(" ", 1)
        return f"{slugify(first)}.{slugify(last)}@{DOMAIN}"


SHOPPERS = [
    Shopper("Jeanne Martin", "62767", "12 rue d'Arras", "06 39 98 30 01", "Sonnez deux fois."),
    Shopper("Michel Lefèvre", "62361", "7 rue d'Hesdin", "06 39 98 30 02"),
    Shopper(
        "Monique Dupont", "62060", "18 rue de Frévent", "03 53 48 30 03", "Au fond de la cour."
    ),
    Shopper("Gérard Caron", "62451", "3 place de l'Église", "03 53 48 30 04"),
    Shopper("Nathalie Delattre", "62652", "25 rue de Saint-Pol", "06 39 98 30 05"),
    Shopper("Sébastien Leroy", "62763", "9 rue de la Ternoise", "06 39 98 30 06"),
    Shopper("Isabelle Petit", "62367", "4 rue du Calvaire", "06 39 98 30 07"),
    Shopper("Christian Dubois", "62686", "11 rue de l'Église", "03 53 48 30 08"),
    Shopper("Sylvie Lemaire", "62717", "2 rue du Moulin", "06 39 98 30 09"),
    Shopper("Didier Vasseur", "62442", "16 rue Principale", "03 53 48 30 10"),
    Shopper("Chantal Lecomte", "62180", "5 rue des Écoles", "03 53 48 30 11", "Chien gentil."),
    Shopper("Alain Bernard", "62820", "30 route Nationale", "06 39 98 30 12"),
    Shopper("Élodie Carpentier", "62036", "8 rue de la Gare", "06 39 98 30 13"),
    Shopper("Thierry Duhamel", "62166", "14 rue du Château", "06 39 98 30 14"),
    Shopper("Karine Boulanger", "62835", "6 rue de la Mairie", "06 39 98 30 15"),
    Shopper("Julien Delcroix", "62361", "41 rue Wilson", "06 39 98 30 16"),
    Shopper("Aurélie Fontaine", "62154", "10 rue de Doullens", "06 39 98 30 17"),
    Shopper("Pascal Lagache", "62158", "22 rue de la Canche", "03 53 48 30 18"),
    Shopper(
        "Marie-Thérèse Cousin",
        "62513",
        "1 rue de l'Abbaye",
        "03 53 48 30 19",
        "Personne âgée : laisser le temps d'ouvrir.",
    ),
    Shopper("Yannick Hénon", "62631", "13 rue Principale", "06 39 98 30 20"),
    Shopper("Sandrine Flament", "62258", "7 rue du Bois", "06 39 98 30 21"),
    Shopper("Fabrice Debrabant", "62797", "3 rue de la Chapelle", "06 39 98 30 22"),
    Shopper("Céline Wattez", "62883", "19 rue du Moulin", "06 39 98 30 23"),
    Shopper("Romain Bouchez", "62641", "2 chemin Vert", "06 39 98 30 24"),
    Shopper("Laetitia Crépin", "62831", "12 rue de Saint-Pol", "06 39 98 30 25"),
    Shopper("Hervé Dewailly", "62580", "5 rue des Tilleuls", "03 53 48 30 26"),
    Shopper("Françoise Leclerc", "62740", "8 rue de Pernes", "03 53 48 30 27"),
    Shopper("Kévin Deprez", "62805", "4 rue de l'Église", "06 39 98 30 28"),
    Shopper("Amandine Lemoine", "62436", "17 rue d'Hesdin", "06 39 98 30 29"),
    Shopper("Nadia Benali", "62767", "33 rue de Béthune", "06 39 98 30 30"),
]

#: Categories of the territory's catalogue, in display order.
CATEGORIES = [
    "Pains et viennoiseries",
    "Pâtisseries et desserts",
    "Viandes et volailles",
    "Charcuterie et traiteur",
    "Poissons et fruits de mer",
    "Fromages, crèmerie et œufs",
    "Fruits et légumes",
    "Épicerie",
    "Bières et boissons",
    "Vins et spiritueux",
    "Fleurs et plantes",
    "Artisanat et maison",
]


_DAYS = ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"]


def opening_windows(spec: str) -> list[tuple[int, dt.time, dt.time]]:
    """``"mar-sam 08:00-12:30 14:30-19:00 ; dim 08:30-12:00"`` → ``(weekday, opens, closes)``."""
    windows: list[tuple[int, dt.time, dt.time]] = []
    for part in spec.split(";"):
        days, *spans = part.split()
        first, _, last = days.partition("-")
        weekdays = range(_DAYS.index(first), _DAYS.index(last or first) + 1)
        for span in spans:
            opens, closes = (dt.time.fromisoformat(t) for t in span.split("-"))
            windows.extend((day, opens, closes) for day in weekdays)
    return windows


@dataclass(frozen=True, slots=True)
class DemoProduct:
    shop: str
    category: str
    data: ProductInput


def products() -> list[DemoProduct]:
    """The catalogue of ``products.csv``: prices in euros, VAT in percent, empty stock =
    not tracked, a weight for products sold by weight, "oui" for perishables."""
    text = resources.files("reference_app.demo").joinpath("products.csv")
    rows = list(csv.DictReader(text.read_text(encoding="utf-8").splitlines()))
    return [
        DemoProduct(
            shop=row["shop"],
            category=row["category"],
            data=ProductInput(
                name=row["name"],
                description=row["description"],
                price_cents=cents_from_euros(row["price"]),
                vat_rate=VatRate.from_percent(row["vat"]),
                unit=Unit(row["unit"]),
                track_stock=bool(row["stock"]),
                stock_quantity=int(row["stock"] or 0),
                estimated_weight_g=int(row["weight_g"]) if row["weight_g"] else None,
                no_withdrawal=row["perishable"] == "oui",
            ),
        )
        for row in rows
    ]
