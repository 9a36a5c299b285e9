"""API routes (`/api/v1/...`) and pages of `ecoledger.monitoring` on the platform."""

from fastapi import APIRouter

router = APIRouter()
