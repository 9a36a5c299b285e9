"""API routes (`/api/v1/...`) and pages of `ecoledger.applications` on the platform."""

from fastapi import APIRouter

router = APIRouter()
