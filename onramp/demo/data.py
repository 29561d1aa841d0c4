"""The fixed material the demo company is drawn from: its shape, names, titles and places.

Everything here is fictional. Names are drawn from lists in this module (no Faker), so that the
demo has no dependency and the same seed gives the same company on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPANY_CODE = "BWG"
COMPANY_NAME = "Brightwater Group"
EMAIL_DOMAIN = "brightwater.example"  # .example is reserved (RFC 2606): no mail leaves


@dataclass(frozen=True)
class TeamSpec:
    code: str
    name: str
    weight: float = 1.0  # relative headcount


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    titles: tuple[str, ...]  # job titles of team members, most common first
    project_topics: tuple[str, ...]
    teams: tuple[TeamSpec, ...]


@dataclass(frozen=True)
class DivisionSpec:
    code: str
    name: str
    head_title: str
    cities: tuple[tuple[str, int], ...]  # (city, weight) where its teams sit
    departments: tuple[DepartmentSpec, ...]


CEO_TITLE = "Chief Executive Officer"
HQ_CITY = "London"

# fmt: off
STRUCTURE: tuple[DivisionSpec, ...] = (
    DivisionSpec(
        "OPS",
        "Operations",
        "Chief Operating Officer",
        (("Manchester", 5), ("Leeds", 3), ("London", 1), ("Rotterdam", 2)),
        (
            DepartmentSpec(
                "OPS-SUP",
                "Supply Chain",
                ("Supply Planner", "Buyer", "Logistics Coordinator", "Senior Buyer",
                 "Inventory Analyst", "Transport Planner"),
                ("Supplier Onboarding", "Warehouse Management System", "Demand Forecasting",
                 "Transport Tendering", "Inventory Optimisation", "Packaging Reduction"),
                (TeamSpec("OPS-SUP-PRC", "Procurement"), TeamSpec("OPS-SUP-LOG", "Logistics", 1.4),
                 TeamSpec("OPS-SUP-WHP", "Warehouse Planning", 1.2)),
            ),
            DepartmentSpec(
                "OPS-MFG",
                "Manufacturing",
                ("Production Operator", "Senior Production Operator", "Quality Inspector",
                 "Maintenance Technician", "Process Engineer", "Shift Supervisor"),
                ("Predictive Maintenance", "Line 3 Automation", "Quality Management System",
                 "Energy Efficiency", "Shop-Floor Data Capture", "Safety Culture"),
                (TeamSpec("OPS-MFG-ASN", "Assembly North", 2.2),
                 TeamSpec("OPS-MFG-ASS", "Assembly South", 2.0),
                 TeamSpec("OPS-MFG-QA", "Quality Assurance", 1.0),
                 TeamSpec("OPS-MFG-MNT", "Maintenance", 1.2)),
            ),
            DepartmentSpec(
                "OPS-SVC",
                "Customer Service",
                ("Customer Service Advisor", "Senior Customer Service Advisor",
                 "Field Service Engineer", "Service Quality Analyst", "Workforce Planner"),
                ("Contact Centre Telephony", "Field Service Scheduling", "Customer Self-Service",
                 "Complaints Handling", "Knowledge Base"),
                (TeamSpec("OPS-SVC-CC", "Contact Centre", 2.4),
                 TeamSpec("OPS-SVC-FS", "Field Service", 1.5),
                 TeamSpec("OPS-SVC-SQ", "Service Quality", 0.7)),
            ),
        ),
    ),
    DivisionSpec(
        "TEC",
        "Technology",
        "Chief Technology Officer",
        (("London", 4), ("Lisbon", 3), ("Amsterdam", 2), ("Manchester", 1)),
        (
            DepartmentSpec(
                "TEC-ENG",
                "Engineering",
                ("Software Engineer", "Senior Software Engineer", "QA Engineer",
                 "Staff Engineer", "Product Designer", "Engineering Manager"),
                ("Customer Portal", "Mobile App", "API Gateway", "Order Management",
                 "Payments Platform", "Design System"),
                (TeamSpec("TEC-ENG-PLT", "Platform", 1.2), TeamSpec("TEC-ENG-MOB", "Mobile"),
                 TeamSpec("TEC-ENG-WEB", "Web", 1.2), TeamSpec("TEC-ENG-INT", "Integration")),
            ),
            DepartmentSpec(
                "TEC-DAT",
                "Data & Analytics",
                ("Data Engineer", "Data Analyst", "BI Developer", "Data Scientist",
                 "Senior Data Scientist", "Analytics Engineer"),
                ("Data Platform", "Customer 360", "Self-Service Reporting", "Data Quality",
                 "Master Data Management"),
                (TeamSpec("TEC-DAT-ENG", "Data Engineering"),
                 TeamSpec("TEC-DAT-BI", "Business Intelligence"),
                 TeamSpec("TEC-DAT-SCI", "Data Science", 0.8)),
            ),
            DepartmentSpec(
                "TEC-INF",
                "Infrastructure",
                ("Site Reliability Engineer", "Cloud Engineer", "Service Desk Analyst",
                 "Security Analyst", "Network Engineer", "IT Asset Manager"),
                ("Cloud Migration", "Identity & Access", "Network Refresh", "Laptop Refresh",
                 "Backup & Recovery", "Zero Trust Security"),
                (TeamSpec("TEC-INF-CLD", "Cloud Operations"),
                 TeamSpec("TEC-INF-SD", "Service Desk", 1.3),
                 TeamSpec("TEC-INF-SEC", "Security", 0.8)),
            ),
        ),
    ),
    DivisionSpec(
        "COM",
        "Commercial",
        "Chief Commercial Officer",
        (("London", 4), ("Amsterdam", 2), ("Toronto", 2), ("Edinburgh", 1)),
        (
            DepartmentSpec(
                "COM-SAL",
                "Sales",
                ("Account Executive", "Senior Account Executive", "Account Manager",
                 "Sales Development Representative", "Sales Operations Analyst",
                 "Bid Manager"),
                ("CRM", "Partner Channel", "Sales Enablement", "Quote-to-Cash",
                 "Key Account Programme"),
                (TeamSpec("COM-SAL-ENT", "Enterprise Sales", 1.2),
                 TeamSpec("COM-SAL-MM", "Mid-Market Sales", 1.4),
                 TeamSpec("COM-SAL-OPS", "Sales Operations", 0.7)),
            ),
            DepartmentSpec(
                "COM-MKT",
                "Marketing",
                ("Marketing Manager", "Digital Marketing Specialist", "Content Strategist",
                 "Brand Designer", "Marketing Analyst", "Events Manager"),
                ("Brand Refresh", "Website", "Marketing Automation", "Customer Loyalty",
                 "Trade Show Programme"),
                (TeamSpec("COM-MKT-BRD", "Brand", 0.8),
                 TeamSpec("COM-MKT-DIG", "Digital Marketing"),
                 TeamSpec("COM-MKT-PMM", "Product Marketing", 0.8)),
            ),
            DepartmentSpec(
                "COM-PRD",
                "Product Management",
                ("Product Manager", "Senior Product Manager", "UX Researcher",
                 "Pricing Analyst", "Product Analyst", "Product Owner"),
                ("Pricing Engine", "Product Lifecycle", "Customer Feedback Programme",
                 "Subscription Offer", "Product Catalogue"),
                (TeamSpec("COM-PRD-DSC", "Product Discovery", 0.8),
                 TeamSpec("COM-PRD-PRC", "Pricing", 0.6),
                 TeamSpec("COM-PRD-INS", "Customer Insights", 0.7)),
            ),
        ),
    ),
    DivisionSpec(
        "FIN",
        "Finance & Strategy",
        "Chief Financial Officer",
        (("London", 5), ("Edinburgh", 2), ("Lisbon", 1)),
        (
            DepartmentSpec(
                "FIN-FIN",
                "Finance",
                ("Financial Analyst", "Senior Financial Analyst", "Accountant",
                 "Management Accountant", "Accounts Payable Specialist", "Treasury Analyst"),
                ("Finance System Upgrade", "Expense Management", "Close Acceleration",
                 "Treasury Management System", "E-Invoicing"),
                (TeamSpec("FIN-FIN-FPA", "Financial Planning & Analysis"),
                 TeamSpec("FIN-FIN-ACC", "Accounting", 1.2),
                 TeamSpec("FIN-FIN-TRS", "Treasury", 0.5)),
            ),
            DepartmentSpec(
                "FIN-PMO",
                "Portfolio & PMO",
                ("Project Manager", "Senior Project Manager", "PMO Analyst",
                 "Portfolio Analyst", "Programme Manager", "Change Manager"),
                ("PMO Tooling", "Benefits Realisation", "Resource Management",
                 "Project Academy"),
                (TeamSpec("FIN-PMO-POR", "Portfolio Office", 0.7),
                 TeamSpec("FIN-PMO-DLA", "Delivery Assurance", 0.8),
                 TeamSpec("FIN-PMO-CHG", "Change Management", 0.6)),
            ),
            DepartmentSpec(
                "FIN-STR",
                "Strategy & Transformation",
                ("Strategy Analyst", "Business Analyst", "Senior Business Analyst",
                 "Transformation Manager", "Lean Practitioner"),
                ("Operating Model Redesign", "Sustainability Reporting", "Market Entry Study",
                 "Cost Transformation", "Post-Merger Integration"),
                (TeamSpec("FIN-STR-STR", "Corporate Strategy", 0.5),
                 TeamSpec("FIN-STR-TRF", "Business Transformation", 0.7)),
            ),
        ),
    ),
    DivisionSpec(
        "PPL",
        "People & Corporate Services",
        "Chief People Officer",
        (("London", 3), ("Manchester", 2), ("Leeds", 1), ("Toronto", 1)),
        (
            DepartmentSpec(
                "PPL-HR",
                "Human Resources",
                ("HR Business Partner", "HR Advisor", "Recruiter", "Learning Specialist",
                 "Reward Analyst", "HR Administrator"),
                ("HR System Replacement", "Payroll Consolidation", "Recruitment System",
                 "Learning Platform", "Performance Review Redesign", "Employee Onboarding"),
                (TeamSpec("PPL-HR-BP", "HR Business Partners", 0.8),
                 TeamSpec("PPL-HR-TA", "Talent Acquisition", 0.8),
                 TeamSpec("PPL-HR-LD", "Learning & Development", 0.6)),
            ),
            DepartmentSpec(
                "PPL-LEG",
                "Legal & Compliance",
                ("Legal Counsel", "Senior Legal Counsel", "Paralegal", "Compliance Officer",
                 "Risk Analyst", "Data Protection Officer"),
                ("Contract Lifecycle Management", "Data Protection Programme",
                 "Policy Portal", "Third-Party Risk"),
                (TeamSpec("PPL-LEG-LEG", "Legal", 0.6),
                 TeamSpec("PPL-LEG-CMP", "Compliance & Risk", 0.6)),
            ),
            DepartmentSpec(
                "PPL-WRK",
                "Workplace",
                ("Facilities Coordinator", "Health & Safety Advisor", "Office Manager",
                 "Workplace Experience Officer", "Maintenance Planner"),
                ("Office Move", "Hybrid Workplace", "Site Security Upgrade",
                 "Net Zero Buildings"),
                (TeamSpec("PPL-WRK-FAC", "Facilities", 0.8),
                 TeamSpec("PPL-WRK-HS", "Health & Safety", 0.5)),
            ),
        ),
    ),
)
# fmt: on

TEAM_COUNT = sum(len(dep.teams) for div in STRUCTURE for dep in div.departments)
# One head per unit: the company, each division, department and team.
HEAD_COUNT = 1 + len(STRUCTURE) + sum(len(div.departments) for div in STRUCTURE) + TEAM_COUNT


def all_departments() -> list[tuple[DivisionSpec, DepartmentSpec]]:
    return [(div, dep) for div in STRUCTURE for dep in div.departments]


# Suffixes that read naturally after any topic, whether a system or an initiative.
PROJECT_SUFFIXES: tuple[str, ...] = (
    "Discovery",
    "Business Case",
    "Pilot",
    "Phase 1",
    "Phase 2",
    "Rollout",
    "Wave 2",
    "Programme",
    "Refresh",
    "Review",
)

# fmt: off
FIRST_NAMES: tuple[str, ...] = (
    "Aaliyah", "Aaron", "Abigail", "Adam", "Adebayo", "Aditi", "Agnieszka", "Ahmed", "Aiden",
    "Aisha", "Alan", "Alba", "Alejandro", "Alex", "Alice", "Amara", "Amelia", "Amir", "Ana",
    "Andrew", "Anika", "Anna", "Arjun", "Astrid", "Ava", "Ben", "Bianca", "Bilal", "Bruno",
    "Caitlin", "Callum", "Camille", "Carlos", "Charlotte", "Chiara", "Chloe", "Chris", "Chinedu",
    "Claire", "Connor", "Daniel", "Daria", "David", "Deepa", "Diego", "Dylan", "Elena", "Eliza",
    "Elliot", "Emeka", "Emily", "Emma", "Erik", "Ethan", "Eva", "Fatima", "Felix", "Finn",
    "Fiona", "Francesca", "Freya", "Gabriel", "Grace", "Hamza", "Hannah", "Harper", "Harry",
    "Hassan", "Helena", "Hiroshi", "Ibrahim", "Imogen", "Ines", "Isaac", "Isla", "Ivan",
    "Jack", "James", "Jasmine", "Javier", "Jessica", "Joao", "Jonas", "Joseph", "Julia",
    "Kaito", "Karim", "Kate", "Kavya", "Kenji", "Kofi", "Laila", "Lars", "Laura", "Leah",
    "Leo", "Liam", "Lina", "Lucas", "Lucy", "Luis", "Maya", "Marco", "Maria", "Mateo",
    "Matthew", "Mei", "Mia", "Michael", "Mohammed", "Nadia", "Naomi", "Nathan", "Neha",
    "Niamh", "Nikhil", "Noah", "Nora", "Oliver", "Olivia", "Omar", "Oscar", "Pablo", "Paula",
    "Priya", "Rachel", "Rahul", "Rania", "Rebecca", "Riya", "Robert", "Rosa", "Ruby", "Ryan",
    "Samuel", "Sara", "Sean", "Sienna", "Simon", "Sofia", "Sophie", "Stefan", "Tariq",
    "Thomas", "Tobias", "Tom", "Uma", "Valentina", "Victor", "Wei", "Will", "Yara", "Yusuf",
    "Zainab", "Zara", "Zoe",
)

LAST_NAMES: tuple[str, ...] = (
    "Abbott", "Acheampong", "Adeyemi", "Ahmed", "Ali", "Allen", "Almeida", "Andersen",
    "Anderson", "Armstrong", "Bailey", "Baker", "Banerjee", "Barnes", "Bauer", "Bell",
    "Bennett", "Berg", "Bianchi", "Bishop", "Brennan", "Brooks", "Brown", "Butler", "Byrne",
    "Campbell", "Carter", "Castro", "Chan", "Chapman", "Chen", "Clarke", "Cole", "Collins",
    "Cook", "Cooper", "Costa", "Cox", "Crawford", "Cruz", "Das", "Davies", "Dawson", "de Vries",
    "Dias", "Dixon", "Doyle", "Duarte", "Dubois", "Edwards", "Ellis", "Evans", "Farah",
    "Ferguson", "Fernandes", "Fischer", "Fletcher", "Foster", "Fraser", "Garcia", "Gibson",
    "Gomez", "Gordon", "Graham", "Grant", "Gray", "Green", "Gupta", "Hall", "Hansen", "Harris",
    "Hayes", "Henderson", "Hill", "Hoffmann", "Holmes", "Hughes", "Hussain", "Iqbal",
    "Ishikawa", "Jackson", "Jansen", "Jensen", "Johnson", "Jones", "Kaur", "Kelly", "Khan",
    "Kim", "King", "Kowalski", "Kumar", "Lambert", "Larsen", "Lee", "Lewis", "Lima", "Lopez",
    "Marshall", "Martin", "Martins", "Mason", "Mendes", "Meyer", "Mills", "Mitchell", "Moore",
    "Morgan", "Morris", "Muller", "Murphy", "Murray", "Mwangi", "Nakamura", "Nguyen",
    "Nielsen", "Novak", "Nowak", "O'Brien", "O'Connor", "Okafor", "Oliveira", "Osei", "Owen",
    "Palmer", "Park", "Patel", "Pereira", "Perez", "Petrov", "Phillips", "Pinto", "Powell",
    "Price", "Quinn", "Rahman", "Reid", "Reyes", "Richards", "Roberts", "Robinson", "Rossi",
    "Russell", "Santos", "Schmidt", "Scott", "Shah", "Sharma", "Silva", "Singh", "Smith",
    "Sousa", "Stewart", "Sullivan", "Suzuki", "Tanaka", "Taylor", "Thomas", "Thompson",
    "Turner", "van Dijk", "Varga", "Walker", "Wallace", "Wang", "Ward", "Watson", "Weber",
    "White", "Williams", "Wilson", "Wood", "Wright", "Yilmaz", "Young", "Zhang",
)
# fmt: on
