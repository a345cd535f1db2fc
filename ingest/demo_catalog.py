"""The fixed vocabulary of the demo shop: segments, regions, stores, categories, names."""

SEGMENTS = {"Consumer": 0.52, "Corporate": 0.30, "Home Office": 0.18}

REGIONS = {
    "North": ["Northbridge", "Lakeview", "Pine Falls"],
    "South": ["Southport", "Bayside", "Magnolia"],
    "East": ["Eastfield", "Harborview", "Riverton"],
    "West": ["Westhaven", "Sunset City", "Redwood"],
    "Central": ["Midtown", "Centerville"],
}
REGION_WEIGHTS = {"North": 0.22, "South": 0.20, "East": 0.24, "West": 0.26, "Central": 0.08}

# (store_id, name, channel, region served or None for online)
STORES = [
    ("WEB", "Web Shop", "online", None),
    ("MKT", "Marketplace", "online", None),
    ("N01", "Northbridge Store", "store", "North"),
    ("S01", "Southport Store", "store", "South"),
    ("E01", "Eastfield Store", "store", "East"),
    ("W01", "Westhaven Store", "store", "West"),
    ("C01", "Midtown Store", "store", "Central"),
]

# category -> sub-category -> (nouns, low price, high price, cost ratio low, high)
CATALOG = {
    "Furniture": {
        "Chairs": (["Chair", "Stool", "Armchair"], 60, 450, 0.55, 0.75),
        "Tables": (["Desk", "Table", "Standing Desk"], 120, 900, 0.60, 0.80),
        "Bookcases": (["Bookcase", "Shelf", "Cabinet"], 80, 500, 0.62, 0.82),
        "Furnishings": (["Lamp", "Clock", "Frame", "Rug"], 10, 140, 0.45, 0.65),
    },
    "Office Supplies": {
        "Paper": (["Copy Paper", "Notepad", "Cardstock"], 4, 40, 0.40, 0.60),
        "Binders": (["Binder", "Folder", "Divider Set"], 3, 35, 0.35, 0.55),
        "Storage": (["Storage Box", "File Cart", "Drawer Unit"], 15, 220, 0.55, 0.75),
        "Art": (["Marker Set", "Pencil Set", "Highlighter"], 2, 30, 0.40, 0.60),
        "Envelopes": (["Envelope Pack", "Mailer"], 4, 25, 0.45, 0.60),
    },
    "Technology": {
        "Phones": (["Smartphone", "Desk Phone", "Headset"], 60, 900, 0.70, 0.85),
        "Accessories": (["Keyboard", "Mouse", "Webcam", "USB Hub", "Charger"], 10, 180, 0.50, 0.70),
        "Machines": (["Printer", "Scanner", "Label Maker"], 120, 1500, 0.72, 0.88),
        "Copiers": (["Copier", "Multifunction Copier"], 400, 2800, 0.70, 0.85),
    },
}

# Sub-categories bought together (drives "also bought"): each product's partners come from these.
COMPLEMENTS = {
    "Chairs": ["Tables", "Furnishings"],
    "Tables": ["Chairs", "Furnishings"],
    "Bookcases": ["Furnishings", "Storage"],
    "Furnishings": ["Chairs", "Bookcases"],
    "Paper": ["Binders", "Envelopes", "Machines"],
    "Binders": ["Paper", "Storage"],
    "Storage": ["Binders", "Bookcases"],
    "Art": ["Paper"],
    "Envelopes": ["Paper"],
    "Phones": ["Accessories"],
    "Accessories": ["Phones", "Machines"],
    "Machines": ["Paper", "Accessories"],
    "Copiers": ["Paper", "Machines"],
}

# How much each segment leans towards each category (multiplies product popularity).
SEGMENT_TASTE = {
    "Consumer": {"Furniture": 1.2, "Office Supplies": 0.9, "Technology": 1.0},
    "Corporate": {"Furniture": 0.8, "Office Supplies": 1.1, "Technology": 1.4},
    "Home Office": {"Furniture": 1.0, "Office Supplies": 1.3, "Technology": 1.1},
}

BRANDS = ["Hartwell", "Norland", "Kestrel", "Alder & Co", "Brightline", "Oakmere", "Vantage", "Corvo"]
ADJECTIVES = ["Classic", "Pro", "Compact", "Deluxe", "Eco", "Essential", "Premium", "Slim"]

FIRST_NAMES = [
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "Lucas",
    "Mia",
    "Mateo",
    "Amelia",
    "Levi",
    "Harper",
    "Ethan",
    "Aria",
    "James",
    "Chloe",
    "Omar",
    "Priya",
    "Kenji",
    "Fatima",
    "Diego",
    "Ingrid",
    "Tomás",
    "Zoë",
    "Ravi",
    "Hannah",
    "Malik",
    "Sofia",
    "Chen",
]
LAST_NAMES = [
    "Smith",
    "Garcia",
    "Johnson",
    "Nguyen",
    "Brown",
    "Müller",
    "Davis",
    "Rossi",
    "Kim",
    "Patel",
    "Lopez",
    "Wilson",
    "Anderson",
    "Okafor",
    "Schmidt",
    "Dubois",
    "Silva",
    "Novak",
    "Cohen",
    "Larsen",
    "Tanaka",
    "Moreau",
    "O'Brien",
    "Kowalski",
    "Haddad",
    "Walker",
    "Young",
    "Reyes",
]

# Relative order volume by calendar month (holiday peak) and by weekday (Mon..Sun) per segment.
MONTH_SEASON = [0.80, 0.78, 0.92, 0.95, 1.00, 0.98, 0.90, 0.92, 1.05, 1.08, 1.30, 1.45]
WEEKDAY_SEASON = {
    "Consumer": [0.85, 0.85, 0.90, 0.95, 1.05, 1.25, 1.15],
    "Corporate": [1.20, 1.20, 1.15, 1.15, 1.05, 0.45, 0.30],
    "Home Office": [1.05, 1.05, 1.05, 1.05, 1.00, 0.80, 0.70],
}
