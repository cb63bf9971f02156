"""The forms of the assembly's pages, read in one piece (`Posted[...]`): each field as typed."""

from __future__ import annotations

from backend.views_common import FormFields


class SaisineForm(FormFields):
    title: str = ""
    question: str = ""
    context: str = ""
    commune_insee: str = ""
    panel_size: str = ""
    avis_deadline: str = ""
    registration_deadline: str = ""
    registration_mode: str = ""
    categories: list[str] = []
    adoption_threshold_pct: str = "50"
    quorum_pct: str = "50"


class AnswerForm(FormFields):
    decision: str = ""
    reasons: str = ""


class FollowUpForm(FormFields):
    status: str = ""
    text: str = ""


class MeetingForm(FormFields):
    title: str = ""
    starts_at: str = ""
    place: str = ""
    agenda: str = ""


class AttendanceForm(FormFields):
    present: list[int] | None = None
    summary: str = ""


class GroupForm(FormFields):
    name: str = ""
    topic: str = ""
    members: list[int] | None = None


class DocumentForm(FormFields):
    title: str = ""
    meeting_id: str = ""
    url: str = ""


class RecommendationForm(FormFields):
    title: str = ""
    text: str = ""
    group_id: str = ""


class VotesForm(FormFields):
    member_id: str = ""
    choice: str = ""


class SeedForm(FormFields):
    label: list[str] = []
    value: list[str] = []
