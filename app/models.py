"""Every table model, imported so that Alembic and the tests see the whole schema."""

from app.activities.models import Activity
from app.adoptions.models import Adoption
from app.assessments.models import Assessment
from app.audit.models import AuditEntry
from app.auth.models import ApiKey, User
from app.bulk.models import BulkJob, BulkJobChunk
from app.committee.models import CommitteeMember
from app.core.db import metadata
from app.core.models import AppSetting, IdempotencyRecord
from app.events.models import Event, EventCounter
from app.forums.models import Forum, ForumPlan
from app.geography.models import District, Province, Subdistrict
from app.lessons.models import Lesson
from app.local_governments.models import LocalGovernment, LocalGovernmentSubdistrict
from app.plans.models import Plan
from app.reports.models import ProgressForum, ProgressPending, ProgressUnit, ProgressVillage
from app.villages.models import Village
from app.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from app.workflow.models import PlanTransition

__all__ = [
    "Activity",
    "Adoption",
    "ApiKey",
    "AppSetting",
    "Assessment",
    "AuditEntry",
    "BulkJob",
    "BulkJobChunk",
    "CommitteeMember",
    "District",
    "Event",
    "EventCounter",
    "Forum",
    "ForumPlan",
    "IdempotencyRecord",
    "Lesson",
    "LocalGovernment",
    "LocalGovernmentSubdistrict",
    "Plan",
    "PlanTransition",
    "ProgressForum",
    "ProgressPending",
    "ProgressUnit",
    "ProgressVillage",
    "Province",
    "Subdistrict",
    "User",
    "Village",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "metadata",
]
