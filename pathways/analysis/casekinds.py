"""Two kinds of case: a study case (a migrant's pathway) and a street-level vignette (one client in a
street-level bureaucrat's story). Cross-case shares count the study cases; the vignettes' contacts
still count in the discretion question."""

from __future__ import annotations


from pathways.analysis.case import CaseAnalysis

STREET_LEVEL = "caseworker"
"""The account of a street-level bureaucrat's story about a client."""


def is_vignette(analysis: CaseAnalysis) -> bool:
    """A street-level vignette: one contact, told in a caseworker's account, and no loop (a study case is
    a pathway of several contacts, in whoever's account)."""
    contacts = [step for step in analysis.pathway.steps if step.type == "ContactRecorded"]
    return len(contacts) == 1 and contacts[0].account == STREET_LEVEL and not analysis.loops

