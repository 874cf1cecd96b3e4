"""Every table model, imported so that Alembic and the tests see the whole schema."""

from app.auth.models import ApiKey, User
from app.core.db import metadata
from app.core.models import AppSetting, IdempotencyRecord
from app.geography.models import District, Province, Subdistrict
from app.local_governments.models import LocalGovernment, LocalGovernmentSubdistrict
from app.villages.models import Village

__all__ = [
    "ApiKey",
    "AppSetting",
    "District",
    "IdempotencyRecord",
    "LocalGovernment",
    "LocalGovernmentSubdistrict",
    "Province",
    "Subdistrict",
    "User",
    "Village",
    "metadata",
]
