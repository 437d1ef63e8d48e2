"""Pinterest's reference data as the simulator knows it: the values of each targeting type and their names, the
interest tree, the countries ads can run in. Fixed tables, the same for every seed: the targeting analytics and
report rows (``metrics.targeting_value``), ``targeting_options/get``, ``interest_targeting_options/get``,
``ad_account_countries/get``, audience insights and trends all draw on them, so a value one answer carries is
decoded by another (docs/dev/API-NOTES.md#targeting-reference).

The value forms follow the spec's examples (``MetricsResponse``: ``APPTYPE`` ``iphone``, ``LOCATION`` ``500`` (a
US DMA code), ``COUNTRY`` ``US``, ``GEO`` ``US:94102``, ``REGION`` ``US-CA``, ``TARGETED_INTEREST`` ``Food and
Drinks``, ``PINNER_INTEREST`` ``Chocolate Cookies``; ``TargetingSpec``: ``GEO`` ``BE-VOV``, ``LOCALE`` two-letter
ISO 639-1 codes); the names are the simulator's own. This module imports nothing from the package.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


def stable_hash(*parts: object) -> int:
    """A 64-bit hash of `parts` that is the same in every process (unlike ``hash``)."""
    raw = ":".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big")


#: ``APPTYPE`` (spec ``TargetingSpecAppType``)
APP_TYPES: dict[str, str] = {
    "android_mobile": "Android phone",
    "android_tablet": "Android tablet",
    "ipad": "iPad",
    "iphone": "iPhone",
    "web": "Web (desktop)",
    "web_mobile": "Mobile web",
}
#: ``GENDER`` (spec ``TargetingSpecGender``)
GENDERS: dict[str, str] = {"female": "Female", "male": "Male", "unknown": "Unknown"}
#: ``AGE_BUCKET`` (spec ``TargetingSpecAgeBucket``)
AGE_BUCKETS: dict[str, str] = {
    "18-24": "18-24",
    "19+": "19 and over",
    "20+": "20 and over",
    "21+": "21 and over",
    "25-34": "25-34",
    "35-44": "35-44",
    "45-49": "45-49",
    "50-54": "50-54",
    "55-64": "55-64",
    "65+": "65 and over",
}
#: the age buckets reports break down by (the trends' ``AgeBucketList``; no "19+"-style targeting buckets)
REPORTING_AGE_BUCKETS: tuple[str, ...] = ("18-24", "25-34", "35-44", "45-49", "50-54", "55-64", "65+")
#: ``LOCALE``: "24 ISO 639-1 two-letter language codes" (spec ``TargetingSpec.LOCALE``)
LOCALES: dict[str, str] = {
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fi": "Finnish",
    "fr": "French",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "ms": "Malay",
    "nb": "Norwegian",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sv": "Swedish",
    "tr": "Turkish",
    "uk": "Ukrainian",
}


@dataclass(frozen=True)
class Country:
    """A country ads can run in: ``AdAccountsCountryResponseData`` (code from the spec's ``AdCountry``)."""

    code: str
    name: str
    currency_code: str
    currency_name: str


#: the countries ``ad_account_countries/get`` lists, in its order (``index`` is the position, from 1)
COUNTRIES: tuple[Country, ...] = (
    Country("US", "United States of America", "USD", "Dollars"),
    Country("CA", "Canada", "CAD", "Canadian Dollars"),
    Country("GB", "United Kingdom", "GBP", "Pounds"),
    Country("IE", "Ireland", "EUR", "Euros"),
    Country("AU", "Australia", "AUD", "Australian Dollars"),
    Country("NZ", "New Zealand", "NZD", "New Zealand Dollars"),
    Country("DE", "Germany", "EUR", "Euros"),
    Country("AT", "Austria", "EUR", "Euros"),
    Country("CH", "Switzerland", "CHF", "Swiss Francs"),
    Country("FR", "France", "EUR", "Euros"),
    Country("BE", "Belgium", "EUR", "Euros"),
    Country("NL", "Netherlands", "EUR", "Euros"),
    Country("LU", "Luxembourg", "EUR", "Euros"),
    Country("ES", "Spain", "EUR", "Euros"),
    Country("PT", "Portugal", "EUR", "Euros"),
    Country("IT", "Italy", "EUR", "Euros"),
    Country("GR", "Greece", "EUR", "Euros"),
    Country("MT", "Malta", "EUR", "Euros"),
    Country("CY", "Cyprus", "EUR", "Euros"),
    Country("SE", "Sweden", "SEK", "Swedish Kronor"),
    Country("DK", "Denmark", "DKK", "Danish Kroner"),
    Country("FI", "Finland", "EUR", "Euros"),
    Country("NO", "Norway", "NOK", "Norwegian Kroner"),
    Country("PL", "Poland", "PLN", "Zlotys"),
    Country("RO", "Romania", "RON", "Lei"),
    Country("HU", "Hungary", "HUF", "Forints"),
    Country("SK", "Slovakia", "EUR", "Euros"),
    Country("CZ", "Czech Republic", "CZK", "Czech Korunas"),
    Country("AR", "Argentina", "ARS", "Argentine Pesos"),
    Country("BR", "Brazil", "BRL", "Reais"),
    Country("CL", "Chile", "CLP", "Chilean Pesos"),
    Country("CO", "Colombia", "COP", "Colombian Pesos"),
    Country("MX", "Mexico", "MXN", "Mexican Pesos"),
    Country("JP", "Japan", "JPY", "Yen"),
)
COUNTRY_BY_CODE: dict[str, Country] = {country.code: country for country in COUNTRIES}

#: ``LOCATION`` beyond the countries: US Nielsen DMA codes and the other markets' region codes (the spec's sample
#: answer of ``targeting_options/get``)
METRO_AREAS: dict[str, str] = {
    "500": "U.S.: Portland-Auburn",
    "501": "U.S.: New York",
    "504": "U.S.: Philadelphia",
    "506": "U.S.: Boston (Manchester)",
    "511": "U.S.: Washington, DC (Hagerstown)",
    "524": "U.S.: Atlanta",
    "528": "U.S.: Miami-Ft. Lauderdale",
    "539": "U.S.: Tampa-St. Petersburg (Sarasota)",
    "602": "U.S.: Chicago",
    "618": "U.S.: Houston",
    "623": "U.S.: Dallas-Ft. Worth",
    "716": "U.S.: Baton Rouge",
    "717": "U.S.: Quincy-Hannibal-Keokuk",
    "753": "U.S.: Phoenix (Prescott)",
    "803": "U.S.: Los Angeles",
    "807": "U.S.: San Francisco-Oakland-San Jose",
    "811": "U.S.: Reno",
    "819": "U.S.: Seattle-Tacoma",
    "36101": "Australia: Capital Region",
    "36108": "Australia: Mid North Coast",
    "36313": "Australia: Moreton Bay - North",
    "124735": "Canada: North Battleford",
    "554010": "New Zealand: Far North",
    "554017": "New Zealand: Wanganui",
}
#: the US DMA codes (``LOCATION`` values of targeting rows: the spec's example is ``500``)
US_METRO_CODES: tuple[str, ...] = tuple(code for code, name in METRO_AREAS.items() if name.startswith("U.S.:"))
#: ``GEO`` region codes, ISO 3166-2 (also the ``REGION`` values of targeting rows, e.g. ``US-CA``)
REGIONS: dict[str, str] = {
    "US-CA": "U.S.: California",
    "US-FL": "U.S.: Florida",
    "US-IL": "U.S.: Illinois",
    "US-NY": "U.S.: New York",
    "US-TX": "U.S.: Texas",
    "US-WA": "U.S.: Washington",
    "CA-ON": "Canada: Ontario",
    "CA-QC": "Canada: Quebec",
    "GB-ENG": "United Kingdom: England",
    "GB-SCT": "United Kingdom: Scotland",
    "DE-BY": "Germany: Bavaria",
    "FR-IDF": "France: Ile-de-France",
    "BE-VOV": "Belgium: East Flanders",
    "AU-NSW": "Australia: New South Wales",
}
#: ``GEO`` postal codes, ``<country>:<postal code>`` (the ``GEO`` values of targeting rows: ``US:94102``)
POSTAL_CODES: dict[str, str] = {
    "US:10001": "U.S.: 10001 (New York, NY)",
    "US:60601": "U.S.: 60601 (Chicago, IL)",
    "US:73301": "U.S.: 73301 (Austin, TX)",
    "US:90012": "U.S.: 90012 (Los Angeles, CA)",
    "US:94102": "U.S.: 94102 (San Francisco, CA)",
    "US:98101": "U.S.: 98101 (Seattle, WA)",
}
#: ``PLACEMENT`` values of targeting rows (spec ``PlacementGroupType`` without ``ALL``)
PLACEMENTS: tuple[str, ...] = ("SEARCH", "BROWSE", "OTHER")
#: ``CREATIVE_TYPE`` values of targeting rows (spec ``CreativeType``, the common ones)
CREATIVE_TYPES: tuple[str, ...] = ("REGULAR", "VIDEO", "SHOPPING", "CAROUSEL", "COLLECTION", "IDEA")
#: ``MEDIA_TYPE`` values of PRODUCT_ITEM targeting rows
MEDIA_TYPES: tuple[str, ...] = ("IMAGE", "VIDEO")
#: ``CREATIVE_ENHANCEMENTS`` values of targeting rows (not in the spec: the simulator's own)
CREATIVE_ENHANCEMENTS: tuple[str, ...] = ("NONE", "BACKGROUND_GENERATION", "TEXT_OVERLAY")


@dataclass(frozen=True)
class Interest:
    """One interest of the tree (``SingleInterestTargetingOptionResponse``): level 1 or 2, its parent's id."""

    id: str
    name: str
    level: int
    parent_id: str | None
    children: tuple[str, ...]


#: level-1 interests (their names, as the ``TARGETED_INTEREST`` values of targeting rows: "Food and Drinks") and
#: their level-2 children (``PINNER_INTEREST`` values: "Chocolate Cookies")
INTEREST_TREE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Animals", ("Dogs", "Cats", "Pet Care")),
    ("Architecture", ("Modern Architecture", "Tiny Houses", "Landscape Design")),
    ("Art", ("Painting", "Illustration", "Photography")),
    ("Beauty", ("Makeup", "Skin Care", "Hair Styles")),
    ("DIY and Crafts", ("Knitting", "Woodworking", "Paper Crafts")),
    ("Education", ("Study Tips", "Science Projects", "Language Learning")),
    ("Event Planning", ("Party Ideas", "Birthday Parties", "Holiday Decor")),
    ("Women's Fashion", ("Dresses", "Street Style", "Women's Shoes")),
    ("Food and Drinks", ("Chocolate Cookies", "Healthy Recipes", "Cocktails")),
    ("Gardening", ("Vegetable Gardening", "Indoor Plants", "Flower Gardens")),
    ("Health", ("Fitness", "Nutrition", "Mental Health")),
    ("Home Decor", ("Living Room Ideas", "Kitchen Design", "Bedroom Decor")),
    ("Parenting", ("Baby Names", "Kids Activities", "Pregnancy")),
    ("Travel", ("Beach Destinations", "City Breaks", "Travel Tips")),
    ("Wedding", ("Wedding Dresses", "Wedding Decorations", "Wedding Cakes")),
    ("Men's Fashion", ("Men's Style", "Sneakers", "Watches")),
    ("Sports", ("Running", "Yoga", "Football")),
)


def interest_id(name: str) -> str:
    """An interest's id: 12 digits from its name (stable, distinct for the tree's names)."""
    return str(10**11 + stable_hash("interest", name) % (9 * 10**11))


def _interests() -> dict[str, Interest]:
    tree: dict[str, Interest] = {}
    for name, children in INTEREST_TREE:
        parent = interest_id(name)
        child_ids = tuple(interest_id(child) for child in children)
        tree[parent] = Interest(parent, name, 1, None, child_ids)
        for child, child_id in zip(children, child_ids, strict=True):
            tree[child_id] = Interest(child_id, child, 2, parent, ())
    return tree


#: every interest by id: the level-1 ones in `INTEREST_TREE` order, each followed by its children
INTERESTS: dict[str, Interest] = _interests()
LEVEL_1_INTERESTS: tuple[Interest, ...] = tuple(i for i in INTERESTS.values() if i.level == 1)
LEVEL_2_INTERESTS: tuple[Interest, ...] = tuple(i for i in INTERESTS.values() if i.level == 2)


#: the trends' level-1 interests (spec ``L1InterestList``) and three search topics of each: the trending keywords'
#: pool (`TREND_KEYWORDS`) and the simulated accounts' keywords
TREND_TOPICS: dict[str, tuple[str, str, str]] = {
    "animals": ("dog training", "cat tree", "aquarium setup"),
    "architecture": ("modern house", "tiny house plans", "brick facade"),
    "art": ("watercolor painting", "line art", "abstract art"),
    "beauty": ("glass skin", "fall nails", "curtain bangs"),
    "childrens_fashion": ("toddler outfits", "kids costumes", "back to school outfits"),
    "design": ("logo design", "poster design", "minimalist branding"),
    "diy_and_crafts": ("macrame wall hanging", "crochet patterns", "candle making"),
    "education": ("study tips", "classroom decor", "montessori activities"),
    "electronics": ("desk setup", "gaming setup", "smart home"),
    "entertainment": ("movie night", "book club picks", "concert outfits"),
    "event_planning": ("birthday party ideas", "baby shower themes", "graduation party"),
    "finance": ("budget planner", "savings challenge", "side hustle ideas"),
    "food_and_drinks": ("chocolate chip cookies", "sourdough bread", "fall soup recipes"),
    "gardening": ("raised garden beds", "indoor plants", "flower garden ideas"),
    "health": ("pilates workout", "meal prep", "morning routine"),
    "home_decor": ("living room ideas", "boho bedroom", "kitchen backsplash"),
    "mens_fashion": ("mens fall outfits", "old money style", "white sneakers"),
    "parenting": ("baby names", "nursery ideas", "toddler activities"),
    "quotes": ("motivational quotes", "love quotes", "self care quotes"),
    "sport": ("running shoes", "yoga poses", "hiking outfits"),
    "travel": ("amalfi coast", "japan itinerary", "beach vacation outfits"),
    "vehicles": ("camper van conversion", "classic cars", "car interior ideas"),
    "wedding": ("wedding dresses", "wedding centerpieces", "wedding cake designs"),
    "womens_fashion": ("fall outfits", "quiet luxury", "cowboy boots outfit"),
}
#: how a topic is searched: the topic itself, then with each modifier
TREND_MODIFIERS: tuple[str, ...] = ("", " ideas", " aesthetic", " inspo")
#: (keyword, its ``L1InterestList`` interest): every topic bare first, then with each modifier in turn
TREND_KEYWORDS: tuple[tuple[str, str], ...] = tuple(
    (topic + modifier, interest)
    for modifier in TREND_MODIFIERS
    for interest, topics in TREND_TOPICS.items()
    for topic in topics
)
#: ``InterestsEnum`` (featured topics) -> the ``L1InterestList`` interests whose topics it features
FEATURED_INTERESTS: dict[str, tuple[str, ...]] = {
    "ALL": tuple(TREND_TOPICS),
    "ANIMALS": ("animals",),
    "ARCHITECTURE": ("architecture",),
    "ART": ("art",),
    "BEAUTY": ("beauty",),
    "DIY_AND_CRAFTS": ("diy_and_crafts",),
    "EDUCATION": ("education",),
    "EVENT_PLANNING": ("event_planning",),
    "FASHION": ("womens_fashion", "mens_fashion", "childrens_fashion"),
    "FOOD_AND_DRINKS": ("food_and_drinks",),
    "GARDENING": ("gardening",),
    "HEALTH": ("health",),
    "HOME_DECOR": ("home_decor",),
    "PARENTING": ("parenting",),
    "TRAVEL": ("travel",),
    "WEDDING": ("wedding",),
}
#: shopping product categories per vertical (spec ``VerticalProductCategory``)
PRODUCT_CATEGORIES: dict[str, tuple[str, ...]] = {
    "FASHION": ("Women's Dresses", "Men's Jackets", "Sneakers", "Handbags", "Jewelry", "Sunglasses"),
    "HOME_DECOR": ("Throw Pillows", "Area Rugs", "Wall Art", "Table Lamps", "Bedding", "Planters"),
    "BEAUTY": ("Lipstick", "Face Serums", "Nail Polish", "Hair Tools", "Fragrance", "Sunscreen"),
}
#: how terms are extended into related and suggested search terms
TERM_SUFFIXES: tuple[str, ...] = ("ideas", "aesthetic", "for beginners", "inspiration", "diy", "outfit", "2 ways")
TERM_PREFIXES: tuple[str, ...] = ("easy", "cute", "modern", "simple")
