"""The catalog entries of the demo's three PMO services, written as Brightwater's PMO would hand
them over from Service Development (flywheel step 4), at three stages of their life."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VersionSpec:
    version: str
    weeks_before: int  # released this many weeks before the reference date
    notes: str


@dataclass(frozen=True)
class ServiceSpec:
    slug: str
    name: str
    category: str
    lifecycle: str
    adopter_kind: str
    owner_role: str  # the demo user who owns it
    sponsor_title: str  # the person who sponsors it, found by job title
    summary: str
    problem: str
    value_proposition: str
    benefits: str
    target_users: str
    success_measures: str
    versions: tuple[VersionSpec, ...]
    adoption_target_pct: int = 85
    adoption_target_weeks: int = 12


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        slug="risk-management-framework",
        name="Risk Management Framework",
        category="Governance & Control",
        lifecycle="onboarding",
        adopter_kind="projects",
        owner_role="owner",
        sponsor_title="Chief Financial Officer",
        summary=(
            "One way for every project to identify, score, own and review its risks, "
            "with a register the steering committee can trust."
        ),
        problem=(
            "Each project records risks its own way: some in a spreadsheet tab, some in "
            "meeting notes, many not at all. The 2025 portfolio review found that 7 of the 9 "
            "projects that overran by more than 20% had raised the cause late or never, and "
            "that steering committees could not compare exposure across projects because "
            "scores meant different things in different divisions."
        ),
        value_proposition=(
            "For project managers and sponsors who need to see trouble coming, the Risk "
            "Management Framework gives one shared 5x5 scale, a ready register template and a "
            "monthly review rhythm, so that the biggest risks of the portfolio reach the right "
            "table while there is still time to act, in about 20 minutes a month per project."
        ),
        benefits="\n".join(
            (
                "Risks are raised earlier: a common scale makes a 'high' mean the same in every division.",
                "Steering committees see the top 10 risks of the portfolio in one view.",
                "Each risk has one named owner and a next review date.",
                "Less rework at stage gates: the register is the evidence assurance asks for.",
                "New project managers start from a template instead of a blank page.",
            )
        ),
        target_users=(
            "Every active project in the portfolio, through its project manager. Sponsors and "
            "steering-committee members read the registers; Delivery Assurance reviews them "
            "at each stage gate."
        ),
        success_measures="\n".join(
            (
                "85% of active projects keep a risk register reviewed in the last 30 days, within 12 weeks of go-live.",
                "Median time from a risk being raised to an owner assigned under 5 working days.",
                "At least 80% of project managers rate the framework useful (CSAT 4 or 5).",
                "Steering packs show the portfolio top 10 risks every month.",
            )
        ),
        versions=(
            VersionSpec(
                "0.9",
                22,
                "Pilot release with Delivery Assurance and 12 Technology projects: 5x5 scale, "
                "register template, monthly review checklist.",
            ),
            VersionSpec(
                "1.0",
                10,
                "First company-wide release. From pilot feedback: fewer mandatory fields (9 "
                "down to 5), plain-language impact descriptions, escalation thresholds per "
                "project size.",
            ),
            VersionSpec(
                "1.1",
                3,
                "Adds opportunity logging and a quick-start guide for small projects under "
                "three months.",
            ),
        ),
    ),
    ServiceSpec(
        slug="portfolio-prioritisation",
        name="Portfolio Prioritisation",
        category="Portfolio Management",
        lifecycle="designed",
        adopter_kind="people",
        owner_role="admin",
        sponsor_title="Chief Executive Officer",
        summary=(
            "A transparent scoring model and quarterly cycle that decide which proposals get "
            "funded and staffed, and why."
        ),
        problem=(
            "Proposals are funded by whoever argues loudest at the budget round. Twice a year "
            "the portfolio is over-committed by about a third, projects start and then stall "
            "for lack of people, and division heads cannot explain to their teams why one "
            "initiative went ahead and another did not."
        ),
        value_proposition=(
            "For division and department heads who propose and fund work, Portfolio "
            "Prioritisation scores every proposal on strategic fit, value, urgency, risk and "
            "capacity with criteria agreed by the executive team, so that the portfolio fits "
            "the people available and every decision can be explained in one page."
        ),
        benefits="\n".join(
            (
                "A ranked, funded portfolio that fits available capacity.",
                "Decisions explained: every proposal shows its score and the reasons.",
                "Fewer stalled projects: nothing starts without named people.",
                "A quarterly rhythm replaces ad-hoc escalations to the executive team.",
            )
        ),
        target_users=(
            "Division heads, department heads and portfolio analysts who propose, score and "
            "approve work; about 70 people. Project managers see the outcome."
        ),
        success_measures="\n".join(
            (
                "85% of department heads submit proposals through the scoring model within 12 weeks of launch.",
                "Portfolio demand within 105% of capacity after the first quarterly cycle.",
                "Share of started projects that stall within 3 months halved within a year.",
            )
        ),
        versions=(
            VersionSpec(
                "0.1",
                8,
                "Design draft: five scoring criteria and weights proposed to the executive team.",
            ),
            VersionSpec(
                "0.2",
                2,
                "Weights agreed at the November executive offsite; capacity check added; "
                "pilot with Technology and Operations planned for Q1.",
            ),
        ),
    ),
    ServiceSpec(
        slug="project-status-reporting",
        name="Project Status Reporting",
        category="Reporting & Insight",
        lifecycle="operating",
        adopter_kind="people",
        owner_role="owner",
        sponsor_title="Chief Operating Officer",
        summary=(
            "A fortnightly one-page status report per project, submitted in five minutes and "
            "rolled up automatically into the portfolio dashboard."
        ),
        problem=(
            "Before this service, project managers wrote status reports in six different "
            "formats and the PMO spent two days a month re-typing them into a portfolio pack "
            "that was out of date when it was presented."
        ),
        value_proposition=(
            "For project managers and the people who fund their work, Project Status "
            "Reporting replaces bespoke slide decks with one short form and an automatic "
            "roll-up, so that leaders see the whole portfolio on the day it is reported and "
            "project managers get their Friday afternoons back."
        ),
        benefits="\n".join(
            (
                "Five minutes per report instead of an hour.",
                "The portfolio dashboard is current every other Monday, not a month late.",
                "RAG status means the same thing everywhere: defined thresholds for time, cost and scope.",
                "The PMO spends its two days a month on analysis instead of re-typing.",
            )
        ),
        target_users=(
            "Everyone who manages or sponsors a project: project and programme managers submit; "
            "sponsors, department heads and the steering committee read."
        ),
        success_measures="\n".join(
            (
                "85% of project managers submit on time within 12 weeks of go-live (sustained since 2025).",
                "Portfolio dashboard refreshed within one working day of the reporting deadline.",
                "NPS of report readers of at least +30.",
            )
        ),
        versions=(
            VersionSpec("1.0", 120, "Launched with the fortnightly one-page form and PDF roll-up."),
            VersionSpec(
                "1.5",
                78,
                "RAG thresholds defined for time, cost and scope; reminders two days before "
                "the deadline.",
            ),
            VersionSpec(
                "2.0",
                36,
                "Live portfolio dashboard replaces the PDF pack; sponsors comment in place.",
            ),
            VersionSpec("2.1", 6, "Milestone trend chart and a shorter form for projects on hold."),
        ),
    ),
)
