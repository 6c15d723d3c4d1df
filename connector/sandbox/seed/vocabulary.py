"""The word lists and weights synthetic seed data is drawn from.

Kept apart from the generator so rules, mappings and tests can refer to the same constants (for
example the competitor and student domains a disqualification rule should catch). All names are
invented; owner mailboxes use the reserved `.example` top-level domain.
"""

from __future__ import annotations

from connector.domain.contact import LeadSource
from connector.domain.engagement import EngagementKind
from connector.domain.stages import LifecycleStage

FIRST_NAMES: tuple[str, ...] = (
    "Aaron", "Abigail", "Adam", "Adriana", "Ahmed", "Aisha", "Alan", "Alejandro", "Alex", "Alice",
    "Amara", "Amelia", "Amir", "Ana", "Andrea", "Andrew", "Anika", "Anna", "Anton", "Arjun",
    "Astrid", "Ben", "Bianca", "Bruno", "Camille", "Carla", "Carlos", "Caroline", "Chen", "Chloe",
    "Chris", "Claire", "Clara", "Daniel", "David", "Diana", "Diego", "Dmitri", "Elena", "Elif",
    "Eliza", "Emeka", "Emily", "Emma", "Erik", "Ethan", "Eva", "Fatima", "Felix", "Fernando",
    "Fiona", "Francesca", "Gabriel", "Grace", "Hannah", "Hana", "Hassan", "Helena", "Henrik",
    "Hiroshi", "Ian", "Ines", "Isabel", "Ivan", "Jack", "Jacob", "James", "Jana", "Javier", "Jin",
    "Joanna", "Johan", "John", "Jonas", "Jose", "Julia", "Julian", "Kai", "Karan", "Karen", "Kate",
    "Kenji", "Kevin", "Kofi", "Lars", "Laura", "Lea", "Leila", "Leo", "Liam", "Lina", "Lucas",
    "Lucia", "Luis", "Maja", "Marco", "Maria", "Mark", "Marta", "Mateo", "Matteo", "Maya",
    "Mei", "Michael", "Mila", "Mohammed", "Nadia", "Naomi", "Nathan", "Neha", "Nico", "Nina",
    "Noah", "Nora", "Olga", "Oliver", "Olivia", "Omar", "Oscar", "Pablo", "Paolo", "Patrick",
    "Paula", "Pedro", "Peter", "Priya", "Rachel", "Rafael", "Rahul", "Ravi", "Rebecca", "Ricardo",
    "Rita", "Robert", "Rosa", "Ryan", "Sakura", "Samuel", "Sara", "Sebastian", "Sofia", "Sophie",
    "Stefan", "Sven", "Tanvir", "Thomas", "Tomas", "Valentina", "Victor", "Wei", "Yara", "Yuki",
    "Zainab", "Zoe",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Abbott", "Adeyemi", "Alvarez", "Andersen", "Bakker", "Baptiste", "Becker", "Bernard",
    "Bianchi", "Brennan", "Brown", "Campbell", "Carter", "Castillo", "Chen", "Clarke", "Costa",
    "Cruz", "Dahl", "Das", "Davies", "Dubois", "Dufour", "Edwards", "Eriksson", "Evans", "Fischer",
    "Fernandes", "Fontaine", "Garcia", "Gomez", "Gonzalez", "Gupta", "Haddad", "Hansen", "Harris",
    "Hartmann", "Hernandez", "Hoffmann", "Hughes", "Ibrahim", "Ito", "Jansen", "Jensen",
    "Johansson", "Johnson", "Jones", "Kaur", "Keller", "Kelly", "Khan", "Kim", "Klein", "Koch",
    "Kowalski", "Kumar", "Lambert", "Larsen", "Laurent", "Lee", "Lehmann", "Li", "Lindberg",
    "Lopez", "Martin", "Martinez", "Meyer", "Mendes", "Moreau", "Morris", "Muller", "Murphy",
    "Nakamura", "Nguyen", "Nielsen", "Novak", "Okafor", "Oliveira", "Olsen", "Owusu", "Patel",
    "Perez", "Petrov", "Popescu", "Quinn", "Ramirez", "Reyes", "Ricci", "Richter", "Rivera",
    "Roberts", "Rodriguez", "Romano", "Rossi", "Sanchez", "Santos", "Sato", "Schmidt", "Schneider",
    "Schulz", "Shah", "Silva", "Singh", "Smith", "Sorensen", "Suzuki", "Tanaka", "Taylor",
    "Thomas", "Torres", "Van Dijk", "Vasquez", "Vogel", "Wagner", "Walker", "Wang", "Weber",
    "Williams", "Wilson", "Wong", "Yamamoto", "Yilmaz", "Young", "Zhang", "Zimmermann",
)  # fmt: skip

COMPANY_PREFIXES: tuple[str, ...] = (
    "Acorn", "Alder", "Apex", "Arbor", "Aster", "Atlas", "Beacon", "Birch", "Bluepeak", "Bright",
    "Cascade", "Cedar", "Clearwater", "Cobalt", "Copper", "Crescent", "Delta", "Ember", "Evergreen",
    "Falcon", "Fjord", "Granite", "Harbor", "Helix", "Horizon", "Iron", "Juniper", "Keystone",
    "Lakeview", "Lumen", "Maple", "Meridian", "Nimbus", "Northwind", "Oakridge", "Orbit", "Pioneer",
    "Polar", "Quartz", "Redwood", "Ridge", "Sable", "Silverline", "Solstice", "Summit", "Tidal",
    "Trident", "Vertex", "Willow", "Zenith",
)  # fmt: skip

COMPANY_CORES: tuple[str, ...] = (
    "Analytics", "Automation", "Bio", "Capital", "Cloud", "Consulting", "Data", "Devices",
    "Dynamics", "Energy", "Engineering", "Foods", "Freight", "Health", "Holdings", "Industries",
    "Insights", "Labs", "Learning", "Logistics", "Machines", "Media", "Medical", "Metals",
    "Mobility", "Networks", "Partners", "Pharma", "Retail", "Robotics", "Security", "Software",
    "Solutions", "Systems", "Technologies", "Telecom", "Textiles", "Ventures", "Works", "Zone",
)  # fmt: skip

INDUSTRIES: tuple[tuple[str, float], ...] = (
    ("Software", 16),
    ("IT Services", 10),
    ("Financial Services", 9),
    ("Manufacturing", 10),
    ("Healthcare", 7),
    ("Retail", 6),
    ("Logistics", 5),
    ("Marketing & Advertising", 6),
    ("Telecommunications", 4),
    ("Energy", 3),
    ("Education", 4),
    ("Consulting", 6),
    ("Real Estate", 3),
    ("Media", 3),
    ("Government", 2),
    ("Non-profit", 2),
    ("Hospitality", 2),
    ("Pharmaceuticals", 2),
)

#: (country, region, share, top-level domain, cities)
COUNTRIES: tuple[tuple[str, str, float, str, tuple[str, ...]], ...] = (
    ("United States", "NA", 34, "com", ("New York", "Austin", "Chicago", "Seattle", "Boston")),
    ("Canada", "NA", 5, "ca", ("Toronto", "Vancouver", "Montreal")),
    ("United Kingdom", "EMEA", 10, "co.uk", ("London", "Manchester", "Edinburgh", "Bristol")),
    ("Germany", "EMEA", 9, "de", ("Berlin", "Munich", "Hamburg", "Cologne")),
    ("France", "EMEA", 6, "fr", ("Paris", "Lyon", "Toulouse")),
    ("Netherlands", "EMEA", 4, "nl", ("Amsterdam", "Rotterdam", "Utrecht")),
    ("Spain", "EMEA", 3, "es", ("Madrid", "Barcelona", "Valencia")),
    ("Italy", "EMEA", 3, "it", ("Milan", "Rome", "Turin")),
    ("Sweden", "EMEA", 2, "se", ("Stockholm", "Gothenburg")),
    ("Ireland", "EMEA", 2, "ie", ("Dublin", "Cork")),
    ("South Africa", "EMEA", 1, "co.za", ("Cape Town", "Johannesburg")),
    ("United Arab Emirates", "EMEA", 1, "ae", ("Dubai", "Abu Dhabi")),
    ("India", "APAC", 6, "in", ("Bengaluru", "Mumbai", "Pune", "Hyderabad")),
    ("Australia", "APAC", 4, "com.au", ("Sydney", "Melbourne", "Brisbane")),
    ("Singapore", "APAC", 2, "sg", ("Singapore",)),
    ("Japan", "APAC", 2, "jp", ("Tokyo", "Osaka")),
    ("Brazil", "LATAM", 3, "com.br", ("Sao Paulo", "Rio de Janeiro")),
    ("Mexico", "LATAM", 2, "mx", ("Mexico City", "Guadalajara", "Monterrey")),
    ("Argentina", "LATAM", 1, "ar", ("Buenos Aires", "Cordoba")),
)

FREE_MAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "gmx.de",
    "proton.me",
)

STUDENT_DOMAINS: tuple[str, ...] = (
    "northfield.edu",
    "lakeside.edu",
    "westbrook.edu",
    "student.kingsbridge.ac.uk",
)

#: (company name, domain) of the competitors disqualification rules should catch.
COMPETITORS: tuple[tuple[str, str], ...] = (
    ("RivalCRM", "rivalcrm.io"),
    ("LeadForge", "leadforge.io"),
)
COMPETITOR_DOMAINS: tuple[str, ...] = tuple(domain for _, domain in COMPETITORS)

SENIORITY_C_LEVEL = "c_level"
SENIORITY_VP = "vp"
SENIORITY_DIRECTOR = "director"
SENIORITY_MANAGER = "manager"
SENIORITY_INDIVIDUAL = "individual_contributor"
SENIORITY_INTERN = "intern"
SENIORITY_STUDENT = "student"

#: Seniority values the seed uses (free strings in the domain; fit rules match on them).
SENIORITIES: tuple[str, ...] = (
    SENIORITY_C_LEVEL,
    SENIORITY_VP,
    SENIORITY_DIRECTOR,
    SENIORITY_MANAGER,
    SENIORITY_INDIVIDUAL,
    SENIORITY_INTERN,
    SENIORITY_STUDENT,
)

#: (function, C-level title or None)
FUNCTIONS: tuple[tuple[str, str | None], ...] = (
    ("Marketing", "Chief Marketing Officer"),
    ("Sales", "Chief Revenue Officer"),
    ("Revenue Operations", None),
    ("IT", "Chief Information Officer"),
    ("Engineering", "Chief Technology Officer"),
    ("Finance", "Chief Financial Officer"),
    ("Operations", "Chief Operating Officer"),
    ("Human Resources", "Chief People Officer"),
    ("Product", "Chief Product Officer"),
    ("Customer Success", None),
    ("Data", "Chief Data Officer"),
)

IC_TITLES: tuple[str, ...] = ("Specialist", "Analyst", "Coordinator", "Associate", "Engineer")

#: (seniority, share among people with a company)
SENIORITY_WEIGHTS: tuple[tuple[str, float], ...] = (
    (SENIORITY_C_LEVEL, 5),
    (SENIORITY_VP, 8),
    (SENIORITY_DIRECTOR, 14),
    (SENIORITY_MANAGER, 25),
    (SENIORITY_INDIVIDUAL, 42),
    (SENIORITY_INTERN, 6),
)

#: Decision-role weights per seniority.
ROLE_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    SENIORITY_C_LEVEL: (("decision_maker", 6), ("economic_buyer", 4), ("influencer", 1)),
    SENIORITY_VP: (("decision_maker", 4), ("economic_buyer", 3), ("champion", 2)),
    SENIORITY_DIRECTOR: (("champion", 4), ("influencer", 3), ("decision_maker", 2)),
    SENIORITY_MANAGER: (("champion", 3), ("influencer", 4), ("end_user", 2)),
    SENIORITY_INDIVIDUAL: (("end_user", 6), ("influencer", 2), ("gatekeeper", 1)),
    SENIORITY_INTERN: (("end_user", 5), ("gatekeeper", 1)),
    SENIORITY_STUDENT: (("end_user", 1),),
}

#: Referral converts best but is rare; bought lists are common and poor.
LEAD_SOURCE_WEIGHTS: tuple[tuple[LeadSource, float], ...] = (
    (LeadSource.ORGANIC_SEARCH, 22),
    (LeadSource.PAID_SEARCH, 14),
    (LeadSource.DIRECT, 11),
    (LeadSource.EMAIL, 10),
    (LeadSource.SOCIAL, 8),
    (LeadSource.PAID_SOCIAL, 6),
    (LeadSource.EVENT, 6),
    (LeadSource.PURCHASED_LIST, 6),
    (LeadSource.CHAT, 5),
    (LeadSource.PARTNER, 4),
    (LeadSource.REFERRAL, 3),
    (LeadSource.OTHER, 3),
)

LEAD_SOURCE_DETAILS: dict[LeadSource, tuple[str, ...]] = {
    LeadSource.ORGANIC_SEARCH: ("google / organic", "bing / organic", "duckduckgo / organic"),
    LeadSource.PAID_SEARCH: ("google / cpc / crm-software", "bing / cpc / lead-scoring"),
    LeadSource.DIRECT: ("direct / none",),
    LeadSource.EMAIL: ("newsletter / monthly", "nurture / onboarding-series"),
    LeadSource.SOCIAL: ("linkedin / organic", "x / organic", "youtube / organic"),
    LeadSource.PAID_SOCIAL: ("linkedin / sponsored", "facebook / paid"),
    LeadSource.EVENT: ("trade show booth", "partner roadshow", "user conference"),
    LeadSource.PURCHASED_LIST: ("list vendor / q2 import", "list vendor / trade-show attendees"),
    LeadSource.CHAT: ("website chat",),
    LeadSource.PARTNER: ("reseller portal", "integration marketplace"),
    LeadSource.REFERRAL: ("customer referral", "employee referral"),
    LeadSource.OTHER: ("unknown",),
}

STAGE_WEIGHTS: tuple[tuple[LifecycleStage, float], ...] = (
    (LifecycleStage.SUBSCRIBER, 30),
    (LifecycleStage.LEAD, 38),
    (LifecycleStage.MQL, 10),
    (LifecycleStage.SQL, 7),
    (LifecycleStage.OPPORTUNITY, 6),
    (LifecycleStage.CUSTOMER, 6),
    (LifecycleStage.EVANGELIST, 1),
    (LifecycleStage.OTHER, 2),
)

#: (kind, base weight) of ordinary marketing engagement; sales-ready kinds are added by stage.
ENGAGEMENT_WEIGHTS: tuple[tuple[EngagementKind, float], ...] = (
    (EngagementKind.PAGE_VIEW, 26),
    (EngagementKind.WEBSITE_VISIT, 16),
    (EngagementKind.EMAIL_OPEN, 24),
    (EngagementKind.EMAIL_CLICK, 9),
    (EngagementKind.FORM_SUBMISSION, 4),
    (EngagementKind.CONTENT_DOWNLOAD, 5),
    (EngagementKind.WEBINAR_REGISTERED, 2.5),
    (EngagementKind.WEBINAR_ATTENDED, 1.5),
    (EngagementKind.EVENT_ATTENDED, 0.8),
    (EngagementKind.CHAT_CONVERSATION, 1.5),
    (EngagementKind.TRIAL_SIGNUP, 0.5),
)

SALES_READY_KINDS: tuple[EngagementKind, ...] = (
    EngagementKind.DEMO_REQUEST,
    EngagementKind.PRICING_REQUEST,
    EngagementKind.MEETING_BOOKED,
    EngagementKind.CALL,
)

PAGES: tuple[str, ...] = (
    "/",
    "/product",
    "/product/lead-scoring",
    "/product/integrations",
    "/pricing",
    "/customers",
    "/blog/mql-vs-sql",
    "/blog/lead-scoring-models",
    "/docs/getting-started",
    "/careers",
)
CONTENT: tuple[str, ...] = (
    "Lead scoring playbook (PDF)",
    "State of B2B funnels report",
    "ROI calculator",
    "Buyer's guide to CRM automation",
)
WEBINARS: tuple[str, ...] = (
    "Webinar: fixing the MQL handoff",
    "Webinar: lifecycle stages that sales trusts",
    "Webinar: product tour",
)
EMAIL_CAMPAIGNS: tuple[str, ...] = (
    "Newsletter",
    "Nurture 1: welcome",
    "Nurture 2: case study",
    "Product update",
    "Event invitation",
)
EVENTS: tuple[str, ...] = ("SaaS Summit", "RevOps Live", "Regional roadshow")
FORMS: tuple[str, ...] = ("Newsletter signup", "Contact us", "Content gate", "Webinar signup")

OWNER_MAIL_DOMAIN = "sandbox.example"
# The sales team is a fixed roster (not drawn from the seed) so that the routing pools in the
# shipped mappings/rules.yaml name real owners of every sandbox, whatever its seed.
OWNER_ROSTER: tuple[tuple[str, str], ...] = (
    ("Alex", "Kim"),
    ("Jordan", "Diaz"),
    ("Riley", "Chen"),
    ("Morgan", "Lee"),
    ("Sam", "Fischer"),
    ("Taylor", "Brooks"),
    ("Casey", "Nguyen"),
    ("Jamie", "Ortiz"),
)
