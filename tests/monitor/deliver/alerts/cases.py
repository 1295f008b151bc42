"""Alert views for every event type, shared by the golden, injection and delivery tests."""

from __future__ import annotations

import dataclasses
import datetime as dt

from monitor.deliver.view import AlertView, CopyRef

INJECTIONS = ("<!channel>", "<@U123>", "<https://evil.example|click>", "<!here|here>", "AT&T")

CASES: dict[str, AlertView] = {
    "NEW_DEMAND": AlertView(
        kind="event",
        event_type="NEW_DEMAND",
        side="russia",
        issue="legally_binding",
        stance="demands",
        statement_date=dt.date(2025, 5, 14),
        evidence="Lavrov said Moscow wants any security guarantees for Kyiv written into a binding treaty.",
        url="https://news.example.org/2025/05/14/lavrov-treaty",
        title="Lavrov: guarantees must be put in a treaty",
        site="news.example.org",
        actor="Sergei Lavrov",
        confidence=0.92,
        event_id=11,
        story_id=4,
    ),
    "NEW_POSITION": AlertView(
        kind="event",
        event_type="NEW_POSITION",
        side="russia",
        issue="guarantor_role",
        stance="open_to",
        statement_date=dt.date(2025, 5, 20),
        evidence="Peskov said the Kremlin could consider China among the guarantor states.",
        url="https://wire.example.com/peskov-guarantors",
        title="Kremlin open to China as a guarantor",
        site="wire.example.com",
        actor="Dmitry Peskov",
        confidence=0.8,
        event_id=12,
        story_id=5,
    ),
    "SHIFT": AlertView(
        kind="event",
        event_type="SHIFT",
        side="russia",
        issue="eu_membership",
        stance="accepts",
        statement_date=dt.date(2025, 6, 18),
        evidence="He said this week that Russia would accept Ukraine's admittance into the European Union.",
        url="https://paper.example.com/2025/06/18/putin-eu",
        title="Putin says Ukraine may join the E.U., never NATO",
        site="paper.example.com",
        actor="Vladimir Putin",
        confidence=0.95,
        previous_stance="rejects",
        previous_date=dt.date(2022, 3, 4),
        previous_evidence="A foreign ministry spokeswoman said EU accession would be treated as hostile.",
        previous_url="https://archive.example.net/2022/03/04/zakharova-eu",
        also_on=(
            CopyRef("repost.example.net", "https://repost.example.net/putin-eu-nato"),
            CopyRef("aggregator.example", "https://aggregator.example/a/991"),
        ),
        event_id=13,
        story_id=6,
    ),
    "POSSIBLE_SHIFT": AlertView(
        kind="event",
        event_type="POSSIBLE_SHIFT",
        side="russia",
        issue="foreign_troops",
        stance="open_to",
        statement_date=dt.date(2025, 7, 2),
        evidence="An unnamed official hinted that unarmed observers might be discussed.",
        url="https://blog.example.org/observers",
        title="Observers on the table?",
        site="blog.example.org",
        actor=None,
        confidence=0.4,
        previous_stance="rejects",
        previous_date=dt.date(2025, 3, 1),
        previous_evidence="Zakharova said any foreign troops in Ukraine would be legitimate targets.",
        previous_url="https://wire.example.com/zakharova-troops",
        event_id=14,
        story_id=7,
    ),
    "copy": AlertView(
        kind="copy",
        event_type="SHIFT",
        side="russia",
        issue="eu_membership",
        stance="accepts",
        statement_date=dt.date(2025, 6, 18),
        evidence="",
        url="https://late-copy.example/putin-eu",
        title="Putin says Ukraine may join the E.U., never NATO",
        site="late-copy.example",
        event_id=13,
        story_id=6,
    ),
    "reiteration": AlertView(
        kind="reiteration",
        event_type="SHIFT",
        side="russia",
        issue="eu_membership",
        stance="accepts",
        statement_date=dt.date(2025, 6, 25),
        evidence="Ushakov repeated that EU membership is Ukraine's sovereign choice.",
        url="https://wire.example.com/ushakov-eu",
        title="Ushakov repeats EU line",
        site="wire.example.com",
        actor="Yuri Ushakov",
        event_id=13,
        story_id=6,
    ),
}
# An alert when the review desk's ``ui.base_url`` is set: the same SHIFT with a Review button.
CASES["SHIFT_review"] = dataclasses.replace(
    CASES["SHIFT"], review_url="https://desk.example.org/event/11"
)


def hostile(view: AlertView) -> AlertView:
    """The same view with every article-derived string carrying Slack control sequences."""
    bad = " ".join(INJECTIONS)
    import dataclasses

    return dataclasses.replace(
        view,
        title=f"{view.title} {bad}",
        evidence=f"{view.evidence} {bad}",
        actor=f"{view.actor or 'someone'} <@U999>",
        site=f"{view.site} <!everyone>",
        previous_evidence=(view.previous_evidence + " " + bad) if view.previous_evidence else None,
        also_on=tuple(dataclasses.replace(c, site=c.site + " <!channel>") for c in view.also_on)
        + (CopyRef("<https://evil.example|x>", "javascript:alert(1)"),),
    )
