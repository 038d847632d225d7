"""Verification models: agencies, review assignments, technical reviews, information requests,
determinations, objections and re-examinations (Art. 17-20)."""

from .agencies import AgencyProfile, AgencyUnitLink, AgencyYearLine, Reviewer
from .assignments import IN_FORCE, ReviewAssignment
from .determinations import Determination, Objection, ObjectionFile, ReExamination
from .requests import InformationFile, InformationMessage, InformationRequest
from .reviews import Finding, ReviewedLine, ReviewReport

__all__ = [
    "IN_FORCE",
    "AgencyProfile",
    "AgencyUnitLink",
    "AgencyYearLine",
    "Determination",
    "Finding",
    "InformationFile",
    "InformationMessage",
    "InformationRequest",
    "Objection",
    "ObjectionFile",
    "ReExamination",
    "ReviewAssignment",
    "ReviewReport",
    "ReviewedLine",
    "Reviewer",
]
