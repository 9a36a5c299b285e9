"""API routes (`/api/v1/...`) and pages of `ecoledger.carbon` on the platform."""

from fastapi import APIRouter

router = APIRouter()
