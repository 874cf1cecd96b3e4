"""The words of the community-plan domain, with their Thai labels from the seed document."""

from __future__ import annotations

import enum

from app.core.types import Vocabulary


class WorkingGroup(Vocabulary):
    administration = "administration"
    governance = "governance"
    development_planning = "development_planning"
    economy = "economy"
    social_environment_health = "social_environment_health"
    education_religion_culture = "education_religion_culture"


WORKING_GROUP_TH: dict[WorkingGroup, str] = {
    WorkingGroup.administration: "ด้านอำนวยการ",
    WorkingGroup.governance: "ด้านการปกครองและรักษาความสงบเรียบร้อย",
    WorkingGroup.development_planning: "ด้านแผนพัฒนาหมู่บ้าน",
    WorkingGroup.economy: "ด้านส่งเสริมเศรษฐกิจ",
    WorkingGroup.social_environment_health: "ด้านสังคม สิ่งแวดล้อม และสาธารณสุข",
    WorkingGroup.education_religion_culture: "ด้านการศึกษา ศาสนา และวัฒนธรรม",
}


class ActivityKind(Vocabulary):
    self_reliance = "self_reliance"
    joint = "joint"
    external_support = "external_support"


ACTIVITY_KIND_TH: dict[ActivityKind, str] = {
    ActivityKind.self_reliance: "ทำเอง (พึ่งตนเอง)",
    ActivityKind.joint: "ทำร่วม",
    ActivityKind.external_support: "ขอรับการสนับสนุน",
}


class ActivityStatus(Vocabulary):
    planned = "planned"
    in_progress = "in_progress"
    completed = "completed"
    cancelled = "cancelled"


ACTIVITY_STATUS_TH: dict[ActivityStatus, str] = {
    ActivityStatus.planned: "วางแผนแล้ว",
    ActivityStatus.in_progress: "กำลังดำเนินการ",
    ActivityStatus.completed: "ดำเนินการแล้ว",
    ActivityStatus.cancelled: "ยกเลิก",
}


class PlanStatus(Vocabulary):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    district_approved = "district_approved"
    tambon_integrated = "tambon_integrated"
    certification_requested = "certification_requested"
    certified = "certified"
    certification_rejected = "certification_rejected"


PLAN_STATUS_TH: dict[PlanStatus, str] = {
    PlanStatus.draft: "ร่าง",
    PlanStatus.submitted: "เสนอแล้ว",
    PlanStatus.returned: "ส่งกลับแก้ไข",
    PlanStatus.district_approved: "อำเภอเห็นชอบ",
    PlanStatus.tambon_integrated: "บูรณาการระดับตำบลแล้ว",
    PlanStatus.certification_requested: "เสนอรับรองมาตรฐาน",
    PlanStatus.certified: "รับรองมาตรฐานแล้ว",
    PlanStatus.certification_rejected: "ไม่ผ่านการรับรอง",
}

# Plan content and activities can be edited only in these states (an activity's progress always can).
EDITABLE_PLAN_STATES = frozenset({PlanStatus.draft, PlanStatus.returned})


def check_values(enum_type: type[enum.StrEnum]) -> str:
    """`'a', 'b', …` for a CHECK constraint over an enum's values."""
    return ", ".join(f"'{member.value}'" for member in enum_type)
